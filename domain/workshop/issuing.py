"""Issue to the workshop and return of unused parts.

Issue posts picked stock bin → V-WORKSHOP with `consume_reserved`, so the ledger costs it (moving
average or FIFO lot cost) and lowers the reservation in the same transaction. A return posts
V-WORKSHOP → store at the cost it was issued at, so the job is credited exactly what it was charged,
by default into the bin and lot it came from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, LocationKind, VirtualKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock import ledger, reservations
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import virtual_location_id
from domain.workshop import policy
from domain.workshop.common import (
    ISSUE_DOC,
    RESERVATION_DOC,
    RETURN_DOC,
    ZERO,
    LineView,
    check_key,
    ensure_active,
    line_ref,
    line_views,
    load_work_order,
    location_by_code,
    part_by_scan,
    posted_moves,
)
from domain.workshop.models import WorkOrder, WorkOrderLine, WorkOrderPick, WorkOrderStatus
from domain.workshop.service import PartQuantity


@dataclass(frozen=True)
class IssueParts:
    work_order_id: int
    # None issues everything picked; otherwise these quantities per part.
    items: Sequence[PartQuantity] | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class StockResult:
    work_order: WorkOrder
    moves: list[PostedMove]
    replayed: bool


async def _wanted(
    session: AsyncSession, order: WorkOrder, lines: Sequence[LineView], items: Sequence[PartQuantity] | None
) -> dict[int, Decimal]:
    """Quantity to issue per line id, validated against what is reserved and picked."""
    if items is None:
        wanted = {line.id: line.picked_open for line in lines if line.picked_open > ZERO}
        if not wanted:
            raise DomainError(ErrorCode.INVALID_STATE, f"nothing is picked for {order.number}; scan the picks first")
        return wanted
    by_part = {line.part_id: line for line in lines}
    parts = {
        p.code: p
        for p in (
            await session.execute(select(Part).where(Part.code.in_([i.part_code.strip().upper() for i in items])))
        ).scalars()
    }
    wanted = {}
    errors: list[DomainError] = []
    for n, item in enumerate(items):
        where = ["items", str(n)]
        part = parts.get(item.part_code.strip().upper())
        line = by_part.get(part.id) if part else None
        if part is None or line is None:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, f"{item.part_code} is not on {order.number}", [*where, "partCode"])
            )
            continue
        try:
            quantity = validate_quantity(item.quantity, part.uom_precision)
        except DomainError as error:
            errors.append(DomainError(error.code, error.message, [*where, "quantity"]))
            continue
        total = wanted.get(line.id, ZERO) + quantity
        if total > line.reserved:
            errors.append(
                DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"only {line.reserved.normalize():f} of {part.code} reserved for {order.number}, "
                    f"{total.normalize():f} requested",
                    [*where, "quantity"],
                )
            )
        elif total > line.picked_open:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_STATE,
                    f"only {line.picked_open.normalize():f} of {part.code} picked; scan the picks first",
                    [*where, "quantity"],
                )
            )
        wanted[line.id] = total
    if errors:
        raise DomainErrors(errors)
    return wanted


async def issue_work_order_parts(session: AsyncSession, principal: Principal, cmd: IssueParts) -> StockResult:
    """Post picked stock bin → V-WORKSHOP, consuming the reservation; nothing moves on any error."""
    check_key(cmd.idempotency_key)
    order, store = await load_work_order(session, principal, cmd.work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    ledger_key = f"{ISSUE_DOC}:{order.number}:{cmd.idempotency_key}" if cmd.idempotency_key else None
    if ledger_key and (earlier := await posted_moves(session, ledger_key)) is not None:
        return StockResult(order, earlier, replayed=True)
    ensure_active(order)
    lines = (await line_views(session, [order.id])).get(order.id, [])
    wanted = await _wanted(session, order, lines, cmd.items)
    by_id = {line.id: line for line in lines}
    picks = (
        (
            await session.execute(
                select(WorkOrderPick)
                .where(WorkOrderPick.work_order_id == order.id, WorkOrderPick.quantity > WorkOrderPick.issued)
                .order_by(WorkOrderPick.id)
            )
        )
        .scalars()
        .all()
    )
    per_key: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)  # (line, location, lot)
    for pick in picks:
        remaining = wanted.get(pick.line_id, ZERO)
        if remaining <= ZERO:
            continue
        take = min(remaining, pick.quantity - pick.issued)
        pick.issued += take
        wanted[pick.line_id] = remaining - take
        per_key[(pick.line_id, pick.location_id, pick.lot_no)] += take
    workshop = await virtual_location_id(session, VirtualKind.WORKSHOP)
    move_lines = []
    issued: dict[int, Decimal] = defaultdict(Decimal)
    for (line_id, location_id, lot_no), quantity in sorted(per_key.items()):
        line = by_id[line_id]
        consumed = await reservations.consume(
            session,
            doc_type=RESERVATION_DOC,
            doc_ref=line_ref(order.number, line.line_no),
            part_id=line.part_id,
            location_id=location_id,
            lot_no=lot_no,
            quantity=quantity,
        )
        if consumed != quantity:  # picks never exceed reservations; a mismatch is a concurrent change
            raise DomainError(ErrorCode.CONFLICT, "the reservation changed while issuing; try again")
        move_lines.append(
            ledger.MoveLine(
                part_id=line.part_id,
                from_location_id=location_id,
                to_location_id=workshop,
                quantity=quantity,
                lot_no=lot_no,
                consume_reserved=quantity,
            )
        )
        issued[line_id] += quantity
    result = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=ISSUE_DOC,
            doc_ref=order.number,
            lines=move_lines,
            reason=f"issued to work order {order.number}",
            idempotency_key=ledger_key,
        ),
    )
    for row in (await session.execute(select(WorkOrderLine).where(WorkOrderLine.id.in_(list(issued))))).scalars():
        row.issued += issued[row.id]
    order.status = WorkOrderStatus.IN_PROGRESS.value
    await session.flush()
    return StockResult(order, result.moves, replayed=False)


@dataclass(frozen=True)
class ReturnParts:
    work_order_id: int
    part_code: str
    quantity: Decimal
    to_location_code: str | None = None
    idempotency_key: str | None = None


_ISSUED_LOTS = text(
    """
    SELECT lot_no, doc_type, from_location_id, quantity, unit_cost, id FROM stock_move
     WHERE part_id = :p AND doc_ref = :ref AND doc_type IN ('workshop_issue', 'workshop_return')
     ORDER BY id
    """
)


@dataclass
class _IssuedLot:
    lot_no: str
    location_id: int
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    returned: Decimal = ZERO
    last_move: int = 0


async def _issued_lots(session: AsyncSession, part_id: int, number: str) -> list[_IssuedLot]:
    """What is out at the workshop per lot, newest issue first, with the cost it left at."""
    lots: dict[str, _IssuedLot] = {}
    for row in await session.execute(_ISSUED_LOTS, {"p": part_id, "ref": number}):
        if row.doc_type == ISSUE_DOC:
            lot = lots.setdefault(row.lot_no, _IssuedLot(row.lot_no, row.from_location_id))
            lot.quantity += row.quantity
            lot.value += row.quantity * row.unit_cost
            lot.location_id, lot.last_move = row.from_location_id, row.id
        elif row.lot_no in lots:
            lots[row.lot_no].returned += row.quantity
    return sorted((lot for lot in lots.values() if lot.quantity > lot.returned), key=lambda x: -x.last_move)


async def return_work_order_parts(session: AsyncSession, principal: Principal, cmd: ReturnParts) -> StockResult:
    """Post unused parts V-WORKSHOP → store (by default the bin and lot they came from)."""
    check_key(cmd.idempotency_key)
    order, store = await load_work_order(session, principal, cmd.work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    ledger_key = f"{RETURN_DOC}:{order.number}:{cmd.idempotency_key}" if cmd.idempotency_key else None
    if ledger_key and (earlier := await posted_moves(session, ledger_key)) is not None:
        return StockResult(order, earlier, replayed=True)
    if order.status == WorkOrderStatus.CANCELLED:
        raise DomainError(ErrorCode.INVALID_STATE, f"work order {order.number} is cancelled")
    part = await part_by_scan(session, cmd.part_code)
    line = (
        await session.execute(
            select(WorkOrderLine)
            .where(WorkOrderLine.work_order_id == order.id, WorkOrderLine.part_id == part.id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if line is None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{part.code} is not on work order {order.number}", ["partCode"])
    quantity = validate_quantity(cmd.quantity, part.uom_precision)
    out = line.issued - line.returned
    if quantity > out:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"only {out.normalize():f} of {part.code} are out at the workshop for {order.number}",
            ["quantity"],
        )
    target_id: int | None = None
    if cmd.to_location_code:
        target = await location_by_code(session, cmd.to_location_code, "toLocationCode")
        if target.kind == LocationKind.VIRTUAL or target.kind not in STOCK_HOLDING_KINDS:
            raise DomainError(ErrorCode.INVALID_LOCATION, f"{target.code} cannot hold stock", ["toLocationCode"])
        if target.site_id != order.store_id:
            raise DomainError(
                ErrorCode.INVALID_LOCATION, f"{target.code} is not part of {store.code}", ["toLocationCode"]
            )
        target_id = target.id
    workshop = await virtual_location_id(session, VirtualKind.WORKSHOP)
    move_lines = []
    remaining = quantity
    for lot in await _issued_lots(session, part.id, order.number):
        if remaining <= ZERO:
            break
        take = min(remaining, lot.quantity - lot.returned)
        move_lines.append(
            ledger.MoveLine(
                part_id=part.id,
                from_location_id=workshop,
                to_location_id=target_id or lot.location_id,
                quantity=take,
                lot_no=lot.lot_no,
                unit_cost=(lot.value / lot.quantity).quantize(Decimal("0.000001")),
            )
        )
        remaining -= take
    if remaining > ZERO:  # the line's figures and the ledger disagree: refuse rather than guess
        raise DomainError(ErrorCode.CONFLICT, f"the ledger shows less of {part.code} out at the workshop")
    result = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=RETURN_DOC,
            doc_ref=order.number,
            lines=move_lines,
            reason=f"unused parts returned from work order {order.number}",
            idempotency_key=ledger_key,
        ),
    )
    line.returned += quantity
    await session.flush()
    return StockResult(order, result.moves, replayed=False)
