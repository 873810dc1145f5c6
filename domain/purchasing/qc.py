"""Quality control of received goods waiting in a site's QC bin: accept all or part, reject the rest
with a reason. Rejects leave stock at once through a return-to-vendor document (QC → V-SUPPLIER),
and reopen that quantity on the order line so a replacement can be received against it.

Consignment receipts are inspected where they were posted, in the supplier-owned location; what
is accepted is already in its place, so it counts as put away at once (see `putaway`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.org.models import Location
from domain.principal import Principal
from domain.purchasing import matching, ownership
from domain.purchasing.common import (
    check_key,
    claim,
    clean_text,
    fingerprint,
    lock_one,
    next_id,
    order_lines,
    record,
    refresh_order_status,
    supplier_location,
)
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    QcInspection,
    ReceiptLine,
    ReturnToVendor,
    ReturnToVendorLine,
)
from domain.purchasing.policy import PurchasingSettings, ensure_receiver, get_purchasing_settings
from domain.quantities import parse_decimal
from domain.stock import ledger

ZERO = Decimal(0)


@dataclass(frozen=True)
class InspectionResult:
    inspection: QcInspection
    receipt: ReceiptLine
    return_to_vendor: ReturnToVendor | None
    replayed: bool


def _amount(value: Decimal | None, precision: int, field: str) -> Decimal:
    if value is None:
        return ZERO
    number = parse_decimal(value, field)
    exponent = number.normalize().as_tuple().exponent
    if number < 0 or (isinstance(exponent, int) and -exponent > precision):
        raise DomainError(
            ErrorCode.INVALID_QUANTITY, f"{field} must be >= 0 with at most {precision} decimal place(s)", [field]
        )
    return number


async def receipt_in_scope(session: AsyncSession, principal: Principal, receipt_id: int, *, lock: bool) -> ReceiptLine:
    if lock:
        receipt = await lock_one(session, ReceiptLine, receipt_id, "receipt line", "receiptLineId")
    else:
        found = await session.get(ReceiptLine, receipt_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, "no receipt line with this id", ["receiptLineId"])
        receipt = found
    site = await session.get(Location, receipt.site_id)
    assert site is not None
    if not principal.sees_path(site.path):
        raise DomainError(ErrorCode.NOT_FOUND, "no receipt line with this id", ["receiptLineId"])
    return receipt


async def inspect_receipt(
    session: AsyncSession,
    principal: Principal,
    receipt_id: int,
    *,
    accepted: Decimal | None,
    rejected: Decimal | None,
    reason: str | None = None,
    idempotency_key: str | None = None,
    settings: PurchasingSettings | None = None,
) -> InspectionResult:
    """Record one inspection of a receipt line (several partial inspections are fine)."""
    settings = settings or get_purchasing_settings()
    key = check_key(idempotency_key, required=False)
    ensure_receiver(principal)
    receipt = await receipt_in_scope(session, principal, receipt_id, lock=True)
    part = await session.get(Part, receipt.part_id)
    assert part is not None
    accept_qty = _amount(accepted, part.uom_precision, "acceptedQuantity")
    reject_qty = _amount(rejected, part.uom_precision, "rejectedQuantity")
    note = clean_text(reason, "reason", 2000)
    digest = fingerprint("qc", receipt_id, accept_qty.normalize(), reject_qty.normalize(), note)
    claimed = await claim(session, "qc", key, digest)
    if claimed.replay_id is not None:
        inspection = await session.get(QcInspection, claimed.replay_id)
        assert inspection is not None
        rtv = await session.get(ReturnToVendor, inspection.return_id) if inspection.return_id else None
        return InspectionResult(inspection, receipt, rtv, replayed=True)

    pending = receipt.quantity - receipt.accepted_qty - receipt.rejected_qty
    if accept_qty + reject_qty <= 0:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "accept or reject a quantity", ["acceptedQuantity"])
    if accept_qty + reject_qty > pending:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"only {format(pending.normalize(), 'f')} of this receipt await inspection",
            ["acceptedQuantity"],
        )
    if reject_qty > 0 and not note:
        raise DomainError(ErrorCode.INVALID_INPUT, "a rejection needs a reason", ["reason"])

    receipt.accepted_qty += accept_qty
    if await ownership.is_consignment_receipt(session, receipt):
        receipt.put_away_qty += accept_qty  # already in the supplier's location: nothing to put away
    rtv = None
    if reject_qty > 0:
        rtv = await _return_to_vendor(session, principal, receipt, reject_qty, note or "")
        receipt.rejected_qty += reject_qty
    inspection = QcInspection(
        receipt_line_id=receipt.id,
        accepted_qty=accept_qty,
        rejected_qty=reject_qty,
        reason=note,
        return_id=rtv.id if rtv else None,
        actor=principal.actor,
    )
    session.add(inspection)
    await session.flush()
    await record(session, claimed, inspection.id)
    await matching.evaluate_if_complete(session, [receipt.po_line_id], settings)
    return InspectionResult(inspection, receipt, rtv, replayed=False)


async def _return_to_vendor(
    session: AsyncSession, principal: Principal, receipt: ReceiptLine, quantity: Decimal, reason: str
) -> ReturnToVendor:
    """Move the rejected goods out to the supplier and count them against the order line."""
    po_id = (
        await session.execute(
            select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.id == receipt.po_line_id)
        )
    ).scalar_one()
    order = await lock_one(session, PurchaseOrder, po_id, "purchase order")
    line = await lock_one(session, PurchaseOrderLine, receipt.po_line_id, "order line")
    supplier = await supplier_location(session)
    pk = await next_id(session, "return_to_vendor")
    number = f"RTV-{pk:06d}"
    posted = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type="return_to_vendor",
            doc_ref=number,
            reason=f"QC reject on {order.number}: {reason}"[:500],
            lines=[
                ledger.MoveLine(
                    part_id=receipt.part_id,
                    from_location_id=receipt.qc_location_id,
                    to_location_id=supplier.id,
                    quantity=quantity,
                    lot_no=receipt.lot_no,
                )
            ],
        ),
    )
    rtv = ReturnToVendor(
        id=pk,
        number=number,
        supplier_id=order.supplier_id,
        purchase_order_id=order.id,
        reason=reason,
        posting_id=posted.posting_id,
        actor=principal.actor,
    )
    session.add(rtv)
    move = posted.moves[0]
    session.add(
        ReturnToVendorLine(
            return_id=pk,
            receipt_line_id=receipt.id,
            part_id=receipt.part_id,
            lot_no=receipt.lot_no,
            quantity=quantity,
            unit_price=line.unit_price,
            stock_unit_cost=move.unit_cost,
        )
    )
    line.rejected_qty += quantity
    await session.flush()
    await refresh_order_status(session, order, (await order_lines(session, [order.id]))[order.id])
    part_code = (await session.execute(select(Part.code).where(Part.id == receipt.part_id))).scalar_one()
    supplier_code = (await session.execute(select(Supplier.code).where(Supplier.id == order.supplier_id))).scalar_one()
    await emit(
        session,
        "return_to_vendor.created",
        {
            "number": number,
            "purchaseOrder": order.number,
            "supplierCode": supplier_code,
            "reason": reason,
            "lines": [
                {
                    "partCode": part_code,
                    "lotNo": receipt.lot_no,
                    "quantity": quantity,
                    "unitPrice": line.unit_price,
                    "creditAmount": (quantity * line.unit_price).quantize(Decimal("0.01")),
                }
            ],
        },
    )
    return rtv
