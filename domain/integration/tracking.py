"""Carrier tracking updates for ship notices, from the supplier's system.

Each update is kept as a `ship_notice_event`; carrier, tracking number and expected arrival on the
notice itself are refreshed when the update carries them (the receiving dock reads those). The
notice must belong to the sending supplier; anything else reads as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.integration.models import ShipNoticeEvent
from domain.principal import Principal
from domain.purchasing.models import ShipNotice


@dataclass(frozen=True)
class TrackingUpdate:
    ship_notice: str  # the supplier's notice number or our SN- label
    status: str
    occurred_at: datetime
    carrier: str | None = None
    tracking_number: str | None = None
    expected_arrival: date | None = None
    description: str | None = None
    location: str | None = None


def _clip(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


async def record_tracking(session: AsyncSession, principal: Principal, update: TrackingUpdate) -> dict[str, object]:
    if principal.supplier_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "tracking updates come from a supplier")
    status = (update.status or "").strip().lower()
    if not 1 <= len(status) <= 40:
        raise DomainError(ErrorCode.INVALID_INPUT, "a status of 1-40 characters is required", ["status"])
    ref = update.ship_notice.strip().upper()
    notice = (
        await session.execute(
            select(ShipNotice)
            .where(
                ShipNotice.supplier_id == principal.supplier_id, or_(ShipNotice.number == ref, ShipNotice.label == ref)
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if notice is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no ship notice {ref}", ["shipNotice"])
    if update.carrier:
        notice.carrier = _clip(update.carrier, 120)
    if update.tracking_number:
        notice.tracking_number = _clip(update.tracking_number, 120)
    if update.expected_arrival:
        notice.expected_arrival = update.expected_arrival
    event = ShipNoticeEvent(
        ship_notice_id=notice.id,
        status=status,
        description=_clip(update.description, 2000),
        location=_clip(update.location, 200),
        occurred_at=update.occurred_at,
    )
    session.add(event)
    await session.flush()
    return {"shipNotice": notice.label, "eventId": event.id, "status": status}
