"""GraphQL types of VMI: agreements with their shared stock, proposals, delivery timelines and
supplier scorecards."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part, Supplier
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.org.types import Location
from api.graphql.purchasing import loaders as purchasing_loaders
from api.graphql.purchasing.types import PurchaseOrder, ReceivingSession, ShipNotice, SupplierPerformance
from api.graphql.related import related_location, related_part, related_supplier
from api.graphql.relay import Node, to_global_id
from api.graphql.vmi import loaders
from domain.quantities import tidy
from domain.vmi import deliveries as dd
from domain.vmi import levels as lv
from domain.vmi import models as m
from domain.vmi.scorecard import Scorecard
from domain.vmi.shared_stock import SharedStock

LevelMode = m.LevelMode
ProposalStatus = m.ProposalStatus
ProposalOrigin = m.ProposalOrigin
ApprovalKind = m.ApprovalKind
StockStatus = lv.StockStatus
DeliveryStage = dd.DeliveryStage
strawberry.enum(LevelMode, name="VmiLevelMode", description="Levels as quantities or as days of cover.")
strawberry.enum(ProposalStatus, name="VmiProposalStatus")
strawberry.enum(ProposalOrigin, name="VmiProposalOrigin", description="Who drafted the proposal.")
strawberry.enum(ApprovalKind, name="VmiApprovalKind", description="Approved within the bounds, or by a buyer.")
strawberry.enum(StockStatus, name="VmiStockStatus", description="Position against the agreement's levels.")
strawberry.enum(DeliveryStage, name="DeliveryStage")


def _tidy(value: Decimal | None) -> Decimal | None:
    return None if value is None else tidy(value)


@strawberry.type(description="What the buyer and the supplier both see of one agreement's part at its site.")
class VmiSharedStock:
    on_hand: Decimal = strawberry.field(description="In the site's subtree, the consignment zone included.")
    consignment_on_hand: Decimal = strawberry.field(description="The part of onHand the supplier owns.")
    in_transit: Decimal = strawberry.field(description="Shipped on open ship notices and transfers, not yet received.")
    on_order: Decimal = strawberry.field(description="Open purchase-order quantity not yet shipped.")
    position: Decimal = strawberry.field(description="onHand + inTransit + onOrder.")
    consumption_30_days: Decimal = strawberry.field(description="Net issues to workshop and customers, 30 days.")
    consumption_90_days: Decimal
    forecast_daily_rate: Decimal | None = strawberry.field(description="Planning's forecast for the part × site.")
    daily_rate: Decimal = strawberry.field(description="The forecast, else 90-day consumption / 90.")
    days_of_cover: Decimal | None = strawberry.field(description="onHand / dailyRate; null without demand.")
    min_quantity: Decimal = strawberry.field(description="The minimum in units (days × rate in cover mode).")
    max_quantity: Decimal
    suggested_quantity: Decimal = strawberry.field(description="maxQuantity − position, never negative.")
    status: StockStatus
    agreement_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, s: SharedStock) -> VmiSharedStock:
        return cls(
            on_hand=tidy(s.on_hand),
            consignment_on_hand=tidy(s.consignment_on_hand),
            in_transit=tidy(s.in_transit),
            on_order=tidy(s.on_order),
            position=tidy(s.position),
            consumption_30_days=tidy(s.consumption_30),
            consumption_90_days=tidy(s.consumption_90),
            forecast_daily_rate=_tidy(s.forecast_daily_rate),
            daily_rate=s.daily_rate.quantize(Decimal("0.0001")).normalize(),
            days_of_cover=_tidy(s.days_of_cover),
            min_quantity=tidy(s.min_qty),
            max_quantity=tidy(s.max_qty),
            suggested_quantity=tidy(s.suggested_qty),
            status=s.status,
            agreement_id=s.agreement_id,
        )

    @strawberry.field
    async def agreement(self, info: Info[Context, None]) -> VmiAgreement:
        found = await loaders.agreement_by_id(info.context).load(self.agreement_id)
        return VmiAgreement.from_model(found)


@strawberry.type(description="A VMI agreement: supplier × part × site, its levels, review cadence and consignment.")
class VmiAgreement(Node):
    mode: LevelMode
    min_quantity: Decimal | None
    max_quantity: Decimal | None
    min_days_of_cover: Decimal | None
    max_days_of_cover: Decimal | None
    review_cadence_days: int
    consignment: bool
    consignment_unit_price: Decimal | None
    active: bool
    notes: str | None
    last_triggered_at: datetime | None = strawberry.field(description="When the below-min trigger last fired.")
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int]
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    consignment_location_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, a: m.VmiAgreement) -> VmiAgreement:
        return cls(
            id=to_global_id("VmiAgreement", a.id),
            mode=LevelMode(a.mode),
            min_quantity=_tidy(a.min_qty),
            max_quantity=_tidy(a.max_qty),
            min_days_of_cover=_tidy(a.min_days),
            max_days_of_cover=_tidy(a.max_days),
            review_cadence_days=a.review_days,
            consignment=a.consignment,
            consignment_unit_price=_tidy(a.consignment_unit_price),
            active=a.active,
            notes=a.notes,
            last_triggered_at=a.last_triggered_at,
            created_by=a.created_by,
            created_at=a.created_at,
            updated_by=a.updated_by,
            updated_at=a.updated_at,
            pk=a.id,
            supplier_id=a.supplier_id,
            part_id=a.part_id,
            location_id=a.location_id,
            consignment_location_id=a.consignment_location_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await related_supplier(info, self.supplier_id)

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await related_part(info, self.part_id)

    @strawberry.field(description="The store or warehouse.")
    async def location(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.location_id)

    @strawberry.field(description="The supplier-owned zone holding the consignment stock.")
    async def consignment_location(self, info: Info[Context, None]) -> Location | None:
        if self.consignment_location_id is None:
            return None
        return await related_location(info, self.consignment_location_id)

    @strawberry.field(description="On hand, in transit, on order, consumption, forecast, cover, status.")
    async def shared_stock(self, info: Info[Context, None]) -> VmiSharedStock | None:
        found = await loaders.shared_stock_by_agreement_id(info.context).load(self.pk)
        return VmiSharedStock.from_domain(found) if found else None


@strawberry.type(description="One line of a proposal: an agreement's part and the quantity proposed.")
class VmiProposalLine:
    line_no: int
    quantity: Decimal
    requested_date: date | None
    suggested_quantity: Decimal | None = strawberry.field(description="What the system suggested when drafted.")
    position_at_submit: Decimal | None = strawberry.field(description="The position the bounds were checked on.")
    max_quantity_at_submit: Decimal | None
    within_bounds: bool | None = strawberry.field(description="position + quantity ≤ max (set on submit).")
    agreement_id: strawberry.Private[int]
    part_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, x: m.VmiProposalLine) -> VmiProposalLine:
        return cls(
            line_no=x.line_no,
            quantity=tidy(x.quantity),
            requested_date=x.requested_date,
            suggested_quantity=_tidy(x.suggested_qty),
            position_at_submit=_tidy(x.position_qty),
            max_quantity_at_submit=_tidy(x.max_qty),
            within_bounds=x.within_bounds,
            agreement_id=x.agreement_id,
            part_id=x.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await related_part(info, self.part_id)

    @strawberry.field
    async def agreement(self, info: Info[Context, None]) -> VmiAgreement:
        found = await loaders.agreement_by_id(info.context).load(self.agreement_id)
        return VmiAgreement.from_model(found)


@strawberry.type(description="A supplier's replenishment proposal: draft → submitted → approved → ordered.")
class VmiProposal(Node):
    number: str
    status: ProposalStatus
    origin: ProposalOrigin
    approval: ApprovalKind | None
    comment: str | None = strawberry.field(description="The proposer's note.")
    decision_comment: str | None = strawberry.field(description="The buyer's (or the system's) note.")
    created_by: str
    created_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    agreement_id: strawberry.Private[int]
    purchase_order_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, p: m.VmiProposal) -> VmiProposal:
        return cls(
            id=to_global_id("VmiProposal", p.id),
            number=p.number,
            status=ProposalStatus(p.status),
            origin=ProposalOrigin(p.origin),
            approval=ApprovalKind(p.approval) if p.approval else None,
            comment=p.comment,
            decision_comment=p.decision_comment,
            created_by=p.created_by,
            created_at=p.created_at,
            submitted_by=p.submitted_by,
            submitted_at=p.submitted_at,
            decided_by=p.decided_by,
            decided_at=p.decided_at,
            pk=p.id,
            supplier_id=p.supplier_id,
            location_id=p.location_id,
            agreement_id=p.agreement_id,
            purchase_order_id=p.purchase_order_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await related_supplier(info, self.supplier_id)

    @strawberry.field(description="The site the goods go to.")
    async def location(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.location_id)

    @strawberry.field(description="The agreement it was drafted for.")
    async def agreement(self, info: Info[Context, None]) -> VmiAgreement:
        found = await loaders.agreement_by_id(info.context).load(self.agreement_id)
        return VmiAgreement.from_model(found)

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[VmiProposalLine]:
        found = await loaders.lines_by_proposal_id(info.context).load(self.pk)
        return [VmiProposalLine.from_model(x) for x in found]

    @strawberry.field(description="The purchase order it became (sent to the supplier).")
    async def purchase_order(self, info: Info[Context, None]) -> PurchaseOrder | None:
        if self.purchase_order_id is None:
            return None
        found = await purchasing_loaders.purchase_order_by_id(info.context).load(self.purchase_order_id)
        return PurchaseOrder.from_model(found) if found else None


@strawberry.type(description="One step of a delivery's timeline.")
class DeliveryEvent:
    stage: str = strawberry.field(description="shipped, in_transit, delivered, received, discrepancy or the carrier's.")
    occurred_at: datetime
    description: str | None
    location: str | None
    source: str = strawberry.field(description="notice, carrier, receiving or qc.")


@strawberry.type(description="Something that did not match: a held scan, a short close, a QC reject.")
class DeliveryDiscrepancy:
    kind: str
    occurred_at: datetime
    part_code: str | None
    quantity: Decimal | None
    message: str
    resolution: str | None


@strawberry.type(description="A ship notice's way from the supplier to the shelf.")
class DeliveryTimeline:
    stage: DeliveryStage
    late: bool = strawberry.field(description="Expected arrival passed and not received.")
    carrier: str | None
    tracking_number: str | None
    shipped_on: date | None
    expected_arrival: date | None
    shipped_quantity: Decimal
    received_quantity: Decimal
    has_discrepancies: bool
    events: list[DeliveryEvent]
    discrepancies: list[DeliveryDiscrepancy]
    notice: strawberry.Private[object]

    @classmethod
    def from_domain(cls, t: dd.DeliveryTimeline) -> DeliveryTimeline:
        n = t.notice
        return cls(
            stage=t.stage,
            late=t.late,
            carrier=n.carrier,
            tracking_number=n.tracking_number,
            shipped_on=n.shipped_on,
            expected_arrival=n.expected_arrival,
            shipped_quantity=tidy(t.shipped_qty),
            received_quantity=tidy(t.received_qty),
            has_discrepancies=t.has_discrepancies,
            events=[
                DeliveryEvent(
                    stage=e.stage,
                    occurred_at=e.occurred_at,
                    description=e.description,
                    location=e.location,
                    source=e.source,
                )
                for e in t.events
            ],
            discrepancies=[
                DeliveryDiscrepancy(
                    kind=d.kind,
                    occurred_at=d.occurred_at,
                    part_code=d.part_code,
                    quantity=_tidy(d.quantity),
                    message=d.message,
                    resolution=d.resolution,
                )
                for d in t.discrepancies
            ],
            notice=n,
        )

    @strawberry.field
    def ship_notice(self) -> ShipNotice:
        return ShipNotice.from_model(self.notice)  # type: ignore[arg-type]


@strawberry.type(description="A supplier's delivery and VMI figures over whole months.")
class SupplierScorecard:
    start_month: date
    end_month: date
    deliveries: int
    on_time_deliveries: int
    on_time_rate: Decimal | None
    fill_rate: Decimal | None
    reject_rate: Decimal | None
    average_lead_time_days: Decimal | None
    proposals_submitted: int
    proposals_auto_approved: int = strawberry.field(description="Within the agreement's bounds.")
    proposals_buyer_approved: int
    proposals_rejected: int
    auto_approval_rate: Decimal | None
    late_open_ship_notices: int = strawberry.field(description="Open notices past their expected arrival now.")
    months: list[SupplierPerformance]
    supplier_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, s: Scorecard) -> SupplierScorecard:
        return cls(
            start_month=s.start,
            end_month=s.end,
            deliveries=s.deliveries,
            on_time_deliveries=s.on_time_deliveries,
            on_time_rate=s.on_time_rate,
            fill_rate=s.fill_rate,
            reject_rate=s.reject_rate,
            average_lead_time_days=s.avg_lead_time_days,
            proposals_submitted=s.proposals_submitted,
            proposals_auto_approved=s.proposals_auto_approved,
            proposals_buyer_approved=s.proposals_buyer_approved,
            proposals_rejected=s.proposals_rejected,
            auto_approval_rate=s.auto_approval_rate,
            late_open_ship_notices=s.late_open_notices,
            months=[SupplierPerformance.from_domain(x) for x in s.months],
            supplier_id=s.supplier_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await related_supplier(info, self.supplier_id)


# --- inputs and payloads -------------------------------------------------------------------------


@strawberry.input
class CreateVmiAgreementInput:
    supplier_code: str
    part_code: str
    location_code: str = strawberry.field(description="A store or the warehouse.")
    mode: LevelMode = LevelMode.QUANTITY
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    min_days_of_cover: Decimal | None = None
    max_days_of_cover: Decimal | None = None
    review_cadence_days: int = 7
    consignment: bool = False
    consignment_unit_price: Decimal | None = None
    notes: str | None = None


@strawberry.type
class CreateVmiAgreementPayload:
    agreement: VmiAgreement | None
    errors: list[UserError]


@strawberry.input(description="Fields left out keep their value; switching the mode needs its two levels.")
class UpdateVmiAgreementInput:
    agreement_id: strawberry.ID
    mode: LevelMode | None = None
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    min_days_of_cover: Decimal | None = None
    max_days_of_cover: Decimal | None = None
    review_cadence_days: int | None = None
    consignment: bool | None = None
    consignment_unit_price: Decimal | None = None
    active: bool | None = None
    notes: str | None = None


@strawberry.type
class UpdateVmiAgreementPayload:
    agreement: VmiAgreement | None
    errors: list[UserError]


@strawberry.input
class DraftVmiProposalInput:
    agreement_id: strawberry.ID
    comment: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="A retry returns the same draft.")


@strawberry.type
class DraftVmiProposalPayload:
    proposal: VmiProposal | None
    created: bool = strawberry.field(description="False: the agreement's open proposal was returned.")
    errors: list[UserError]


@strawberry.input
class VmiProposalLineInput:
    agreement_id: strawberry.ID
    quantity: Decimal
    requested_date: date | None = None


@strawberry.input(description="`lines` replaces every line (leave it out to keep them).")
class UpdateVmiProposalInput:
    proposal_id: strawberry.ID
    lines: list[VmiProposalLineInput] | None = None
    comment: str | None = None


@strawberry.type
class UpdateVmiProposalPayload:
    proposal: VmiProposal | None
    errors: list[UserError]


@strawberry.input(description="Safe to retry: a submitted proposal answers with its outcome.")
class SubmitVmiProposalInput:
    proposal_id: strawberry.ID


@strawberry.type
class SubmitVmiProposalPayload:
    proposal: VmiProposal | None
    auto_approved: bool = strawberry.field(description="Within the bounds: already ordered.")
    replayed: bool = strawberry.field(description="It had been submitted before; nothing changed.")
    errors: list[UserError]


@strawberry.input
class DecideVmiProposalInput:
    proposal_id: strawberry.ID
    approve: bool
    comment: str | None = strawberry.field(default=None, description="Required to reject.")


@strawberry.type
class DecideVmiProposalPayload:
    proposal: VmiProposal | None
    errors: list[UserError]


@strawberry.input
class CancelVmiProposalInput:
    proposal_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class CancelVmiProposalPayload:
    proposal: VmiProposal | None
    errors: list[UserError]


@strawberry.input
class StartConsignmentReceivingInput:
    ship_notice: str = strawberry.field(description="The notice's SN- label or the supplier's number.")


@strawberry.type
class StartConsignmentReceivingPayload:
    receiving_session: ReceivingSession | None
    errors: list[UserError]
