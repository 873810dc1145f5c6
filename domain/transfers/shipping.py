"""Shipping a transfer: source bins → V-TRANSIT, in one or several shipments.

Each line takes its own reservations first, then free stock at the source, both FEFO/FIFO (a bin or
lot can be named when the picker scanned one). The ledger values what leaves at the moving average
or FIFO lot cost; the shipment keeps that cost so the receipt books the same value back in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import Location, VirtualKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock import ledger, reservations
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import site_lots, virtual_location_id
from domain.transfers import policy
from domain.transfers.models import ShipmentStatus, TransferLine, TransferOrder, TransferShipment, TransferShipmentLine
from domain.transfers.service import (
    RESERVATION_DOC,
    SHIP_DOC,
    SHIPPABLE,
    ZERO,
    check_key,
    line_ref,
    load_order,
    order_lines,
    posted_moves,
    refresh_status,
    release_reservations,
    require_status,
)


@dataclass(frozen=True)
class ShipItem:
    part_code: str
    quantity: Decimal
    from_location_code: str | None = None
    lot_no: str | None = None


@dataclass(frozen=True)
class ShipTransfer:
    transfer_order_id: int
    # None ships everything still open; otherwise these quantities (a partial shipment).
    items: Sequence[ShipItem] | None = None
    # The source will send no more: the unshipped rest is released and the order completes.
    final: bool = False
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ShipmentResult:
    transfer: TransferOrder
    shipment: TransferShipment
    moves: list[PostedMove]
    replayed: bool


@dataclass(frozen=True, slots=True)
class _Chunk:
    location_id: int
    lot_no: str
    quantity: Decimal
    reserved: Decimal


_RESERVED_LOTS = text(
    """
    SELECT r.location_id, loc.code AS location_code, r.lot_no, sum(r.quantity - r.consumed) AS open,
           lot.received_on, lot.expiry_date
      FROM reservation r JOIN location loc ON loc.id = r.location_id
      LEFT JOIN lot ON lot.part_id = r.part_id AND lot.lot_no = r.lot_no
     WHERE r.doc_type = 'transfer' AND r.doc_ref = :ref AND r.status = 'active'
     GROUP BY r.location_id, loc.code, r.lot_no, lot.received_on, lot.expiry_date
    """
)


async def _allocate(
    session: AsyncSession,
    order: TransferOrder,
    line: TransferLine,
    quantity: Decimal,
    location_id: int | None,
    lot_no: str | None,
) -> tuple[list[_Chunk], Decimal]:
    """Where to take a line's shipment from: its own reservations first, then free stock at the
    source, each FEFO/FIFO; returns the chunks and what could not be found."""

    def fits(loc: int, lot: str) -> bool:
        return (location_id is None or loc == location_id) and (lot_no is None or lot == lot_no)

    def order_key(row: object) -> tuple[date, date, str, str]:
        return (
            getattr(row, "expiry_date", None) or date.max,
            getattr(row, "received_on", None) or date.min,
            str(getattr(row, "location_code", "")),
            str(getattr(row, "lot_no", "")),
        )

    chunks: dict[tuple[int, str], list[Decimal]] = {}
    remaining = quantity
    reserved = (await session.execute(_RESERVED_LOTS, {"ref": line_ref(order.number, line.line_no)})).all()
    for row in sorted(reserved, key=order_key):
        if remaining > ZERO and fits(row.location_id, row.lot_no):
            take = min(remaining, row.open)
            chunks.setdefault((row.location_id, row.lot_no), [ZERO, ZERO])
            chunks[(row.location_id, row.lot_no)][0] += take
            chunks[(row.location_id, row.lot_no)][1] += take
            remaining -= take
    for lot in await site_lots(session, line.part_id, order.from_site_id):
        if remaining > ZERO and fits(lot.location_id, lot.lot_no):
            take = min(remaining, lot.available)
            chunks.setdefault((lot.location_id, lot.lot_no), [ZERO, ZERO])
            chunks[(lot.location_id, lot.lot_no)][0] += take
            remaining -= take
    return [_Chunk(loc, lot, q, r) for (loc, lot), (q, r) in chunks.items()], remaining


async def ship_transfer(session: AsyncSession, principal: Principal, cmd: ShipTransfer) -> ShipmentResult:
    """Post source bins → V-TRANSIT for one shipment, consuming the order's reservations first."""
    check_key(cmd.idempotency_key)
    order, _, source, _ = await load_order(session, principal, cmd.transfer_order_id, lock=True)
    policy.ensure_can_ship(principal, source.path)
    if cmd.idempotency_key:
        earlier = (
            await session.execute(
                select(TransferShipment).where(
                    TransferShipment.transfer_order_id == order.id, TransferShipment.ship_key == cmd.idempotency_key
                )
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return ShipmentResult(order, earlier, await posted_moves(session, earlier.ship_posting_id), True)
    require_status(order, *SHIPPABLE)
    lines = await order_lines(session, order.id)
    wanted = await _wanted(session, lines, cmd.items, source)

    errors: list[DomainError] = []
    plan: list[tuple[TransferLine, list[_Chunk]]] = []
    parts = {
        p.id: p for p in (await session.execute(select(Part).where(Part.id.in_([x.part_id for x in lines])))).scalars()
    }
    for line, quantity, location_id, lot_no in wanted:
        chunks, missing = await _allocate(session, order, line, quantity, location_id, lot_no)
        if missing > ZERO:
            errors.append(
                DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"{parts[line.part_id].code}: only {(quantity - missing).normalize():f} available to ship "
                    f"at {source.code}, {quantity.normalize():f} requested",
                    ["items", str(line.line_no)],
                )
            )
        plan.append((line, chunks))
    if errors:
        raise DomainErrors(errors)

    transit = await virtual_location_id(session, VirtualKind.TRANSIT)
    move_lines: list[ledger.MoveLine] = []
    owners: list[TransferLine] = []
    for line, chunks in plan:
        for chunk in sorted(chunks, key=lambda c: (c.location_id, c.lot_no)):
            if chunk.reserved:
                consumed = await reservations.consume(
                    session,
                    doc_type=RESERVATION_DOC,
                    doc_ref=line_ref(order.number, line.line_no),
                    part_id=line.part_id,
                    location_id=chunk.location_id,
                    lot_no=chunk.lot_no,
                    quantity=chunk.reserved,
                )
                if consumed != chunk.reserved:
                    raise DomainError(ErrorCode.CONFLICT, "the reservation changed while shipping; try again")
            move_lines.append(
                ledger.MoveLine(
                    part_id=line.part_id,
                    from_location_id=chunk.location_id,
                    to_location_id=transit,
                    quantity=chunk.quantity,
                    lot_no=chunk.lot_no,
                    consume_reserved=chunk.reserved,
                )
            )
            owners.append(line)
    posted = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=SHIP_DOC,
            doc_ref=order.number,
            lines=move_lines,
            reason=f"transfer {order.number} shipped",
            idempotency_key=f"{SHIP_DOC}:{order.number}:{cmd.idempotency_key}" if cmd.idempotency_key else None,
        ),
    )
    shipment_no = (
        await session.execute(
            select(func.coalesce(func.max(TransferShipment.shipment_no), 0)).where(
                TransferShipment.transfer_order_id == order.id
            )
        )
    ).scalar_one() + 1
    shipment = TransferShipment(
        transfer_order_id=order.id,
        shipment_no=shipment_no,
        status=ShipmentStatus.IN_TRANSIT.value,
        ship_key=cmd.idempotency_key,
        ship_posting_id=posted.posting_id,
        shipped_by=principal.actor,
    )
    session.add(shipment)
    await session.flush()
    for line, move in zip(owners, posted.moves, strict=True):
        line.shipped += move.quantity
        session.add(
            TransferShipmentLine(
                shipment_id=shipment.id,
                line_id=line.id,
                part_id=move.part_id,
                from_location_id=move.from_location_id,
                lot_no=move.lot_no,
                quantity=move.quantity,
                unit_cost=move.unit_cost,
            )
        )
    if cmd.final or all(line.shipped >= line.quantity for line in lines):
        order.shipping_closed = True
        await release_reservations(session, order)
    await session.flush()
    await refresh_status(session, order, lines)
    return ShipmentResult(order, shipment, posted.moves, replayed=False)


async def _wanted(
    session: AsyncSession, lines: Sequence[TransferLine], items: Sequence[ShipItem] | None, source: Location
) -> list[tuple[TransferLine, Decimal, int | None, str | None]]:
    """(line, quantity, bin, lot) to ship, checked against what each line still has open."""
    if items is None:
        open_lines: list[tuple[TransferLine, Decimal, int | None, str | None]] = [
            (line, line.quantity - line.shipped, None, None) for line in lines if line.shipped < line.quantity
        ]
        if not open_lines:
            raise DomainError(ErrorCode.INVALID_STATE, "everything on this transfer has shipped")
        return open_lines
    by_part = {line.part_id: line for line in lines}
    codes = sorted({item.part_code.strip().upper() for item in items})
    parts = {p.code: p for p in (await session.execute(select(Part).where(Part.code.in_(codes)))).scalars()}
    result: list[tuple[TransferLine, Decimal, int | None, str | None]] = []
    errors: list[DomainError] = []
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for n, item in enumerate(items):
        where = ["items", str(n)]
        part = parts.get(item.part_code.strip().upper())
        line = by_part.get(part.id) if part is not None else None
        if part is None or line is None:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, f"{item.part_code} is not on this transfer", where))
            continue
        try:
            quantity = validate_quantity(item.quantity, part.uom_precision)
        except DomainError as error:
            errors.append(DomainError(error.code, error.message, [*where, "quantity"]))
            continue
        totals[line.id] += quantity
        if totals[line.id] > line.quantity - line.shipped:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_QUANTITY,
                    f"only {(line.quantity - line.shipped).normalize():f} of {part.code} are left to ship",
                    [*where, "quantity"],
                )
            )
            continue
        location_id = None
        if item.from_location_code:
            location = (
                await session.execute(select(Location).where(Location.code == item.from_location_code.strip().upper()))
            ).scalar_one_or_none()
            if location is None or location.site_id != source.id:
                errors.append(
                    DomainError(
                        ErrorCode.INVALID_LOCATION,
                        f"{item.from_location_code} is not a bin of {source.code}",
                        [*where, "fromLocationCode"],
                    )
                )
                continue
            location_id = location.id
        result.append((line, quantity, location_id, item.lot_no.strip() if item.lot_no is not None else None))
    if errors:
        raise DomainErrors(errors)
    return result
