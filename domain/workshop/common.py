"""What every workshop use case shares: loading and locking an order, its lines with what is
reserved for them, part resolution, and the ledger replay of an idempotent issue or return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal
from domain.stock.ledger import PostedMove
from domain.workshop import policy
from domain.workshop.models import WorkOrder, WorkOrderStatus

ZERO = Decimal(0)
RESERVATION_DOC = "work_order"
ISSUE_DOC = "workshop_issue"
RETURN_DOC = "workshop_return"
ACTIVE = (WorkOrderStatus.OPEN.value, WorkOrderStatus.IN_PROGRESS.value)


def line_ref(number: str, line_no: int) -> str:
    """Reservation doc_ref of one line, so a line's reservations can be released on their own."""
    return f"{number}/{line_no}"


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    work_order_id: int
    line_no: int
    part_id: int
    quantity: Decimal
    picked: Decimal
    issued: Decimal
    returned: Decimal
    reserved: Decimal  # open reservations (not yet issued)

    @property
    def outstanding(self) -> Decimal:
        """Still neither issued nor reserved: what the kit check looks for."""
        return max(ZERO, self.quantity - self.issued - self.reserved)

    @property
    def picked_open(self) -> Decimal:
        """Picked and waiting to be issued."""
        return self.picked - self.issued


_LINES = text(
    """
    SELECT l.id, l.work_order_id, l.line_no, l.part_id, l.quantity, l.picked, l.issued, l.returned,
           coalesce((SELECT sum(r.quantity - r.consumed) FROM reservation r
                      WHERE r.doc_type = 'work_order' AND r.doc_ref = w.number || '/' || l.line_no
                        AND r.status = 'active'), 0) AS reserved
      FROM work_order_line l JOIN work_order w ON w.id = l.work_order_id
     WHERE l.work_order_id = ANY(:ids)
     ORDER BY l.work_order_id, l.line_no
    """
)


async def line_views(session: AsyncSession, work_order_ids: Sequence[int]) -> dict[int, list[LineView]]:
    rows = await session.execute(_LINES, {"ids": list(work_order_ids)})
    result: dict[int, list[LineView]] = {}
    for row in rows:
        result.setdefault(row.work_order_id, []).append(LineView(**row._mapping))
    return result


async def load_work_order(
    session: AsyncSession, principal: Principal, work_order_id: int, *, lock: bool = False
) -> tuple[WorkOrder, Location]:
    """The order and its store, or NOT_FOUND when it does not exist or is outside your scope.

    `lock` takes the row lock that serialises every change to one order (picks, issues, returns),
    which is what makes the idempotency checks after it race-free."""
    stmt = select(WorkOrder).where(WorkOrder.id == work_order_id)
    if lock:
        stmt = stmt.with_for_update()
    order = (await session.execute(stmt)).scalar_one_or_none()
    store = await session.get(Location, order.store_id) if order else None
    if order is None or store is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such work order", ["workOrderId"])
    policy.ensure_can_read(principal, store.path, order.number)
    return order, store


def ensure_active(order: WorkOrder) -> None:
    if order.status not in ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, f"work order {order.number} is {order.status}")


async def parts_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Part]:
    wanted = sorted({code.strip().upper() for code in codes})
    rows = await session.execute(select(Part).where(Part.code.in_(wanted)))
    return {part.code: part for part in rows.scalars()}


async def part_by_scan(session: AsyncSession, scanned: str) -> Part:
    """A part by what a scanner read: its code or its barcode."""
    value = scanned.strip()
    found = (
        await session.execute(select(Part).where((Part.code == value.upper()) | (Part.barcode == value)).limit(1))
    ).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with code or barcode {value!r}", ["partCode"])
    return found


async def location_by_code(session: AsyncSession, code: str, field: str) -> Location:
    found = (await session.execute(select(Location).where(Location.code == code.strip().upper()))).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code.strip().upper()}", [field])
    return found


def check_key(key: str | None) -> None:
    if key is not None and not (1 <= len(key) <= 120):
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-120 characters", ["idempotencyKey"])


_POSTED = text(
    """
    SELECT m.id, m.posting_id, m.part_id, m.lot_no, m.quantity, m.from_location_id, m.to_location_id, m.unit_cost,
           m.doc_type, m.doc_ref, m.reason, m.actor, m.created_at
      FROM stock_posting p JOIN stock_move m ON m.posting_id = p.id
     WHERE p.idempotency_key = :key
     ORDER BY m.id
    """
)


async def posted_moves(session: AsyncSession, ledger_key: str) -> list[PostedMove] | None:
    """The moves an earlier posting with this key made, or None: a retried scan replays them."""
    rows = (await session.execute(_POSTED, {"key": ledger_key})).all()
    return [PostedMove(**row._mapping) for row in rows] or None
