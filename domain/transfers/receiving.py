"""Receiving a transfer shipment: V-TRANSIT → destination for what arrived; the rest is recorded as
a discrepancy and stays on the transit account for finance to clear."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, Location, LocationKind, VirtualKind
from domain.principal import Principal
from domain.quantities import parse_decimal, validate_quantity
from domain.stock import ledger
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import virtual_location_id
from domain.transfers import policy
from domain.transfers.models import ShipmentStatus, TransferShipment, TransferShipmentLine
from domain.transfers.service import (
    RECEIVE_DOC,
    ZERO,
    PartQuantity,
    check_key,
    load_order,
    order_lines,
    posted_moves,
    refresh_status,
)
from domain.transfers.shipping import ShipmentResult


@dataclass(frozen=True)
class ReceiveTransfer:
    transfer_order_id: int
    # None receives the oldest shipment still in transit.
    shipment_no: int | None = None
    # What arrived per part; parts not listed arrived as shipped. Fewer is a discrepancy.
    items: Sequence[PartQuantity] | None = None
    to_location_code: str | None = None
    note: str | None = None
    idempotency_key: str | None = None


def _arrived(value: Decimal, precision: int, where: list[str]) -> Decimal:
    """Received quantities may be zero (nothing arrived) but are otherwise quantities."""
    number = parse_decimal(value, "quantity")
    if number == ZERO:
        return ZERO
    try:
        return validate_quantity(number, precision)
    except DomainError as error:
        raise DomainError(error.code, error.message, [*where, "quantity"]) from None


async def receive_transfer(session: AsyncSession, principal: Principal, cmd: ReceiveTransfer) -> ShipmentResult:
    """Post V-TRANSIT → destination for what arrived of one shipment; the rest is a discrepancy.

    Received at the cost it was shipped at, so the transit account nets to zero for what arrived.
    A shipment is received once: a second receipt is refused (a retry with the same key replays)."""
    check_key(cmd.idempotency_key)
    order, _, _, destination = await load_order(session, principal, cmd.transfer_order_id, lock=True)
    policy.ensure_can_receive(principal, destination.path)
    shipments = list(
        (
            await session.execute(
                select(TransferShipment)
                .where(TransferShipment.transfer_order_id == order.id)
                .order_by(TransferShipment.shipment_no)
            )
        ).scalars()
    )
    if cmd.idempotency_key:
        for earlier in shipments:
            if earlier.receive_key == cmd.idempotency_key:
                replay = await posted_moves(session, earlier.receive_posting_id)
                return ShipmentResult(order, earlier, replay, replayed=True)
    if cmd.shipment_no is not None:
        shipment = next((s for s in shipments if s.shipment_no == cmd.shipment_no), None)
        if shipment is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"{order.number} has no shipment {cmd.shipment_no}", ["shipmentNo"])
    else:
        shipment = next((s for s in shipments if s.status == ShipmentStatus.IN_TRANSIT), None)
        if shipment is None:
            raise DomainError(
                ErrorCode.INVALID_STATE, f"nothing of {order.number} is in transit; it was already received"
            )
    if shipment.status == ShipmentStatus.RECEIVED:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"shipment {shipment.shipment_no} of {order.number} was already received"
        )
    target = destination
    if cmd.to_location_code:
        code = cmd.to_location_code.strip().upper()
        found = (await session.execute(select(Location).where(Location.code == code))).scalar_one_or_none()
        if found is None:
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", ["toLocationCode"])
        target = found
        if target.kind == LocationKind.VIRTUAL or target.kind not in STOCK_HOLDING_KINDS:
            raise DomainError(ErrorCode.INVALID_LOCATION, f"{target.code} cannot hold stock", ["toLocationCode"])
        if target.site_id != destination.id:
            raise DomainError(
                ErrorCode.INVALID_LOCATION, f"{target.code} is not part of {destination.code}", ["toLocationCode"]
            )
    if cmd.note is not None and len(cmd.note) > 1000:
        raise DomainError(ErrorCode.INVALID_INPUT, "note is limited to 1000 characters", ["note"])

    shipment_lines = list(
        (
            await session.execute(
                select(TransferShipmentLine)
                .where(TransferShipmentLine.shipment_id == shipment.id)
                .order_by(TransferShipmentLine.id)
            )
        ).scalars()
    )
    parts = {
        p.id: p
        for p in (await session.execute(select(Part).where(Part.id.in_([x.part_id for x in shipment_lines])))).scalars()
    }
    arrived = {part_id: sum((x.quantity for x in shipment_lines if x.part_id == part_id), ZERO) for part_id in parts}
    if cmd.items is not None:
        by_code = {p.code: p for p in parts.values()}
        errors: list[DomainError] = []
        for n, item in enumerate(cmd.items):
            where = ["items", str(n)]
            part = by_code.get(item.part_code.strip().upper())
            if part is None:
                errors.append(DomainError(ErrorCode.INVALID_INPUT, f"{item.part_code} is not in this shipment", where))
                continue
            try:
                quantity = _arrived(item.quantity, part.uom_precision, where)
            except DomainError as error:
                errors.append(error)
                continue
            if quantity > arrived[part.id]:
                errors.append(
                    DomainError(
                        ErrorCode.INVALID_QUANTITY,
                        f"only {arrived[part.id].normalize():f} of {part.code} were shipped; "
                        "count a surplus in as a stock adjustment",
                        [*where, "quantity"],
                    )
                )
                continue
            arrived[part.id] = quantity
        if errors:
            raise DomainErrors(errors)

    transit = await virtual_location_id(session, VirtualKind.TRANSIT)
    lines = {line.id: line for line in await order_lines(session, order.id)}
    move_lines = []
    for shipped in shipment_lines:
        take = min(arrived[shipped.part_id], shipped.quantity)
        arrived[shipped.part_id] -= take
        shipped.received = take
        shipped.discrepancy = shipped.quantity - take
        lines[shipped.line_id].received += take
        lines[shipped.line_id].discrepancy += shipped.discrepancy
        if take > ZERO:
            move_lines.append(
                ledger.MoveLine(
                    part_id=shipped.part_id,
                    from_location_id=transit,
                    to_location_id=target.id,
                    quantity=take,
                    lot_no=shipped.lot_no,
                    unit_cost=shipped.unit_cost,
                )
            )
    moves: list[PostedMove] = []
    if move_lines:
        posted = await ledger.post(
            session,
            principal,
            ledger.Posting(
                doc_type=RECEIVE_DOC,
                doc_ref=order.number,
                lines=move_lines,
                reason=f"transfer {order.number} shipment {shipment.shipment_no} received",
                idempotency_key=f"{RECEIVE_DOC}:{order.number}:{cmd.idempotency_key}" if cmd.idempotency_key else None,
            ),
        )
        shipment.receive_posting_id = posted.posting_id
        moves = posted.moves
    shipment.status = ShipmentStatus.RECEIVED.value
    shipment.receive_key = cmd.idempotency_key
    shipment.received_by = principal.actor
    shipment.received_at = datetime.now(UTC)
    shipment.receive_note = cmd.note
    await session.flush()
    await refresh_status(session, order, list(lines.values()))
    return ShipmentResult(order, shipment, moves, replayed=False)
