"""Delivery tracking on top of ship notices: one timeline per notice, from what the supplier said
(shipped), what its carrier reported (ship_notice_event: in transit, delivered, ...), what the
dock received, and every discrepancy on the way (held scans, short closes, QC rejects).

A notice is late when its expected arrival has passed and it is still not received. The stage is
the furthest of shipped → in transit → delivered → received reached so far. Visibility is the
ship notice's own (purchasing): a supplier sees only its notices; others are "not found"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today, day_start
from domain.principal import Principal
from domain.purchasing.models import ShipNotice
from domain.purchasing.ship_notices import get_ship_notice, list_ship_notices


class DeliveryStage(StrEnum):
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RECEIVED = "received"


_RANK = {DeliveryStage.SHIPPED: 0, DeliveryStage.IN_TRANSIT: 1, DeliveryStage.DELIVERED: 2, DeliveryStage.RECEIVED: 3}
# Carrier vocabularies differ; these words mean the goods reached the dock / are moving.
_DELIVERED_WORDS = ("delivered", "signed", "arrived", "签收", "送达")
_TRANSIT_WORDS = ("transit", "picked", "departed", "out_for_delivery", "out for delivery", "运输", "派送", "揽收")


def carrier_stage(status: str) -> DeliveryStage | None:
    """Map a carrier's status word to a stage (None: an event that does not move the stage)."""
    value = status.strip().lower()
    if any(word in value for word in _DELIVERED_WORDS):
        return DeliveryStage.DELIVERED
    if any(word in value for word in _TRANSIT_WORDS):
        return DeliveryStage.IN_TRANSIT
    return None


@dataclass(frozen=True)
class TimelineEvent:
    stage: str  # a DeliveryStage value, or "discrepancy", or the carrier's own word
    occurred_at: datetime
    description: str | None
    location: str | None
    source: str  # notice | carrier | receiving | qc


@dataclass(frozen=True)
class Discrepancy:
    kind: str  # hold code (OVER_RECEIPT, WRONG_ITEM, SHORT_RECEIPT, ...) or QC_REJECT
    occurred_at: datetime
    part_code: str | None
    quantity: Decimal | None
    message: str
    resolution: str | None  # the scan's outcome (accepted, discarded, backordered, closed_short) or None


@dataclass(frozen=True)
class DeliveryTimeline:
    notice: ShipNotice
    stage: DeliveryStage
    late: bool
    shipped_qty: Decimal
    received_qty: Decimal
    events: list[TimelineEvent]
    discrepancies: list[Discrepancy]

    @property
    def has_discrepancies(self) -> bool:
        return bool(self.discrepancies)


_CARRIER = text(
    """
    SELECT ship_notice_id, status, description, location, occurred_at FROM ship_notice_event
     WHERE ship_notice_id = ANY(CAST(:ids AS int[])) ORDER BY occurred_at, id
    """
)
_QUANTITIES = text(
    """
    SELECT ship_notice_id, sum(quantity) AS shipped, sum(received_qty) AS received
      FROM ship_notice_line WHERE ship_notice_id = ANY(CAST(:ids AS int[])) GROUP BY 1
    """
)
_RECEIPTS = text(
    """
    SELECT nl.ship_notice_id, r.received_on, min(r.created_at) AS at, sum(r.quantity) AS q,
           string_agg(DISTINCT p.code, ', ') AS parts, min(rs.number) AS session_number
      FROM receipt_line r
      JOIN ship_notice_line nl ON nl.id = r.ship_notice_line_id
      JOIN part p ON p.id = r.part_id
      JOIN receiving_session rs ON rs.id = r.session_id
     WHERE nl.ship_notice_id = ANY(CAST(:ids AS int[]))
     GROUP BY 1, 2 ORDER BY 1, 3
    """
)
_HOLDS = text(
    """
    SELECT coalesce(nl.ship_notice_id, rs.ship_notice_id) AS ship_notice_id, s.hold_code, s.hold_reason,
           s.created_at, s.quantity, s.status, p.code AS part_code
      FROM receipt_scan s
      JOIN receiving_session rs ON rs.id = s.session_id
      LEFT JOIN ship_notice_line nl ON nl.id = s.ship_notice_line_id
      LEFT JOIN part p ON p.id = s.part_id
     WHERE s.hold_code IS NOT NULL
       AND (nl.ship_notice_id = ANY(CAST(:ids AS int[]))
            OR (s.ship_notice_line_id IS NULL AND rs.ship_notice_id = ANY(CAST(:ids AS int[]))))
     ORDER BY s.created_at, s.id
    """
)
_REJECTS = text(
    """
    SELECT nl.ship_notice_id, q.created_at, q.rejected_qty, q.reason, p.code AS part_code
      FROM qc_inspection q
      JOIN receipt_line r ON r.id = q.receipt_line_id
      JOIN ship_notice_line nl ON nl.id = r.ship_notice_line_id
      JOIN part p ON p.id = r.part_id
     WHERE q.rejected_qty > 0 AND nl.ship_notice_id = ANY(CAST(:ids AS int[]))
     ORDER BY q.created_at, q.id
    """
)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


async def timelines(
    session: AsyncSession, notices: Sequence[ShipNotice], today: date | None = None
) -> dict[int, DeliveryTimeline]:
    """Timelines of notices the caller may already show (batch: five statements for any number)."""
    if not notices:
        return {}
    today = today or business_today()
    ids = [n.id for n in notices]
    params = {"ids": ids}
    events: dict[int, list[TimelineEvent]] = defaultdict(list)
    discrepancies: dict[int, list[Discrepancy]] = defaultdict(list)
    stage: dict[int, DeliveryStage] = {n.id: DeliveryStage.SHIPPED for n in notices}

    def reach(notice_id: int, new: DeliveryStage) -> None:
        if _RANK[new] > _RANK[stage[notice_id]]:
            stage[notice_id] = new

    for n in notices:
        shipped_at = day_start(n.shipped_on) if n.shipped_on else n.created_at
        carrier = " ".join(x for x in (n.carrier, n.tracking_number) if x)
        events[n.id].append(TimelineEvent(DeliveryStage.SHIPPED.value, shipped_at, carrier or None, None, "notice"))
    for r in await session.execute(_CARRIER, params):
        mapped = carrier_stage(r.status)
        if mapped is not None:
            reach(r.ship_notice_id, mapped)
        events[r.ship_notice_id].append(
            TimelineEvent(mapped.value if mapped else r.status, r.occurred_at, r.description, r.location, "carrier")
        )
    for r in await session.execute(_RECEIPTS, params):
        reach(r.ship_notice_id, DeliveryStage.RECEIVED)
        events[r.ship_notice_id].append(
            TimelineEvent(
                DeliveryStage.RECEIVED.value,
                r.at,
                f"{_fmt(Decimal(r.q))} received ({r.parts}) in {r.session_number}",
                None,
                "receiving",
            )
        )
    for r in await session.execute(_HOLDS, params):
        found = Discrepancy(
            kind=r.hold_code,
            occurred_at=r.created_at,
            part_code=r.part_code,
            quantity=r.quantity,
            message=r.hold_reason or r.hold_code,
            resolution=None if r.status == "held" else r.status,
        )
        discrepancies[r.ship_notice_id].append(found)
        events[r.ship_notice_id].append(TimelineEvent("discrepancy", r.created_at, found.message, None, "receiving"))
    for r in await session.execute(_REJECTS, params):
        message = f"{_fmt(Decimal(r.rejected_qty))} {r.part_code} rejected by QC: {r.reason or ''}".strip()
        discrepancies[r.ship_notice_id].append(
            Discrepancy("QC_REJECT", r.created_at, r.part_code, r.rejected_qty, message, "returned")
        )
        events[r.ship_notice_id].append(TimelineEvent("discrepancy", r.created_at, message, None, "qc"))
    quantities = {r.ship_notice_id: r for r in await session.execute(_QUANTITIES, params)}
    result: dict[int, DeliveryTimeline] = {}
    for n in notices:
        if n.status == "received":
            reach(n.id, DeliveryStage.RECEIVED)
        q = quantities.get(n.id)
        late = n.status == "open" and n.expected_arrival is not None and n.expected_arrival < today
        result[n.id] = DeliveryTimeline(
            notice=n,
            stage=stage[n.id],
            late=late,
            shipped_qty=Decimal(q.shipped) if q else Decimal(0),
            received_qty=Decimal(q.received) if q else Decimal(0),
            events=sorted(events[n.id], key=lambda e: e.occurred_at),
            discrepancies=discrepancies[n.id],
        )
    return result


async def delivery_timeline(
    session: AsyncSession, principal: Principal, ship_notice_id: int
) -> DeliveryTimeline | None:
    """The timeline of one notice the principal may see; None when missing or not theirs."""
    notice = await get_ship_notice(session, principal, ship_notice_id)
    if notice is None:
        return None
    return (await timelines(session, [notice]))[notice.id]


async def list_delivery_timelines(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[str] | None = None,
    late_only: bool = False,
    first: int = 20,
    before_id: int | None = None,
) -> tuple[list[DeliveryTimeline], bool]:
    """Timelines of the notices the principal may see, newest first (the portal's deliveries page)."""
    notices, has_next = await list_ship_notices(session, principal, statuses=statuses, first=first, before_id=before_id)
    found = await timelines(session, notices)
    rows = [found[n.id] for n in notices]
    if late_only:
        rows = [t for t in rows if t.late]
    return rows, has_next
