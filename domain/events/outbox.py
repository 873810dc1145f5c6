"""`emit`: append an event to the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events.models import OutboxEvent


def _plain(value: Any) -> Any:
    """JSON-safe copy: money and quantities as exact strings, dates in ISO form."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


async def emit(session: AsyncSession, topic: str, payload: Mapping[str, Any]) -> int:
    """Write one event row; it becomes visible to the dispatcher only if the transaction commits."""
    row = await session.execute(
        insert(OutboxEvent).values(topic=topic, payload=_plain(payload)).returning(OutboxEvent.id)
    )
    return int(row.scalar_one())
