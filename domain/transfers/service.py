"""Transfer orders: request → approve (reserves at the source) → ship, possibly in several
shipments (`shipping`: source bins → V-TRANSIT) → receive each shipment at the destination
(`receiving`: V-TRANSIT → destination), recording what did not arrive as a discrepancy. This module
holds the request and decisions and what shipping and receiving share.

Every change locks the order row first, so shipments and receipts of one order are serialised and
the idempotency checks that follow the lock are race-free. Stock only moves through the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, Location, LocationKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock import reservations
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import reserve_at_site, site_lots
from domain.transfers import policy
from domain.transfers.models import (
    ShipmentStatus,
    TransferLine,
    TransferOrder,
    TransferShipment,
    TransferStatus,
)

ZERO = Decimal(0)
RESERVATION_DOC = "transfer"
SHIP_DOC = "transfer_ship"
RECEIVE_DOC = "transfer_receive"
MAX_LINES = 500
SHIPPABLE = (TransferStatus.APPROVED.value, TransferStatus.PARTIALLY_SHIPPED.value)


def line_ref(number: str, line_no: int) -> str:
    return f"{number}/{line_no}"


@dataclass(frozen=True)
class PartQuantity:
    part_code: str
    quantity: Decimal


@dataclass(frozen=True)
class RequestTransfer:
    from_location_code: str
    to_location_code: str
    lines: Sequence[PartQuantity]
    emergency: bool = False
    reason: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Requested:
    transfer: TransferOrder
    replayed: bool


async def resolve_site(session: AsyncSession, code: str, field: str) -> Location:
    """The store or warehouse a code stands for (a bin or zone counts as its site); virtual
    locations and grouping nodes cannot send or receive transfers."""
    location = (
        await session.execute(select(Location).where(Location.code == code.strip().upper()))
    ).scalar_one_or_none()
    if location is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code.strip().upper()}", [field])
    if location.kind == LocationKind.VIRTUAL:
        raise DomainError(
            ErrorCode.INVALID_LOCATION, f"{location.code} is a virtual location; transfers go between sites", [field]
        )
    if location.kind not in STOCK_HOLDING_KINDS or location.site_id is None or not location.active:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{location.code} is not an active store or warehouse", [field])
    if location.site_id != location.id:
        site = await session.get(Location, location.site_id)
        assert site is not None
        return site
    return location


_REGION = text(
    "SELECT path FROM location WHERE kind = 'region' AND :path LIKE path || '/%' ORDER BY length(path) DESC LIMIT 1"
)


async def region_of(session: AsyncSession, path: str) -> str | None:
    return (await session.execute(_REGION, {"path": path})).scalar_one_or_none()


async def lane_of(session: AsyncSession, order: TransferOrder) -> tuple[policy.Lane, Location, Location]:
    source = await session.get(Location, order.from_site_id)
    destination = await session.get(Location, order.to_site_id)
    assert source is not None and destination is not None
    lane = policy.Lane(
        source_path=source.path,
        destination_path=destination.path,
        source_region=await region_of(session, source.path),
        destination_region=await region_of(session, destination.path),
        requested_by=order.requested_by,
        emergency=order.emergency,
    )
    return lane, source, destination


async def validated_lines(
    session: AsyncSession, lines: Sequence[PartQuantity], field: str = "lines"
) -> list[tuple[Part, Decimal]]:
    """Known, active, distinct parts with quantities in their unit's precision; all errors at once."""
    errors: list[DomainError] = []
    if not lines or len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"1 to {MAX_LINES} lines are required", [field])
    codes = sorted({line.part_code.strip().upper() for line in lines})
    parts = {p.code: p for p in (await session.execute(select(Part).where(Part.code.in_(codes)))).scalars()}
    seen: set[int] = set()
    result: list[tuple[Part, Decimal]] = []
    for n, line in enumerate(lines):
        where = [field, str(n)]
        part = parts.get(line.part_code.strip().upper())
        if part is None or not part.active:
            errors.append(
                DomainError(ErrorCode.UNKNOWN_PART, f"no active part {line.part_code!r}", [*where, "partCode"])
            )
            continue
        if part.id in seen:
            errors.append(DomainError(ErrorCode.DUPLICATE, f"{part.code} is listed twice", [*where, "partCode"]))
            continue
        seen.add(part.id)
        try:
            result.append((part, validate_quantity(line.quantity, part.uom_precision)))
        except DomainError as error:
            errors.append(DomainError(error.code, error.message, [*where, "quantity"]))
    if errors:
        raise DomainErrors(errors)
    return result


def check_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= 120:
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-120 characters", ["idempotencyKey"])


async def request_transfer(session: AsyncSession, principal: Principal, cmd: RequestTransfer) -> Requested:
    """Ask for stock to be sent from one site to another; a retry with the same key replays."""
    check_key(cmd.idempotency_key)
    source = await resolve_site(session, cmd.from_location_code, "fromLocationCode")
    destination = await resolve_site(session, cmd.to_location_code, "toLocationCode")
    if not principal.sees_path(destination.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {destination.code}", ["toLocationCode"])
    if source.id == destination.id:
        raise DomainError(ErrorCode.INVALID_LOCATION, "source and destination are the same site", ["toLocationCode"])
    policy.ensure_can_request(principal, destination.path)
    if cmd.reason is not None and len(cmd.reason) > 1000:
        raise DomainError(ErrorCode.INVALID_INPUT, "reason is limited to 1000 characters", ["reason"])
    lines = await validated_lines(session, cmd.lines)
    order = await create_order(
        session,
        principal.actor,
        source,
        destination,
        lines,
        emergency=cmd.emergency,
        reason=cmd.reason,
        idempotency_key=cmd.idempotency_key,
    )
    if order is None:
        existing = (
            await session.execute(select(TransferOrder).where(TransferOrder.idempotency_key == cmd.idempotency_key))
        ).scalar_one()
        if existing.request_hash != _hash(source.id, destination.id, lines, cmd.emergency):
            raise DomainError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                f"this key already requested {existing.number} with different content",
                ["idempotencyKey"],
            )
        return Requested(existing, replayed=True)
    return Requested(order, replayed=False)


def _hash(source_id: int, destination_id: int, lines: Sequence[tuple[Part, Decimal]], emergency: bool) -> str:
    payload = [source_id, destination_id, emergency, [[p.id, str(q.normalize())] for p, q in lines]]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


async def create_order(
    session: AsyncSession,
    requested_by: str,
    source: Location,
    destination: Location,
    lines: Sequence[tuple[Part, Decimal]],
    *,
    emergency: bool = False,
    reason: str | None = None,
    idempotency_key: str | None = None,
    rebalance_plan_id: int | None = None,
) -> TransferOrder | None:
    """Insert a requested order with its lines; None when the idempotency key is already taken."""
    stmt = insert(TransferOrder).values(
        from_site_id=source.id,
        to_site_id=destination.id,
        status=TransferStatus.REQUESTED.value,
        emergency=emergency,
        reason=reason,
        shipping_closed=False,
        idempotency_key=idempotency_key,
        request_hash=_hash(source.id, destination.id, lines, emergency),
        requested_by=requested_by,
        rebalance_plan_id=rebalance_plan_id,
    )
    if idempotency_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
    new_id = (await session.execute(stmt.returning(TransferOrder.id))).scalar_one_or_none()
    if new_id is None:
        return None
    session.add_all(
        TransferLine(transfer_order_id=new_id, line_no=n, part_id=part.id, quantity=quantity)
        for n, (part, quantity) in enumerate(lines, start=1)
    )
    await session.flush()
    return (await session.execute(select(TransferOrder).where(TransferOrder.id == new_id))).scalar_one()


async def load_order(
    session: AsyncSession, principal: Principal, transfer_order_id: int, *, lock: bool = False
) -> tuple[TransferOrder, policy.Lane, Location, Location]:
    stmt = select(TransferOrder).where(TransferOrder.id == transfer_order_id)
    if lock:
        stmt = stmt.with_for_update()
    order = (await session.execute(stmt)).scalar_one_or_none()
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such transfer order", ["transferOrderId"])
    lane, source, destination = await lane_of(session, order)
    if not policy.can_read(principal, source.path, destination.path):
        raise DomainError(ErrorCode.NOT_FOUND, "no such transfer order", ["transferOrderId"])
    return order, lane, source, destination


async def order_lines(session: AsyncSession, transfer_order_id: int) -> list[TransferLine]:
    rows = await session.execute(
        select(TransferLine).where(TransferLine.transfer_order_id == transfer_order_id).order_by(TransferLine.line_no)
    )
    return list(rows.scalars())


def _now() -> datetime:
    return datetime.now(UTC)


async def approve(session: AsyncSession, principal: Principal, order: TransferOrder, note: str | None = None) -> None:
    """Reserve at the source what it has of each line (it may ship less later), and sign."""
    parts = {
        p.id: p
        for p in (
            await session.execute(
                select(Part)
                .join(TransferLine, TransferLine.part_id == Part.id)
                .where(TransferLine.transfer_order_id == order.id)
            )
        ).scalars()
    }
    for line in sorted(await order_lines(session, order.id), key=lambda x: x.part_id):
        available = sum((lot.available for lot in await site_lots(session, line.part_id, order.from_site_id)), ZERO)
        take = min(line.quantity, available)
        if take > ZERO:
            await reserve_at_site(
                session,
                principal,
                part_id=line.part_id,
                site_id=order.from_site_id,
                quantity=take,
                precision=parts[line.part_id].uom_precision,
                doc_type=RESERVATION_DOC,
                doc_ref=line_ref(order.number, line.line_no),
            )
    order.status = TransferStatus.APPROVED.value
    order.approved_by = principal.actor
    order.approved_at = _now()
    order.decision_note = note


def require_status(order: TransferOrder, *statuses: str) -> None:
    if order.status not in statuses:
        raise DomainError(ErrorCode.INVALID_STATE, f"transfer {order.number} is {order.status}")


async def approve_transfer(
    session: AsyncSession, principal: Principal, transfer_order_id: int, note: str | None = None
) -> TransferOrder:
    order, lane, _, _ = await load_order(session, principal, transfer_order_id, lock=True)
    require_status(order, TransferStatus.REQUESTED.value)
    policy.ensure_can_approve(principal, lane)
    await approve(session, principal, order, note)
    await session.flush()
    return order


async def release_reservations(session: AsyncSession, order: TransferOrder) -> None:
    for line in await order_lines(session, order.id):
        await reservations.release(session, RESERVATION_DOC, line_ref(order.number, line.line_no))


async def reject_transfer(
    session: AsyncSession, principal: Principal, transfer_order_id: int, note: str | None = None
) -> TransferOrder:
    order, lane, _, _ = await load_order(session, principal, transfer_order_id, lock=True)
    require_status(order, TransferStatus.REQUESTED.value)
    policy.ensure_can_reject(principal, lane)
    order.status = TransferStatus.REJECTED.value
    order.approved_by, order.approved_at, order.decision_note = principal.actor, _now(), note
    await session.flush()
    return order


async def cancel_transfer(
    session: AsyncSession, principal: Principal, transfer_order_id: int, note: str | None = None
) -> TransferOrder:
    """Withdraw before anything shipped; the source's reservations go back to the shelf."""
    order, lane, _, _ = await load_order(session, principal, transfer_order_id, lock=True)
    require_status(order, TransferStatus.REQUESTED.value, TransferStatus.APPROVED.value)
    policy.ensure_can_cancel(principal, lane)
    await release_reservations(session, order)
    order.status = TransferStatus.CANCELLED.value
    order.decision_note = note
    await session.flush()
    return order


async def posted_moves(session: AsyncSession, *posting_ids: int | None) -> list[PostedMove]:
    """The ledger lines of earlier postings: what a retried shipment or receipt answers with."""
    ids = [i for i in posting_ids if i is not None]
    rows = await session.execute(
        text(
            "SELECT id, posting_id, part_id, lot_no, quantity, from_location_id, to_location_id, unit_cost, doc_type, "
            "doc_ref, reason, actor, created_at FROM stock_move WHERE posting_id = ANY(:ids) ORDER BY id"
        ),
        {"ids": ids},
    )
    return [PostedMove(**row._mapping) for row in rows]


async def refresh_status(session: AsyncSession, order: TransferOrder, lines: Sequence[TransferLine]) -> None:
    """Derive the status from the lines and shipments after every shipment or receipt."""
    shipments = list(
        (
            await session.execute(select(TransferShipment).where(TransferShipment.transfer_order_id == order.id))
        ).scalars()
    )
    in_transit = any(s.status == ShipmentStatus.IN_TRANSIT for s in shipments)
    arrived = any(s.status == ShipmentStatus.RECEIVED for s in shipments)
    done = order.shipping_closed or all(line.shipped >= line.quantity for line in lines)
    if not done:
        status = TransferStatus.PARTIALLY_SHIPPED
    elif not in_transit:
        status = TransferStatus.RECEIVED
    else:
        status = TransferStatus.PARTIALLY_RECEIVED if arrived else TransferStatus.SHIPPED
    order.status = status.value
    await session.flush()
