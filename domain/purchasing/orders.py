"""Purchase orders: create (by hand or from replenishment suggestions), submit, approve, send,
cancel, close, and read. Every transition locks the order row first, so two people racing on one
order get one outcome and the loser an INVALID_STATE error."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier, SupplierPart
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.org.models import STOCK_HOLDING_KINDS, Location
from domain.principal import Principal, Role
from domain.purchasing import matching
from domain.purchasing.common import (
    clean_text,
    lock_one,
    next_id,
    order_lines,
    today,
    visible_orders_clause,
)
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderApproval,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReceiptLine,
    ReceiptScan,
    ScanStatus,
)
from domain.purchasing.policy import (
    PurchasingSettings,
    ensure_buyer,
    ensure_reader,
    get_purchasing_settings,
    may_approve,
    required_approval_role,
)
from domain.quantities import validate_money, validate_quantity

MAX_LINES = 500
CENT = Decimal("0.01")
S = PurchaseOrderStatus


@dataclass(frozen=True)
class OrderLineInput:
    part_code: str
    quantity: Decimal
    destination_code: str
    unit_price: Decimal | None = None
    requested_date: date | None = None


@dataclass(frozen=True)
class SuggestionLine:
    """One replenishment suggestion as planning produces it; unset fields take catalog defaults
    (supplier: the part's primary supplier; price: the supplier-part price, else the part's
    purchase price; requested date: today + lead time)."""

    part_id: int
    quantity: Decimal
    destination_location_id: int
    supplier_id: int | None = None
    unit_price: Decimal | None = None
    requested_date: date | None = None


@dataclass(frozen=True)
class OrderView:
    order: PurchaseOrder
    lines: list[PurchaseOrderLine]


@dataclass(frozen=True)
class _Line:
    part: Part
    quantity: Decimal
    unit_price: Decimal
    requested_date: date
    destination: Location


def _now() -> datetime:
    return datetime.now(UTC)


def _destination(principal: Principal, loc: Location | None, code: str, where: list[str]) -> Location:
    if loc is None or not principal.sees_path(loc.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", [*where, "destinationCode"])
    if loc.kind not in STOCK_HOLDING_KINDS or loc.site_id is None or not loc.active:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{loc.code} cannot receive goods", [*where, "destinationCode"])
    return loc


def _resolve_line(
    n: int,
    part: Part,
    destination: Location,
    quantity: Decimal,
    unit_price: Decimal | None,
    requested: date | None,
    offer: SupplierPart | None,
) -> _Line:
    where = ["lines", str(n)]
    if not part.active:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"part {part.code} is inactive", [*where, "partCode"])
    qty = validate_quantity(quantity, part.uom_precision, "quantity")
    if unit_price is not None:
        price = validate_money(unit_price, "unitPrice")
    else:
        price = offer.unit_price if offer and offer.unit_price is not None else part.purchase_price
    if requested is None:
        lead = offer.lead_time_days if offer and offer.lead_time_days is not None else part.lead_time_days
        requested = today() + timedelta(days=lead)
    elif requested < today():
        raise DomainError(ErrorCode.INVALID_INPUT, "the requested date is in the past", [*where, "requestedDate"])
    return _Line(part=part, quantity=qty, unit_price=price, requested_date=requested, destination=destination)


async def _offers(session: AsyncSession, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], SupplierPart]:
    if not pairs:
        return {}
    supplier_ids = sorted({s for s, _ in pairs})
    part_ids = sorted({p for _, p in pairs})
    rows = await session.execute(
        select(SupplierPart).where(SupplierPart.supplier_id.in_(supplier_ids), SupplierPart.part_id.in_(part_ids))
    )
    return {(o.supplier_id, o.part_id): o for o in rows.scalars()}


async def _insert(
    session: AsyncSession,
    principal: Principal,
    supplier: Supplier,
    lines: Sequence[_Line],
    source: str,
    notes: str | None,
) -> OrderView:
    for n, line in enumerate(lines):
        owner = line.destination.owner_supplier_id
        if owner is not None and owner != supplier.id:  # goods would become another supplier's consignment
            raise DomainError(
                ErrorCode.INVALID_LOCATION,
                f"{line.destination.code} holds another supplier's consignment stock",
                ["lines", str(n), "destinationCode"],
            )
    pk = await next_id(session, "purchase_order")
    total = sum(((line.quantity * line.unit_price).quantize(CENT) for line in lines), Decimal(0))
    order = PurchaseOrder(
        id=pk,
        number=f"PO-{pk:06d}",
        supplier_id=supplier.id,
        status=S.DRAFT.value,
        source=source,
        currency="CNY",
        total_amount=total,
        notes=notes,
        created_by=principal.actor,
    )
    session.add(order)
    rows = [
        PurchaseOrderLine(
            purchase_order_id=pk,
            line_no=n,
            part_id=line.part.id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            requested_date=line.requested_date,
            promised_date=line.requested_date,
            destination_location_id=line.destination.id,
            destination_site_id=line.destination.site_id,
            shipped_qty=Decimal(0),
            received_qty=Decimal(0),
            rejected_qty=Decimal(0),
            closed=False,
            closed_short=False,
        )
        for n, line in enumerate(lines, start=1)
    ]
    session.add_all(rows)
    await session.flush()
    return OrderView(order, rows)


async def create_purchase_order(
    session: AsyncSession,
    principal: Principal,
    supplier_code: str,
    lines: Sequence[OrderLineInput],
    notes: str | None = None,
) -> OrderView:
    """A draft order keyed in by a buyer."""
    ensure_buyer(principal)
    if not lines or len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"an order needs 1 to {MAX_LINES} lines", ["lines"])
    code = supplier_code.strip().upper()
    supplier = (await session.execute(select(Supplier).where(Supplier.code == code))).scalar_one_or_none()
    if supplier is None or not supplier.active:
        raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"no active supplier with code {code}", ["supplierCode"])
    part_codes = {line.part_code.strip().upper() for line in lines}
    loc_codes = {line.destination_code.strip().upper() for line in lines}
    parts = {p.code: p for p in (await session.execute(select(Part).where(Part.code.in_(part_codes)))).scalars()}
    locs = {
        loc.code: loc for loc in (await session.execute(select(Location).where(Location.code.in_(loc_codes)))).scalars()
    }
    offers = await _offers(session, {(supplier.id, p.id) for p in parts.values()})
    resolved = []
    for n, line in enumerate(lines):
        part = parts.get(line.part_code.strip().upper())
        if part is None:
            raise DomainError(
                ErrorCode.UNKNOWN_PART, f"no part with code {line.part_code}", ["lines", str(n), "partCode"]
            )
        loc_code = line.destination_code.strip().upper()
        destination = _destination(principal, locs.get(loc_code), loc_code, ["lines", str(n)])
        resolved.append(
            _resolve_line(
                n,
                part,
                destination,
                line.quantity,
                line.unit_price,
                line.requested_date,
                offers.get((supplier.id, part.id)),
            )
        )
    return await _insert(session, principal, supplier, resolved, "manual", clean_text(notes, "notes", 2000))


async def create_purchase_orders_from_suggestions(
    session: AsyncSession, principal: Principal, lines: Sequence[SuggestionLine]
) -> list[OrderView]:
    """Draft orders from replenishment suggestions, one per supplier (planning calls this)."""
    ensure_buyer(principal)
    if not lines:
        return []
    parts = {
        p.id: p for p in (await session.execute(select(Part).where(Part.id.in_({x.part_id for x in lines})))).scalars()
    }
    locs = {
        loc.id: loc
        for loc in (
            await session.execute(select(Location).where(Location.id.in_({x.destination_location_id for x in lines})))
        ).scalars()
    }
    grouped: dict[int, list[tuple[int, SuggestionLine, Part]]] = defaultdict(list)
    for n, line in enumerate(lines):
        part = parts.get(line.part_id)
        if part is None:
            raise DomainError(ErrorCode.UNKNOWN_PART, f"part {line.part_id} does not exist", ["lines", str(n), "part"])
        supplier_id = line.supplier_id or part.primary_supplier_id
        if supplier_id is None:
            raise DomainError(
                ErrorCode.UNKNOWN_SUPPLIER, f"part {part.code} has no supplier", ["lines", str(n), "supplier"]
            )
        grouped[supplier_id].append((n, line, part))
    suppliers = {
        s.id: s for s in (await session.execute(select(Supplier).where(Supplier.id.in_(list(grouped))))).scalars()
    }
    offers = await _offers(session, {(sid, part.id) for sid, items in grouped.items() for _, _, part in items})
    views = []
    for supplier_id in sorted(grouped):
        supplier = suppliers.get(supplier_id)
        if supplier is None or not supplier.active:
            raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"supplier {supplier_id} is unknown or inactive", ["lines"])
        resolved = []
        for n, line, part in grouped[supplier_id]:
            loc = locs.get(line.destination_location_id)
            destination = _destination(principal, loc, str(line.destination_location_id), ["lines", str(n)])
            resolved.append(
                _resolve_line(
                    n,
                    part,
                    destination,
                    line.quantity,
                    line.unit_price,
                    line.requested_date,
                    offers.get((supplier_id, part.id)),
                )
            )
        views.append(await _insert(session, principal, supplier, resolved, "suggestion", None))
    return views


async def _ensure_sees_all(session: AsyncSession, principal: Principal, lines: Sequence[PurchaseOrderLine]) -> None:
    if principal.location_paths is None:
        return
    ids = {line.destination_location_id for line in lines}
    paths = (await session.execute(select(Location.path).where(Location.id.in_(ids)))).scalars()
    if not all(principal.sees_path(path) for path in paths):
        raise DomainError(ErrorCode.NOT_FOUND, "no purchase order with this id", ["purchaseOrderId"])


async def _for_change(session: AsyncSession, principal: Principal, po_id: int) -> OrderView:
    order = await lock_one(session, PurchaseOrder, po_id, "purchase order", "purchaseOrderId")
    lines = (await order_lines(session, [order.id]))[order.id]
    await _ensure_sees_all(session, principal, lines)
    return OrderView(order, lines)


def _state(order: PurchaseOrder, allowed: set[S], action: str) -> None:
    if order.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"{order.number} is {order.status} and cannot be {action}", ["purchaseOrderId"]
        )


async def submit_purchase_order(
    session: AsyncSession, principal: Principal, po_id: int, settings: PurchasingSettings | None = None
) -> OrderView:
    """Freeze the amount and decide, from the approval rules, whose approval it needs."""
    settings = settings or get_purchasing_settings()
    ensure_buyer(principal)
    view = await _for_change(session, principal, po_id)
    order = view.order
    _state(order, {S.DRAFT}, "submitted")
    role = required_approval_role(order.total_amount, settings.approval_rules)
    order.required_role = role.value if role else None
    order.status = S.SUBMITTED.value
    order.submitted_by = principal.actor
    order.submitted_at = _now()
    await session.flush()
    return view


async def approve_purchase_order(
    session: AsyncSession,
    principal: Principal,
    po_id: int,
    approve: bool = True,
    comment: str | None = None,
    settings: PurchasingSettings | None = None,
) -> OrderView:
    """Approve (or return to draft) an order; the approver needs the role the amount requires."""
    settings = settings or get_purchasing_settings()
    view = await _for_change(session, principal, po_id)
    order = view.order
    _state(order, {S.SUBMITTED}, "approved")
    required = Role(order.required_role) if order.required_role else None
    paths = (
        await session.execute(
            select(Location.path).where(Location.id.in_({line.destination_location_id for line in view.lines}))
        )
    ).scalars()
    if not may_approve(principal, required, list(paths)):
        need = f"the {required.value} role" if required else "a buyer role"
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"{order.number} for ¥{order.total_amount} needs approval by {need}",
            ["purchaseOrderId"],
        )
    if settings.four_eyes and principal.actor in (order.created_by, order.submitted_by):
        raise DomainError(
            ErrorCode.FORBIDDEN, "an order is approved by someone other than its buyer", ["purchaseOrderId"]
        )
    session.add(
        PurchaseOrderApproval(
            purchase_order_id=order.id,
            decision="approved" if approve else "returned",
            required_role=order.required_role,
            amount=order.total_amount,
            actor=principal.actor,
            comment=clean_text(comment, "comment", 2000),
        )
    )
    if approve:
        order.status = S.APPROVED.value
        order.approved_by = principal.actor
        order.approved_at = _now()
    else:
        order.status = S.DRAFT.value
    await session.flush()
    return view


async def _event_payload(session: AsyncSession, view: OrderView) -> dict[str, object]:
    order = view.order
    part_ids = {line.part_id for line in view.lines}
    loc_ids = {line.destination_location_id for line in view.lines}
    codes = dict((await session.execute(select(Part.id, Part.code).where(Part.id.in_(part_ids)))).tuples().all())
    locs = dict(
        (await session.execute(select(Location.id, Location.code).where(Location.id.in_(loc_ids)))).tuples().all()
    )
    supplier_code = (await session.execute(select(Supplier.code).where(Supplier.id == order.supplier_id))).scalar_one()
    return {
        "number": order.number,
        "supplierId": order.supplier_id,
        "supplierCode": supplier_code,
        "status": order.status,
        "currency": order.currency,
        "totalAmount": order.total_amount,
        "lines": [
            {
                "lineNo": line.line_no,
                "partCode": codes[line.part_id],
                "quantity": line.quantity,
                "unitPrice": line.unit_price,
                "requestedDate": line.requested_date,
                "promisedDate": line.promised_date,
                "destination": locs[line.destination_location_id],
            }
            for line in view.lines
        ],
    }


async def send_purchase_order(session: AsyncSession, principal: Principal, po_id: int) -> OrderView:
    """Send to the supplier: an outbox event tells integrations and the supplier portal."""
    ensure_buyer(principal)
    view = await _for_change(session, principal, po_id)
    _state(view.order, {S.APPROVED}, "sent")
    view.order.status = S.SENT.value
    view.order.sent_at = _now()
    await session.flush()
    await emit(session, "purchase_order.sent", await _event_payload(session, view))
    return view


async def cancel_purchase_order(
    session: AsyncSession, principal: Principal, po_id: int, reason: str | None = None
) -> OrderView:
    """Cancel an order nothing was received against; a supplier that already has it is told."""
    ensure_buyer(principal)
    view = await _for_change(session, principal, po_id)
    order = view.order
    _state(order, {S.DRAFT, S.SUBMITTED, S.APPROVED, S.SENT}, "cancelled")
    was_sent = order.status == S.SENT
    order.status = S.CANCELLED.value
    order.cancelled_at = _now()
    order.cancel_reason = clean_text(reason, "reason", 2000)
    for line in view.lines:
        line.closed = True
    await session.flush()
    if was_sent:
        await emit(session, "purchase_order.cancelled", await _event_payload(session, view))
    return view


async def close_purchase_order(
    session: AsyncSession, principal: Principal, po_id: int, settings: PurchasingSettings | None = None
) -> OrderView:
    """Close an order: no more goods against it, and every received line goes to the three-way
    match. Goods still in QC or scans still held must be decided first."""
    settings = settings or get_purchasing_settings()
    ensure_buyer(principal)
    view = await _for_change(session, principal, po_id)
    order = view.order
    if order.status == S.CLOSED:
        raise DomainError(ErrorCode.INVALID_STATE, f"{order.number} is already closed", ["purchaseOrderId"])
    _state(order, {S.SENT, S.PARTIALLY_RECEIVED, S.RECEIVED}, "closed")
    line_ids = [line.id for line in view.lines]
    pending_qc = await session.execute(
        select(func.count())
        .select_from(ReceiptLine)
        .where(
            ReceiptLine.po_line_id.in_(line_ids),
            ReceiptLine.quantity > ReceiptLine.accepted_qty + ReceiptLine.rejected_qty,
        )
    )
    if pending_qc.scalar_one():
        raise DomainError(ErrorCode.INVALID_STATE, f"{order.number} has goods waiting for QC", ["purchaseOrderId"])
    held = await session.execute(
        select(func.count())
        .select_from(ReceiptScan)
        .where(ReceiptScan.po_line_id.in_(line_ids), ReceiptScan.status == ScanStatus.HELD)
    )
    if held.scalar_one():
        raise DomainError(ErrorCode.INVALID_STATE, f"{order.number} has held scans to decide", ["purchaseOrderId"])
    for line in view.lines:
        line.closed = True
    order.status = S.CLOSED.value
    order.closed_at = _now()
    await session.flush()
    await matching.evaluate_lines(session, [line for line in view.lines if line.received_qty > 0], settings)
    await emit(session, "purchase_order.closed", await _event_payload(session, view))
    return view


async def list_purchase_orders(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[str] | None = None,
    supplier_code: str | None = None,
    first: int = 20,
    before_id: int | None = None,
) -> tuple[list[PurchaseOrder], bool]:
    """Newest first, keyset-paginated on the id."""
    ensure_reader(principal, principal.supplier_id)
    stmt = select(PurchaseOrder).where(visible_orders_clause(principal))
    if statuses:
        stmt = stmt.where(PurchaseOrder.status.in_(list(statuses)))
    if supplier_code:
        stmt = stmt.join(Supplier, Supplier.id == PurchaseOrder.supplier_id).where(
            Supplier.code == supplier_code.strip().upper()
        )
    if before_id is not None:
        stmt = stmt.where(PurchaseOrder.id < before_id)
    rows = list((await session.execute(stmt.order_by(PurchaseOrder.id.desc()).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def get_purchase_order(
    session: AsyncSession, principal: Principal, *, po_id: int | None = None, number: str | None = None
) -> PurchaseOrder | None:
    """One order if it exists and the principal may see it."""
    ensure_reader(principal, principal.supplier_id)
    stmt = select(PurchaseOrder).where(visible_orders_clause(principal))
    if po_id is not None:
        stmt = stmt.where(PurchaseOrder.id == po_id)
    elif number is not None:
        stmt = stmt.where(PurchaseOrder.number == number.strip().upper())
    else:
        return None
    return (await session.execute(stmt)).scalar_one_or_none()
