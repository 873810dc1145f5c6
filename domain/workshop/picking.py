"""From shelf to car and back: reserve the kit, pick it (scan-confirmed), issue it to the workshop,
return what was not used.

Reservations are made per line over the store's bins FEFO/FIFO; the pick list is those
reservations in that order, with bin and lot. A pick must match a reservation (right part, bin and
lot, no more than reserved). Issue posts bin → V-WORKSHOP for picked stock with
`consume_reserved`, so the ledger costs it (moving average or FIFO lot cost) and lowers the
reservation in the same transaction. A return posts V-WORKSHOP → store at the cost it was issued
at, so the job is credited exactly what it was charged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock.site_stock import reserve_at_site, site_lots
from domain.workshop import policy
from domain.workshop.common import (
    RESERVATION_DOC,
    ZERO,
    LineView,
    check_key,
    ensure_active,
    line_ref,
    line_views,
    load_work_order,
    location_by_code,
    part_by_scan,
)
from domain.workshop.kit import KitCheck, kit_checks
from domain.workshop.models import WorkOrder, WorkOrderLine, WorkOrderPick


async def reserve_work_order(
    session: AsyncSession, principal: Principal, work_order_id: int, *, require_complete: bool = False
) -> KitCheck:
    """Reserve at the store what each line still needs, as far as stock allows; with
    `require_complete`, reserve nothing unless the whole kit can be reserved."""
    order, store = await load_work_order(session, principal, work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    ensure_active(order)
    lines = (await line_views(session, [order.id])).get(order.id, [])
    parts = {
        p.id: p for p in (await session.execute(select(Part).where(Part.id.in_([x.part_id for x in lines])))).scalars()
    }
    plan: list[tuple[LineView, Decimal]] = []
    shortages: list[DomainError] = []
    for line in sorted(lines, key=lambda x: x.part_id):  # the ledger's lock order
        if line.outstanding <= ZERO:
            continue
        available = sum((lot.available for lot in await site_lots(session, line.part_id, order.store_id)), ZERO)
        take = min(line.outstanding, available)
        if take < line.outstanding:
            shortages.append(
                DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"{parts[line.part_id].code}: {available.normalize():f} available at {store.code}, "
                    f"{line.outstanding.normalize():f} needed",
                    ["lines", str(line.line_no)],
                )
            )
        if take > ZERO:
            plan.append((line, take))
    if require_complete and shortages:
        raise DomainErrors(shortages)
    for line, take in plan:
        await reserve_at_site(
            session,
            principal,
            part_id=line.part_id,
            site_id=order.store_id,
            quantity=take,
            precision=parts[line.part_id].uom_precision,
            doc_type=RESERVATION_DOC,
            doc_ref=line_ref(order.number, line.line_no),
        )
    return (await kit_checks(session, [(order.id, order.store_id)]))[order.id]


@dataclass(frozen=True, slots=True)
class PickTask:
    """Reserved stock of one line in one bin and lot, and how much of it is already picked."""

    work_order_id: int
    line_id: int
    line_no: int
    part_id: int
    location_id: int
    location_code: str
    lot_no: str
    received_on: date | None
    expiry_date: date | None
    reserved: Decimal
    picked: Decimal

    @property
    def to_pick(self) -> Decimal:
        return max(ZERO, self.reserved - self.picked)


_TASKS = text(
    """
    SELECT w.id AS work_order_id, l.id AS line_id, l.line_no, l.part_id, r.location_id, loc.code AS location_code,
           r.lot_no,
           lot.received_on, lot.expiry_date, sum(r.quantity - r.consumed) AS reserved
      FROM work_order w
      JOIN work_order_line l ON l.work_order_id = w.id
      JOIN reservation r ON r.doc_type = 'work_order' AND r.doc_ref = w.number || '/' || l.line_no
                        AND r.status = 'active'
      JOIN location loc ON loc.id = r.location_id
      LEFT JOIN lot ON lot.part_id = r.part_id AND lot.lot_no = r.lot_no
     WHERE w.id = ANY(:wos)
     GROUP BY w.id, l.id, l.line_no, l.part_id, r.location_id, loc.code, r.lot_no, lot.received_on, lot.expiry_date
    """
)

_PICKED = text(
    """
    SELECT line_id, location_id, lot_no, sum(quantity - issued) AS open FROM work_order_pick
     WHERE work_order_id = ANY(:wos) GROUP BY 1, 2, 3 HAVING sum(quantity - issued) > 0
    """
)


async def pick_lists(session: AsyncSession, work_order_ids: Sequence[int]) -> dict[int, list[PickTask]]:
    """Pick lists of many (already authorised) orders in two statements."""
    wos = list(work_order_ids)
    picked = {
        (row.line_id, row.location_id, row.lot_no): row.open for row in await session.execute(_PICKED, {"wos": wos})
    }
    result: dict[int, list[PickTask]] = {wo: [] for wo in wos}
    for row in await session.execute(_TASKS, {"wos": wos}):
        task = PickTask(**row._mapping, picked=picked.get((row.line_id, row.location_id, row.lot_no), ZERO))
        result[task.work_order_id].append(task)
    for tasks in result.values():
        tasks.sort(
            key=lambda t: (t.line_no, t.expiry_date or date.max, t.received_on or date.min, t.location_code, t.lot_no)
        )
    return result


async def _tasks(session: AsyncSession, work_order_id: int) -> list[PickTask]:
    return (await pick_lists(session, [work_order_id]))[work_order_id]


async def pick_list(session: AsyncSession, principal: Principal, work_order_id: int) -> list[PickTask]:
    """What to fetch from which bin and lot, per line in FEFO/FIFO order (picked ones included)."""
    order, _ = await load_work_order(session, principal, work_order_id)
    return await _tasks(session, order.id)


@dataclass(frozen=True)
class ConfirmPick:
    work_order_id: int
    part: str  # code or barcode, as scanned
    location_code: str
    quantity: Decimal
    lot_no: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PickResult:
    work_order: WorkOrder
    picks: list[WorkOrderPick]
    replayed: bool


async def confirm_pick(session: AsyncSession, principal: Principal, cmd: ConfirmPick) -> PickResult:
    """Record a scanned pick of reserved stock; a retried scan (same key) is answered, not counted."""
    check_key(cmd.idempotency_key)
    order, store = await load_work_order(session, principal, cmd.work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    if cmd.idempotency_key:
        earlier = list(
            (
                await session.execute(
                    select(WorkOrderPick)
                    .where(
                        WorkOrderPick.work_order_id == order.id, WorkOrderPick.idempotency_key == cmd.idempotency_key
                    )
                    .order_by(WorkOrderPick.id)
                )
            ).scalars()
        )
        if earlier:
            if sum((p.quantity for p in earlier), ZERO) != cmd.quantity:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT, "this key was already used for another pick", ["idempotencyKey"]
                )
            return PickResult(order, earlier, replayed=True)
    ensure_active(order)
    part = await part_by_scan(session, cmd.part)
    line = (
        await session.execute(
            select(WorkOrderLine).where(WorkOrderLine.work_order_id == order.id, WorkOrderLine.part_id == part.id)
        )
    ).scalar_one_or_none()
    if line is None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{part.code} is not on work order {order.number}", ["partCode"])
    location = await location_by_code(session, cmd.location_code, "locationCode")
    lot = cmd.lot_no.strip() if cmd.lot_no is not None else None
    tasks = [t for t in await _tasks(session, order.id) if t.line_id == line.id and t.to_pick > ZERO]
    matching = [t for t in tasks if t.location_id == location.id and (lot is None or t.lot_no == lot)]
    if not matching:
        where = ", ".join(sorted({f"{t.location_code}{' lot ' + t.lot_no if t.lot_no else ''}" for t in tasks}))
        hint = f"; pick it from {where}" if where else "; nothing is left to pick for it"
        raise DomainError(
            ErrorCode.INVALID_LOCATION,
            f"{part.code} is not reserved at {location.code}{' lot ' + lot if lot else ''} for {order.number}{hint}",
            ["locationCode"],
        )
    quantity = validate_quantity(cmd.quantity, part.uom_precision)
    open_here = sum((t.to_pick for t in matching), ZERO)
    if quantity > open_here:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"only {open_here.normalize():f} of {part.code} are left to pick at {location.code}",
            ["quantity"],
        )
    picks = []
    remaining = quantity
    for task in matching:
        if remaining <= ZERO:
            break
        take = min(remaining, task.to_pick)
        picks.append(
            WorkOrderPick(
                work_order_id=order.id,
                line_id=line.id,
                location_id=location.id,
                lot_no=task.lot_no,
                quantity=take,
                issued=ZERO,
                idempotency_key=cmd.idempotency_key,
                actor=principal.actor,
            )
        )
        remaining -= take
    session.add_all(picks)
    line.picked += quantity
    await session.flush()
    return PickResult(order, picks, replayed=False)
