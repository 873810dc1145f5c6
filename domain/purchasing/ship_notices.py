"""Ship notices (ASN) and delivery notes: what a supplier says is on its way, line by line against
order lines, with lots, expiry dates, carrier and tracking. From the portal, a partner API or keyed
in at the dock — one service, so all three are checked alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind
from domain.purchasing.common import clean_text, locked, next_id, today, visible_orders_clause
from domain.purchasing.models import (
    RECEIVABLE,
    PurchaseOrder,
    PurchaseOrderLine,
    ShipNotice,
    ShipNoticeLine,
)
from domain.purchasing.policy import (
    PurchasingSettings,
    ensure_reader,
    ensure_ship_notice_author,
    get_purchasing_settings,
)
from domain.quantities import validate_money, validate_quantity

MAX_LINES = 500


@dataclass(frozen=True)
class ShipNoticeLineInput:
    purchase_order_number: str
    line_no: int
    quantity: Decimal
    lot_no: str = ""
    expiry_date: date | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class ShipNoticeInput:
    number: str  # the supplier's ASN / delivery-note number
    lines: Sequence[ShipNoticeLineInput]
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_on: date | None = None
    expected_arrival: date | None = None


@dataclass(frozen=True)
class ShipNoticeView:
    notice: ShipNotice
    lines: list[ShipNoticeLine]


def _source(principal: Principal) -> str:
    if principal.kind is PrincipalKind.SUPPLIER_USER:
        return "portal"
    if principal.kind is PrincipalKind.CLIENT:
        return "api"
    return "manual"


async def create_ship_notice(
    session: AsyncSession, principal: Principal, cmd: ShipNoticeInput, settings: PurchasingSettings | None = None
) -> ShipNoticeView:
    """Record a notice. Shipping more than an order line allows (its tolerance included) is
    refused with QUANTITY_OUT_OF_TOLERANCE; nothing is stored then."""
    settings = settings or get_purchasing_settings()
    number = (cmd.number or "").strip().upper()
    if not number or len(number) > 64:
        raise DomainError(ErrorCode.INVALID_INPUT, "a notice number of 1 to 64 characters is required", ["number"])
    if not cmd.lines or len(cmd.lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"a notice needs 1 to {MAX_LINES} lines", ["lines"])
    if cmd.shipped_on and cmd.expected_arrival and cmd.expected_arrival < cmd.shipped_on:
        raise DomainError(ErrorCode.INVALID_INPUT, "expected arrival is before the ship date", ["expectedArrival"])
    po_numbers = {line.purchase_order_number.strip().upper() for line in cmd.lines}
    found = {
        o.number: o
        for o in (await session.execute(select(PurchaseOrder).where(PurchaseOrder.number.in_(po_numbers)))).scalars()
    }
    for n, line in enumerate(cmd.lines):
        if line.purchase_order_number.strip().upper() not in found:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                f"no purchase order {line.purchase_order_number}",
                ["lines", str(n), "purchaseOrderNumber"],
            )
    suppliers = {o.supplier_id for o in found.values()}
    if len(suppliers) != 1:
        raise DomainError(ErrorCode.INVALID_INPUT, "a notice covers orders of one supplier", ["lines"])
    supplier_id = suppliers.pop()
    ensure_ship_notice_author(principal, supplier_id)
    # Lock orders, then their lines (the purchasing lock order), before counting what is shipped.
    orders = await locked(session, PurchaseOrder, [o.id for o in found.values()])
    line_ids = (
        await session.execute(select(PurchaseOrderLine.id).where(PurchaseOrderLine.purchase_order_id.in_(list(orders))))
    ).scalars()
    po_lines = await locked(session, PurchaseOrderLine, list(line_ids))
    by_key = {(orders[ln.purchase_order_id].number, ln.line_no): ln for ln in po_lines.values()}
    parts = {
        p.id: p
        for p in (
            await session.execute(select(Part).where(Part.id.in_({ln.part_id for ln in po_lines.values()})))
        ).scalars()
    }
    paths = dict(
        (
            await session.execute(
                select(Location.id, Location.path).where(
                    Location.id.in_({ln.destination_location_id for ln in po_lines.values()})
                )
            )
        )
        .tuples()
        .all()
    )
    duplicate = await session.execute(
        select(ShipNotice.id).where(ShipNotice.supplier_id == supplier_id, ShipNotice.number == number)
    )
    if duplicate.first() is not None:
        raise DomainError(ErrorCode.DUPLICATE, f"ship notice {number} was already recorded", ["number"])

    pk = await next_id(session, "ship_notice")
    label = f"SN-{pk:06d}"
    notice = ShipNotice(
        id=pk,
        supplier_id=supplier_id,
        number=number,
        label=label,
        source=_source(principal),
        carrier=clean_text(cmd.carrier, "carrier", 120),
        tracking_number=clean_text(cmd.tracking_number, "trackingNumber", 120),
        shipped_on=cmd.shipped_on,
        expected_arrival=cmd.expected_arrival,
        status="open",
        created_by=principal.actor,
    )
    session.add(notice)
    rows = []
    for n, item in enumerate(cmd.lines, start=1):
        where = ["lines", str(n - 1)]
        po_number = item.purchase_order_number.strip().upper()
        po_line = by_key.get((po_number, item.line_no))
        if po_line is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"{po_number} has no line {item.line_no}", [*where, "lineNo"])
        order = orders[po_line.purchase_order_id]
        if order.status not in RECEIVABLE or po_line.closed:
            raise DomainError(
                ErrorCode.INVALID_STATE, f"{po_number} line {item.line_no} is not open for delivery", [*where, "lineNo"]
            )
        if principal.supplier_id is None and not principal.sees_path(paths[po_line.destination_location_id]):
            raise DomainError(ErrorCode.NOT_FOUND, f"no purchase order {po_number}", [*where, "purchaseOrderNumber"])
        qty = validate_quantity(item.quantity, parts[po_line.part_id].uom_precision, "quantity")
        ceiling = po_line.quantity * (1 + settings.over_receipt_tolerance)
        if po_line.shipped_qty + qty > ceiling:
            raise DomainError(
                ErrorCode.QUANTITY_OUT_OF_TOLERANCE,
                f"{po_number} line {item.line_no}: {format((po_line.shipped_qty + qty).normalize(), 'f')} shipped "
                f"in total exceeds the {format(ceiling.normalize(), 'f')} allowed",
                [*where, "quantity"],
            )
        lot_no = (item.lot_no or "").strip()
        if len(lot_no) > 64:
            raise DomainError(ErrorCode.INVALID_INPUT, "lot number is limited to 64 characters", [*where, "lotNo"])
        if item.expiry_date is not None and item.expiry_date < today():
            raise DomainError(ErrorCode.INVALID_INPUT, "the goods are already expired", [*where, "expiryDate"])
        price = None if item.unit_price is None else validate_money(item.unit_price, "unitPrice")
        po_line.shipped_qty += qty
        rows.append(
            ShipNoticeLine(
                ship_notice_id=pk,
                line_no=n,
                label=f"{label}-{n:02d}",
                po_line_id=po_line.id,
                quantity=qty,
                lot_no=lot_no,
                expiry_date=item.expiry_date,
                unit_price=price,
                received_qty=Decimal(0),
                short_closed=False,
            )
        )
    session.add_all(rows)
    await session.flush()
    return ShipNoticeView(notice, rows)


def _visible_ids(principal: Principal) -> Select[tuple[int]]:
    """Notices with a line on an order the principal may see."""
    return (
        select(ShipNoticeLine.ship_notice_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == ShipNoticeLine.po_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(visible_orders_clause(principal))
    )


async def get_ship_notice(session: AsyncSession, principal: Principal, notice_id: int) -> ShipNotice | None:
    ensure_reader(principal, principal.supplier_id)
    stmt = select(ShipNotice).where(ShipNotice.id == notice_id, ShipNotice.id.in_(_visible_ids(principal)))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_ship_notices(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[str] | None = None,
    purchase_order_number: str | None = None,
    first: int = 20,
    before_id: int | None = None,
) -> tuple[list[ShipNotice], bool]:
    """Notices touching orders the principal may see, newest first."""
    ensure_reader(principal, principal.supplier_id)
    visible = _visible_ids(principal)
    if purchase_order_number:
        visible = visible.where(PurchaseOrder.number == purchase_order_number.strip().upper())
    stmt = select(ShipNotice).where(ShipNotice.id.in_(visible))
    if statuses:
        stmt = stmt.where(ShipNotice.status.in_(list(statuses)))
    if before_id is not None:
        stmt = stmt.where(ShipNotice.id < before_id)
    rows = list((await session.execute(stmt.order_by(ShipNotice.id.desc()).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first
