"""Recording and reading the audit trail.

`record` is called inside the transaction of the change it describes, so a change and its audit
entry commit or roll back together. Values are stored as JSON with secrets redacted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.identity.policy import Permission, can, ensure
from domain.principal import Principal

# Marks a session whose transaction already holds an audit entry (see api.graphql.context).
AUDITED = "ims.audited"
_SECRET_KEYS = ("password", "secret", "token", "code_verifier")
_REDACTED = "[redacted]"


@dataclass(frozen=True)
class Origin:
    """Where a change came from: the request id and client IP, or nothing for CLI and jobs."""

    request_id: str | None = None
    ip: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): (_REDACTED if any(s in str(k).lower() for s in _SECRET_KEYS) else _plain(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def to_json(value: Any, limit: int = 32_000) -> Any:
    """JSON-safe copy with secrets redacted (Decimals as strings, so no money is rounded); a value
    larger than `limit` characters (a bulk import's variables) is summarised, not stored."""
    text = json.dumps(_plain(value), ensure_ascii=False)
    if len(text) > limit:
        keys = sorted(value) if isinstance(value, Mapping) else []
        return {"truncated": True, "characters": len(text), "keys": [str(k) for k in keys][:50]}
    return json.loads(text)


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
    origin: Origin | None = None,
) -> None:
    origin = origin or Origin()
    await session.execute(
        insert(AuditEntry).values(
            actor=principal.actor[:200],
            actor_kind=principal.kind.value,
            actor_user_id=principal.user_id,
            actor_client_id=principal.client_id,
            action=action[:120],
            target_type=target_type,
            target_id=None if target_id is None else str(target_id)[:120],
            before=None if before is None else to_json(before),
            after=None if after is None else to_json(after),
            request_id=origin.request_id,
            ip=origin.ip,
        )
    )
    session.info[AUDITED] = True


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_entries(
    session: AsyncSession, principal: Principal, flt: AuditFilter, *, first: int, before_id: int | None
) -> tuple[list[AuditEntry], bool]:
    """Newest first, keyset-paginated on the id."""
    ensure(principal, Permission.AUDIT_READ)
    stmt = select(AuditEntry)
    if flt.actor:
        stmt = stmt.where(AuditEntry.actor == flt.actor)
    if flt.action:
        stmt = stmt.where(AuditEntry.action == flt.action)
    if flt.target_type:
        stmt = stmt.where(AuditEntry.target_type == flt.target_type)
    if flt.target_id:
        stmt = stmt.where(AuditEntry.target_id == flt.target_id)
    if flt.since:
        stmt = stmt.where(AuditEntry.occurred_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEntry.occurred_at < flt.until)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = (await session.execute(stmt.order_by(AuditEntry.id.desc()).limit(first + 1))).scalars().all()
    return list(rows[:first]), len(rows) > first


async def entry_by_id(session: AsyncSession, principal: Principal, entry_id: int) -> AuditEntry | None:
    if not can(principal, Permission.AUDIT_READ):
        return None
    return await session.get(AuditEntry, entry_id)
