"""GraphQL types of purchasing: orders, ship notices, receiving, QC, putaway, match, performance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part, Supplier
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.org.types import Location
from api.graphql.purchasing import loaders
from api.graphql.related import related_location as _location
from api.graphql.related import related_part as _part
from api.graphql.related import related_supplier as _supplier
from api.graphql.relay import Node, to_global_id
from api.graphql.stock.types import StockMove
from domain.errors import ErrorCode
from domain.purchasing import models as m
from domain.purchasing.performance import SupplierMonth
from domain.purchasing.putaway import PutawaySuggestion as PutawaySuggestionModel
from domain.purchasing.receiving import HoldDecision as DomainHoldDecision
from domain.quantities import tidy

# The domain enums are the GraphQL enums (strawberry.enum registers the class itself).
PurchaseOrderStatus = m.PurchaseOrderStatus
ReceiptScanStatus = m.ScanStatus
MatchStatus = m.MatchStatus
HoldDecision = DomainHoldDecision
strawberry.enum(PurchaseOrderStatus, name="PurchaseOrderStatus")
strawberry.enum(ReceiptScanStatus, name="ReceiptScanStatus")
strawberry.enum(MatchStatus, name="MatchStatus")
strawberry.enum(HoldDecision, name="HoldDecision", description="How a held scan is decided.")


def _tidy(value: Decimal | None) -> Decimal | None:
    return None if value is None else tidy(value)


@strawberry.type(description="Why a three-way match failed.")
class MatchReason:
    code: ErrorCode
    message: str


@strawberry.type(description="Three-way match of one order line: order vs ship notice vs receipt.")
class MatchResult(Node):
    status: MatchStatus
    ordered_quantity: Decimal
    shipped_quantity: Decimal | None
    received_quantity: Decimal
    accepted_quantity: Decimal
    order_price: Decimal
    shipped_price: Decimal | None = strawberry.field(description="Price on the delivery note, when stated.")
    invoice_quantity: Decimal
    invoice_amount: Decimal
    reasons: list[MatchReason]
    evaluated_at: datetime
    released_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None
    po_line_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: m.MatchResult) -> MatchResult:
        return cls(
            id=to_global_id("MatchResult", r.id),
            status=m.MatchStatus(r.status),
            ordered_quantity=tidy(r.ordered_qty),
            shipped_quantity=_tidy(r.shipped_qty),
            received_quantity=tidy(r.received_qty),
            accepted_quantity=tidy(r.accepted_qty),
            order_price=tidy(r.order_price),
            shipped_price=_tidy(r.shipped_price),
            invoice_quantity=tidy(r.invoice_qty),
            invoice_amount=r.invoice_amount,
            reasons=[MatchReason(code=ErrorCode(x["code"]), message=x["message"]) for x in r.reasons],
            evaluated_at=r.evaluated_at,
            released_at=r.released_at,
            resolved_by=r.resolved_by,
            resolved_at=r.resolved_at,
            resolution_note=r.resolution_note,
            po_line_id=r.po_line_id,
        )

    @strawberry.field
    async def purchase_order_line(self, info: Info[Context, None]) -> PurchaseOrderLine:
        found = await loaders.purchase_order_line_by_id(info.context).load(self.po_line_id)
        return PurchaseOrderLine.from_model(found)


@strawberry.type(description="One line of a purchase order, with its delivery progress.")
class PurchaseOrderLine(Node):
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    requested_date: date
    promised_date: date
    shipped_quantity: Decimal = strawberry.field(description="Announced by ship notices.")
    received_quantity: Decimal
    rejected_quantity: Decimal = strawberry.field(description="Rejected by QC and returned to the supplier.")
    accepted_quantity: Decimal = strawberry.field(description="Received minus rejected.")
    open_quantity: Decimal
    closed: bool
    closed_short: bool
    pk: strawberry.Private[int]
    purchase_order_id: strawberry.Private[int]
    part_id: strawberry.Private[int]
    destination_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, line: m.PurchaseOrderLine) -> PurchaseOrderLine:
        accepted = line.received_qty - line.rejected_qty
        return cls(
            id=to_global_id("PurchaseOrderLine", line.id),
            line_no=line.line_no,
            quantity=tidy(line.quantity),
            unit_price=tidy(line.unit_price),
            amount=(line.quantity * line.unit_price).quantize(Decimal("0.01")),
            requested_date=line.requested_date,
            promised_date=line.promised_date,
            shipped_quantity=tidy(line.shipped_qty),
            received_quantity=tidy(line.received_qty),
            rejected_quantity=tidy(line.rejected_qty),
            accepted_quantity=tidy(accepted),
            open_quantity=tidy(Decimal(0) if line.closed else max(line.quantity - accepted, Decimal(0))),
            closed=line.closed,
            closed_short=line.closed_short,
            pk=line.id,
            purchase_order_id=line.purchase_order_id,
            part_id=line.part_id,
            destination_id=line.destination_location_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, self.part_id)

    @strawberry.field
    async def destination(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.destination_id)

    @strawberry.field(description="The order this line belongs to.")
    async def purchase_order(self, info: Info[Context, None]) -> PurchaseOrder:
        found = await loaders.purchase_order_by_id(info.context).load(self.purchase_order_id)
        return PurchaseOrder.from_model(found)

    @strawberry.field(description="Three-way match, once the line is complete and inspected.")
    async def match(self, info: Info[Context, None]) -> MatchResult | None:
        found = await loaders.match_by_purchase_order_line_id(info.context).load(self.pk)
        return MatchResult.from_model(found) if found else None

    @strawberry.field(description="Goods received against this line.")
    async def receipts(self, info: Info[Context, None]) -> list[ReceiptLine]:
        found = await loaders.receipts_by_purchase_order_line_id(info.context).load(self.pk)
        return [ReceiptLine.from_model(r) for r in found]


@strawberry.type(description="An approval decision on an order.")
class PurchaseOrderApproval:
    decision: str
    required_role: str | None
    amount: Decimal
    actor: str
    comment: str | None
    created_at: datetime


@strawberry.type(description="A line of a return to vendor: what went back and what the supplier owes.")
class ReturnToVendorLine:
    lot_no: str
    quantity: Decimal
    unit_price: Decimal = strawberry.field(description="Order price: the credit claimed per unit.")
    credit_amount: Decimal
    stock_unit_cost: Decimal = strawberry.field(description="Unit value the ledger took out of stock.")
    stock_value: Decimal
    part_id: strawberry.Private[int]

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, self.part_id)


@strawberry.type(description="Rejected goods sent back to the supplier (QC → V-SUPPLIER).")
class ReturnToVendor(Node):
    number: str
    reason: str
    actor: str
    created_at: datetime
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: m.ReturnToVendor) -> ReturnToVendor:
        return cls(
            id=to_global_id("ReturnToVendor", r.id),
            number=r.number,
            reason=r.reason,
            actor=r.actor,
            created_at=r.created_at,
            pk=r.id,
        )

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[ReturnToVendorLine]:
        found = await loaders.return_lines_by_return_id(info.context).load(self.pk)
        cent = Decimal("0.01")
        return [
            ReturnToVendorLine(
                lot_no=x.lot_no,
                quantity=tidy(x.quantity),
                unit_price=tidy(x.unit_price),
                credit_amount=(x.quantity * x.unit_price).quantize(cent),
                stock_unit_cost=tidy(x.stock_unit_cost),
                stock_value=(x.quantity * x.stock_unit_cost).quantize(cent),
                part_id=x.part_id,
            )
            for x in found
        ]


@strawberry.type(description="A purchase order: draft → submitted → approved → sent → received → closed.")
class PurchaseOrder(Node):
    number: str
    status: PurchaseOrderStatus
    source: str
    currency: str
    total_amount: Decimal
    required_approval_role: str | None = strawberry.field(description="Set on submit from the approval rules.")
    notes: str | None
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, o: m.PurchaseOrder) -> PurchaseOrder:
        return cls(
            id=to_global_id("PurchaseOrder", o.id),
            number=o.number,
            status=m.PurchaseOrderStatus(o.status),
            source=o.source,
            currency=o.currency,
            total_amount=o.total_amount,
            required_approval_role=o.required_role,
            notes=o.notes,
            created_by=o.created_by,
            created_at=o.created_at,
            submitted_at=o.submitted_at,
            approved_by=o.approved_by,
            approved_at=o.approved_at,
            sent_at=o.sent_at,
            closed_at=o.closed_at,
            cancelled_at=o.cancelled_at,
            cancel_reason=o.cancel_reason,
            pk=o.id,
            supplier_id=o.supplier_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await _supplier(info, self.supplier_id)

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[PurchaseOrderLine]:
        found = await loaders.lines_by_purchase_order_id(info.context).load(self.pk)
        return [PurchaseOrderLine.from_model(line) for line in found]

    @strawberry.field
    async def approvals(self, info: Info[Context, None]) -> list[PurchaseOrderApproval]:
        found = await loaders.approvals_by_purchase_order_id(info.context).load(self.pk)
        return [
            PurchaseOrderApproval(
                decision=a.decision,
                required_role=a.required_role,
                amount=a.amount,
                actor=a.actor,
                comment=a.comment,
                created_at=a.created_at,
            )
            for a in found
        ]

    @strawberry.field
    async def returns_to_vendor(self, info: Info[Context, None]) -> list[ReturnToVendor]:
        found = await loaders.returns_by_purchase_order_id(info.context).load(self.pk)
        return [ReturnToVendor.from_model(r) for r in found]

    @strawberry.field(description="Ledger lines this order caused (receipts, putaways, returns) with their values.")
    async def stock_moves(self, info: Info[Context, None]) -> list[StockMove]:
        found = await loaders.value_moves_by_purchase_order_id(info.context).load(self.pk)
        return [StockMove.from_domain(move) for move in found]


@strawberry.type(description="One line of a ship notice, against one order line.")
class ShipNoticeLine:
    line_no: int
    label: str = strawberry.field(description="What receiving scans for this line.")
    quantity: Decimal
    lot_no: str
    expiry_date: date | None
    unit_price: Decimal | None
    received_quantity: Decimal
    short_closed: bool
    po_line_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, x: m.ShipNoticeLine) -> ShipNoticeLine:
        return cls(
            line_no=x.line_no,
            label=x.label,
            quantity=tidy(x.quantity),
            lot_no=x.lot_no,
            expiry_date=x.expiry_date,
            unit_price=_tidy(x.unit_price),
            received_quantity=tidy(x.received_qty),
            short_closed=x.short_closed,
            po_line_id=x.po_line_id,
        )

    @strawberry.field
    async def purchase_order_line(self, info: Info[Context, None]) -> PurchaseOrderLine:
        found = await loaders.purchase_order_line_by_id(info.context).load(self.po_line_id)
        return PurchaseOrderLine.from_model(found)


@strawberry.type(description="An advance ship notice or delivery note from a supplier.")
class ShipNotice(Node):
    number: str
    label: str
    source: str
    carrier: str | None
    tracking_number: str | None
    shipped_on: date | None
    expected_arrival: date | None
    status: str
    created_by: str
    created_at: datetime
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, n: m.ShipNotice) -> ShipNotice:
        return cls(
            id=to_global_id("ShipNotice", n.id),
            number=n.number,
            label=n.label,
            source=n.source,
            carrier=n.carrier,
            tracking_number=n.tracking_number,
            shipped_on=n.shipped_on,
            expected_arrival=n.expected_arrival,
            status=n.status,
            created_by=n.created_by,
            created_at=n.created_at,
            pk=n.id,
            supplier_id=n.supplier_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await _supplier(info, self.supplier_id)

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[ShipNoticeLine]:
        found = await loaders.notice_lines_by_ship_notice_id(info.context).load(self.pk)
        return [ShipNoticeLine.from_model(x) for x in found]


@strawberry.type(description="Goods posted into QC against one order line; QC and putaway count down from here.")
class ReceiptLine(Node):
    quantity: Decimal
    lot_no: str
    expiry_date: date | None
    unit_cost: Decimal = strawberry.field(description="The order price the goods were valued at.")
    value: Decimal
    received_on: date
    accepted_quantity: Decimal
    rejected_quantity: Decimal
    pending_qc_quantity: Decimal
    put_away_quantity: Decimal
    awaiting_putaway_quantity: Decimal
    pk: strawberry.Private[int]
    part_id: strawberry.Private[int]
    qc_location_id: strawberry.Private[int]
    po_line_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: m.ReceiptLine) -> ReceiptLine:
        return cls(
            id=to_global_id("ReceiptLine", r.id),
            quantity=tidy(r.quantity),
            lot_no=r.lot_no,
            expiry_date=r.expiry_date,
            unit_cost=tidy(r.unit_cost),
            value=(r.quantity * r.unit_cost).quantize(Decimal("0.01")),
            received_on=r.received_on,
            accepted_quantity=tidy(r.accepted_qty),
            rejected_quantity=tidy(r.rejected_qty),
            pending_qc_quantity=tidy(r.quantity - r.accepted_qty - r.rejected_qty),
            put_away_quantity=tidy(r.put_away_qty),
            awaiting_putaway_quantity=tidy(r.accepted_qty - r.put_away_qty),
            pk=r.id,
            part_id=r.part_id,
            qc_location_id=r.qc_location_id,
            po_line_id=r.po_line_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, self.part_id)

    @strawberry.field
    async def qc_location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.qc_location_id)

    @strawberry.field
    async def purchase_order_line(self, info: Info[Context, None]) -> PurchaseOrderLine:
        found = await loaders.purchase_order_line_by_id(info.context).load(self.po_line_id)
        return PurchaseOrderLine.from_model(found)


@strawberry.type(description="One scan at the dock: posted into QC, or held for a decision.")
class ReceiptScan(Node):
    barcode: str
    quantity: Decimal | None
    lot_no: str
    expiry_date: date | None
    status: ReceiptScanStatus
    hold_code: ErrorCode | None = strawberry.field(description="Why the scan is (or was) held.")
    hold_reason: str | None
    actor: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None
    pk: strawberry.Private[int]
    part_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, s: m.ReceiptScan) -> ReceiptScan:
        return cls(
            id=to_global_id("ReceiptScan", s.id),
            barcode=s.barcode,
            quantity=_tidy(s.quantity),
            lot_no=s.lot_no,
            expiry_date=s.expiry_date,
            status=m.ScanStatus(s.status),
            hold_code=ErrorCode(s.hold_code) if s.hold_code else None,
            hold_reason=s.hold_reason,
            actor=s.actor,
            created_at=s.created_at,
            resolved_by=s.resolved_by,
            resolved_at=s.resolved_at,
            resolution_note=s.resolution_note,
            pk=s.id,
            part_id=s.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part | None:
        return None if self.part_id is None else await _part(info, self.part_id)

    @strawberry.field
    async def receipts(self, info: Info[Context, None]) -> list[ReceiptLine]:
        found = await loaders.receipts_by_scan_id(info.context).load(self.pk)
        return [ReceiptLine.from_model(r) for r in found]


@strawberry.type(description="A receiving session at a store or warehouse dock.")
class ReceivingSession(Node):
    number: str
    status: str
    started_by: str
    started_at: datetime
    closed_at: datetime | None
    pk: strawberry.Private[int]
    site_id: strawberry.Private[int]
    qc_location_id: strawberry.Private[int]
    ship_notice_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, s: m.ReceivingSession) -> ReceivingSession:
        return cls(
            id=to_global_id("ReceivingSession", s.id),
            number=s.number,
            status=s.status,
            started_by=s.started_by,
            started_at=s.started_at,
            closed_at=s.closed_at,
            pk=s.id,
            site_id=s.site_id,
            qc_location_id=s.qc_location_id,
            ship_notice_id=s.ship_notice_id,
        )

    @strawberry.field(description="The receiving site.")
    async def location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.site_id)

    @strawberry.field
    async def qc_location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.qc_location_id)

    @strawberry.field(description="The ship notice guiding this session, if one was scanned or chosen.")
    async def ship_notice(self, info: Info[Context, None]) -> ShipNotice | None:
        if self.ship_notice_id is None:
            return None
        found = await loaders.ship_notice_by_id(info.context).load(self.ship_notice_id)
        return ShipNotice.from_model(found) if found else None

    @strawberry.field
    async def scans(self, info: Info[Context, None]) -> list[ReceiptScan]:
        found = await loaders.scans_by_receiving_session_id(info.context).load(self.pk)
        return [ReceiptScan.from_model(s) for s in found]

    @strawberry.field(description="Scans waiting for a decision.")
    async def holds(self, info: Info[Context, None]) -> list[ReceiptScan]:
        found = await loaders.scans_by_receiving_session_id(info.context).load(self.pk)
        return [ReceiptScan.from_model(s) for s in found if s.status == m.ScanStatus.HELD]

    @strawberry.field
    async def receipts(self, info: Info[Context, None]) -> list[ReceiptLine]:
        found = await loaders.receipts_by_receiving_session_id(info.context).load(self.pk)
        return [ReceiptLine.from_model(r) for r in found]


@strawberry.type(description="Where to put accepted goods, and why.")
class PutawaySuggestion:
    location: Location
    quantity: Decimal
    reason: str

    @classmethod
    def from_domain(cls, s: PutawaySuggestionModel) -> PutawaySuggestion:
        return cls(location=Location.from_model(s.location), quantity=tidy(s.quantity), reason=s.reason)


@strawberry.type(description="A supplier's delivery performance in one month (definitions in docs/purchasing.md).")
class SupplierPerformance:
    month: str = strawberry.field(description="YYYY-MM")
    deliveries: int
    on_time_deliveries: int
    on_time_rate: Decimal | None
    ordered_quantity: Decimal
    filled_quantity: Decimal
    fill_rate: Decimal | None
    inspected_quantity: Decimal
    rejected_quantity: Decimal
    reject_rate: Decimal | None
    average_lead_time_days: Decimal | None
    average_promised_lead_time_days: Decimal | None
    supplier_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, x: SupplierMonth) -> SupplierPerformance:
        return cls(
            month=x.month.strftime("%Y-%m"),
            deliveries=x.deliveries,
            on_time_deliveries=x.on_time_deliveries,
            on_time_rate=x.on_time_rate,
            ordered_quantity=tidy(x.ordered_qty),
            filled_quantity=tidy(x.filled_qty),
            fill_rate=x.fill_rate,
            inspected_quantity=tidy(x.inspected_qty),
            rejected_quantity=tidy(x.rejected_qty),
            reject_rate=x.reject_rate,
            average_lead_time_days=_tidy(x.avg_lead_time_days),
            average_promised_lead_time_days=_tidy(x.avg_promised_lead_time_days),
            supplier_id=x.supplier_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await _supplier(info, self.supplier_id)


# Inputs and payloads.


@strawberry.input
class PurchaseOrderLineInput:
    part_code: str
    quantity: Decimal
    destination_code: str = strawberry.field(description="Store, warehouse (or a zone/bin in it) receiving the goods.")
    unit_price: Decimal | None = strawberry.field(default=None, description="Default: supplier price, else part price.")
    requested_date: date | None = strawberry.field(default=None, description="Default: today + lead time.")


@strawberry.input
class CreatePurchaseOrderInput:
    supplier_code: str
    lines: list[PurchaseOrderLineInput]
    notes: str | None = None


@strawberry.input
class SubmitPurchaseOrderInput:
    purchase_order_id: strawberry.ID


@strawberry.input
class ApprovePurchaseOrderInput:
    purchase_order_id: strawberry.ID
    approve: bool = strawberry.field(default=True, description="False returns the order to draft.")
    comment: str | None = None


@strawberry.input
class SendPurchaseOrderInput:
    purchase_order_id: strawberry.ID


@strawberry.input
class CancelPurchaseOrderInput:
    purchase_order_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class ClosePurchaseOrderInput:
    purchase_order_id: strawberry.ID


@strawberry.type
class PurchaseOrderPayloadBase:
    purchase_order: PurchaseOrder | None
    errors: list[UserError]


@strawberry.type
class CreatePurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.type
class SubmitPurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.type
class ApprovePurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.type
class SendPurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.type
class CancelPurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.type
class ClosePurchaseOrderPayload(PurchaseOrderPayloadBase):
    pass


@strawberry.input
class ShipNoticeLineInput:
    purchase_order_number: str
    line_no: int
    quantity: Decimal
    lot_no: str | None = None
    expiry_date: date | None = None
    unit_price: Decimal | None = strawberry.field(default=None, description="Price on the delivery note, if any.")


@strawberry.input
class CreateShipNoticeInput:
    number: str = strawberry.field(description="The supplier's ASN or delivery-note number.")
    lines: list[ShipNoticeLineInput]
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_on: date | None = None
    expected_arrival: date | None = None


@strawberry.type
class CreateShipNoticePayload:
    ship_notice: ShipNotice | None
    errors: list[UserError]


@strawberry.input
class StartReceivingInput:
    location_code: str
    ship_notice: str | None = strawberry.field(default=None, description="Label or number of the notice to receive.")


@strawberry.type
class StartReceivingPayload:
    receiving_session: ReceivingSession | None
    errors: list[UserError]


@strawberry.input
class ScanReceiptInput:
    receiving_session_id: strawberry.ID
    barcode: str = strawberry.field(description="Part barcode or code, supplier part number, or ship-notice label.")
    quantity: Decimal | None = strawberry.field(default=None, description="Required unless a whole-notice label.")
    lot_no: str | None = None
    expiry_date: date | None = None
    idempotency_key: str = strawberry.field(description="Retries with the same key return the first answer.")


@strawberry.type
class ScanReceiptPayload:
    scan: ReceiptScan | None
    receipts: list[ReceiptLine]
    replayed: bool
    errors: list[UserError] = strawberry.field(
        description="A held scan is stored (see `scan.status`) and its reason is reported here too."
    )


@strawberry.input
class ResolveReceivingHoldInput:
    scan_id: strawberry.ID
    decision: HoldDecision
    purchase_order_line_id: strawberry.ID | None = strawberry.field(
        default=None, description="Order line to post against when the scan matched none."
    )
    note: str | None = None


@strawberry.type
class ResolveReceivingHoldPayload:
    scan: ReceiptScan | None
    receipts: list[ReceiptLine]
    errors: list[UserError]


@strawberry.input
class CloseReceivingSessionInput:
    receiving_session_id: strawberry.ID


@strawberry.type
class CloseReceivingSessionPayload:
    receiving_session: ReceivingSession | None
    short_receipts: list[ReceiptScan] = strawberry.field(description="Ship-notice lines that arrived short (held).")
    errors: list[UserError]


@strawberry.input
class InspectReceiptInput:
    receipt_line_id: strawberry.ID
    accepted_quantity: Decimal | None = None
    rejected_quantity: Decimal | None = None
    reason: str | None = strawberry.field(default=None, description="Required when rejecting.")
    idempotency_key: str | None = None


@strawberry.type
class InspectReceiptPayload:
    receipt_line: ReceiptLine | None
    return_to_vendor: ReturnToVendor | None
    replayed: bool
    errors: list[UserError]


@strawberry.input
class SuggestPutawayInput:
    receipt_line_id: strawberry.ID
    quantity: Decimal | None = strawberry.field(default=None, description="Default: all accepted goods waiting.")


@strawberry.type
class SuggestPutawayPayload:
    suggestions: list[PutawaySuggestion]
    unplaced_quantity: Decimal = strawberry.field(description="What no bin has room for.")
    errors: list[UserError]


@strawberry.input
class ConfirmPutawayInput:
    receipt_line_id: strawberry.ID
    location_code: str = strawberry.field(description="The bin scanned (or the store, where there are no bins).")
    quantity: Decimal
    idempotency_key: str


@strawberry.type
class ConfirmPutawayPayload:
    receipt_line: ReceiptLine | None
    move: StockMove | None
    replayed: bool
    errors: list[UserError]


@strawberry.input
class ResolveMatchExceptionInput:
    match_id: strawberry.ID
    release: bool = strawberry.field(description="True releases for invoicing; false disputes with the supplier.")
    note: str | None = None


@strawberry.type
class ResolveMatchExceptionPayload:
    match: MatchResult | None
    errors: list[UserError]
