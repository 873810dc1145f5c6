"""GraphQL types of transfers: orders, shipments, recommendations with their explanations, plans."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.org.types import Location
from api.graphql.related import related_location as load_location
from api.graphql.related import related_part as load_part
from api.graphql.relay import Node, to_global_id
from api.graphql.transfers.loaders import (
    rebalance_lanes_by_plan_id,
    transfer_lines_by_transfer_order_id,
    transfer_order_by_id,
    transfer_shipments_by_transfer_order_id,
)
from domain.quantities import tidy
from domain.stock.site_stock import SiteStock
from domain.transfers import optimize
from domain.transfers.models import RebalancePlan as PlanModel
from domain.transfers.models import TransferOrder as OrderModel
from domain.transfers.models import TransferShipment as ShipmentModel
from domain.transfers.models import TransferShipmentLine as ShipmentLineModel
from domain.transfers.queries import LineView
from domain.transfers.rebalancing import PlanLane
from domain.transfers.recommender import Recommendation


@strawberry.enum
class TransferStatus(Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@strawberry.enum
class ShipmentStatus(Enum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


@strawberry.type(description="A site that holds a part, seen from another site: stock, policy, distance.")
class SiteAvailability:
    on_hand: Decimal
    available: Decimal = strawberry.field(description="On hand minus reserved, summed over the site's bins.")
    safety_stock: Decimal
    usable: Decimal = strawberry.field(description="What the site can spare: available above its safety stock.")
    distance_km: Decimal | None
    site_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, s: SiteStock) -> SiteAvailability:
        return cls(
            on_hand=tidy(s.on_hand),
            available=tidy(s.available),
            safety_stock=tidy(s.safety_stock),
            usable=tidy(s.usable),
            distance_km=s.distance_km,
            site_id=s.site_id,
        )

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.site_id)


@strawberry.type(description="One line of a transfer order.")
class TransferLine:
    line_no: int
    quantity: Decimal
    reserved: Decimal = strawberry.field(description="Still reserved at the source for this line.")
    shipped: Decimal
    received: Decimal
    discrepancy: Decimal = strawberry.field(description="Shipped but not received (lost or damaged in transit).")
    part_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, line: LineView) -> TransferLine:
        return cls(
            line_no=line.line_no,
            quantity=tidy(line.quantity),
            reserved=tidy(line.reserved),
            shipped=tidy(line.shipped),
            received=tidy(line.received),
            discrepancy=tidy(line.discrepancy),
            part_id=line.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)


@strawberry.type(description="What one shipment carried of a part from one bin and lot, and what arrived.")
class TransferShipmentLine:
    lot_no: str
    quantity: Decimal
    unit_cost: Decimal
    received: Decimal
    discrepancy: Decimal
    part_id: strawberry.Private[int]
    from_location_id: strawberry.Private[int]

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)

    @strawberry.field
    async def from_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.from_location_id)


@strawberry.type(description="One shipment of a transfer: leaves the source into transit, is received once.")
class TransferShipment:
    shipment_no: int
    status: ShipmentStatus
    shipped_by: str
    shipped_at: datetime
    received_by: str | None
    received_at: datetime | None
    receive_note: str | None
    has_discrepancy: bool
    lines: list[TransferShipmentLine]

    @classmethod
    def from_model(cls, shipment: ShipmentModel, lines: list[ShipmentLineModel]) -> TransferShipment:
        return cls(
            shipment_no=shipment.shipment_no,
            status=ShipmentStatus(shipment.status),
            shipped_by=shipment.shipped_by,
            shipped_at=shipment.shipped_at,
            received_by=shipment.received_by,
            received_at=shipment.received_at,
            receive_note=shipment.receive_note,
            has_discrepancy=any(line.discrepancy > 0 for line in lines),
            lines=[
                TransferShipmentLine(
                    lot_no=line.lot_no,
                    quantity=tidy(line.quantity),
                    unit_cost=tidy(line.unit_cost),
                    received=tidy(line.received),
                    discrepancy=tidy(line.discrepancy),
                    part_id=line.part_id,
                    from_location_id=line.from_location_id,
                )
                for line in lines
            ],
        )


@strawberry.type(description="A request to move stock from one site to another, through approval and transit.")
class TransferOrder(Node):
    number: str
    status: TransferStatus
    emergency: bool
    reason: str | None
    shipping_closed: bool = strawberry.field(description="The source ships no more; the unshipped rest lapsed.")
    requested_by: str
    approved_by: str | None = strawberry.field(description="Who approved (or rejected) the request.")
    approved_at: datetime | None
    decision_note: str | None
    created_at: datetime
    pk: strawberry.Private[int]
    from_site_id: strawberry.Private[int]
    to_site_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: OrderModel) -> TransferOrder:
        return cls(
            id=to_global_id("TransferOrder", m.id),
            pk=m.id,
            number=m.number,
            status=TransferStatus(m.status),
            emergency=m.emergency,
            reason=m.reason,
            shipping_closed=m.shipping_closed,
            requested_by=m.requested_by,
            approved_by=m.approved_by,
            approved_at=m.approved_at,
            decision_note=m.decision_note,
            created_at=m.created_at,
            from_site_id=m.from_site_id,
            to_site_id=m.to_site_id,
        )

    @strawberry.field
    async def from_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.from_site_id)

    @strawberry.field
    async def to_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.to_site_id)

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[TransferLine]:
        return [
            TransferLine.from_domain(x) for x in await transfer_lines_by_transfer_order_id(info.context).load(self.pk)
        ]

    @strawberry.field
    async def shipments(self, info: Info[Context, None]) -> list[TransferShipment]:
        found = await transfer_shipments_by_transfer_order_id(info.context).load(self.pk)
        return [TransferShipment.from_model(shipment, lines) for shipment, lines in found]


# --- recommendations ------------------------------------------------------------------------------


@strawberry.enum
class TransferStrategy(Enum):
    CHEAPEST = "cheapest"
    FEWEST_SHIPMENTS = "fewest_shipments"
    FASTEST = "fastest"
    ALTERNATIVE = "alternative"


@strawberry.type(description="One fact behind a reason, as text (numbers in plain notation).")
class ExplanationFact:
    key: str
    value: str


@strawberry.type(description="A machine-readable reason with its sentence, for UIs that render or translate.")
class ExplanationReason:
    code: str = strawberry.field(description="strategy, source, cost, arrival or partial.")
    message: str
    facts: list[ExplanationFact]

    @classmethod
    def from_domain(cls, reason: optimize.Reason) -> ExplanationReason:
        def text(value: Any) -> str:
            return format(tidy(value), "f") if isinstance(value, Decimal) else str(value)

        return cls(
            code=reason.code,
            message=reason.message,
            facts=[ExplanationFact(key=k, value=text(v)) for k, v in reason.facts.items()],
        )


@strawberry.type(description="Why an option is what it is: a summary sentence and the reasons behind it.")
class Explanation:
    summary: str
    text: str = strawberry.field(description="Summary and every reason as one paragraph.")
    reasons: list[ExplanationReason]


@strawberry.type(description="The cost terms of an option (CNY); see docs/transfers.md for the model.")
class TransferCosts:
    transport: Decimal
    handling: Decimal
    depletion: Decimal = strawberry.field(description="Penalty for taking a source below its reorder point.")
    waiting: Decimal = strawberry.field(description="Units × days until the last leg arrives × waiting rate.")
    total: Decimal


@strawberry.type(description="One shipment of an option: how much from which site, at what cost, when.")
class TransferLeg:
    quantity: Decimal
    distance_km: Decimal
    source_kind: str = strawberry.field(description="store, or warehouse (ships on its daily run).")
    available: Decimal
    safety_stock: Decimal
    usable: Decimal
    transport_cost: Decimal
    handling_cost: Decimal
    depletion_cost: Decimal
    cost: Decimal
    arrival_hours: Decimal
    arrival_day: int = strawberry.field(description="0 today, 1 next day, ...")
    below_reorder_point: Decimal
    site_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, leg: optimize.TransferLeg, site_id: int) -> TransferLeg:
        return cls(
            quantity=tidy(leg.quantity),
            distance_km=tidy(leg.distance_km),
            source_kind=leg.source.kind.value,
            available=tidy(leg.source.available),
            safety_stock=tidy(leg.source.safety_stock),
            usable=tidy(leg.source.usable),
            transport_cost=leg.transport_cost,
            handling_cost=leg.handling_cost,
            depletion_cost=leg.depletion_cost,
            cost=leg.cost,
            arrival_hours=leg.arrival_hours,
            arrival_day=leg.arrival_day,
            below_reorder_point=tidy(leg.below_reorder_point),
            site_id=site_id,
        )

    @strawberry.field
    async def from_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.site_id)


@strawberry.type(description="A complete way of covering the need, ranked by total cost, then arrival.")
class TransferOption:
    rank: int
    legs: list[TransferLeg]
    quantity: Decimal
    partial: bool = strawberry.field(description="Not even all spare stock together covers the need.")
    shortfall: Decimal
    costs: TransferCosts
    total_cost: Decimal
    arrival_hours: Decimal = strawberry.field(description="When the last leg arrives.")
    arrival_day: int
    shipments: int
    strategies: list[TransferStrategy]
    explanation: Explanation

    @classmethod
    def from_domain(cls, option: optimize.TransferOption, site_ids: dict[str, int]) -> TransferOption:
        return cls(
            rank=option.rank,
            legs=[TransferLeg.from_domain(leg, site_ids[leg.source.location_code]) for leg in option.legs],
            quantity=tidy(option.quantity),
            partial=option.partial,
            shortfall=tidy(option.shortfall),
            costs=TransferCosts(
                transport=option.costs.transport,
                handling=option.costs.handling,
                depletion=option.costs.depletion,
                waiting=option.costs.waiting,
                total=option.costs.total,
            ),
            total_cost=option.total_cost,
            arrival_hours=option.arrival_hours,
            arrival_day=option.arrival_day,
            shipments=option.shipments,
            strategies=[TransferStrategy(s.value) for s in option.strategies],
            explanation=Explanation(
                summary=option.explanation.summary,
                text=option.explanation.text,
                reasons=[ExplanationReason.from_domain(r) for r in option.explanation.reasons],
            ),
        )


@strawberry.type(description="Ranked, explained options to bring a quantity of a part to a location.")
class TransferRecommendation:
    quantity: Decimal
    options: list[TransferOption]
    unreachable: list[SiteAvailability] = strawberry.field(
        description="Sites with spare stock that no option uses because their distance is unknown."
    )
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, found: Recommendation) -> TransferRecommendation:
        site_ids = {code: s.site_id for code, s in found.sources.items()}
        return cls(
            quantity=tidy(found.quantity),
            options=[TransferOption.from_domain(o, site_ids) for o in found.options],
            unreachable=[SiteAvailability.from_domain(s) for s in found.unreachable],
            part_id=found.part.id,
            location_id=found.destination.id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)

    @strawberry.field
    async def to_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.location_id)


# --- rebalance plans ------------------------------------------------------------------------------


@strawberry.enum
class RebalancePlanStatus(Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


@strawberry.enum
class ShortageTarget(Enum):
    REORDER_POINT = "reorder_point"
    MAX_STOCK = "max_stock"


@strawberry.enum
class ExcessReason(Enum):
    ABOVE_MAX = "above_max"
    DEAD_STOCK = "dead_stock"


@strawberry.type(description="One part on a planned lane.")
class RebalancePlanLine:
    id: strawberry.ID = strawberry.field(description="Pass to `excludeLineIds` to leave the line out.")
    quantity: Decimal
    cost_share: Decimal = strawberry.field(description="This line's share of the lane's cost.")
    reason: ExcessReason
    ordered_quantity: Decimal | None = strawberry.field(description="What its transfer order carries, once created.")
    excluded: bool
    part_id: strawberry.Private[int]

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)


@strawberry.type(description="Everything a plan sends from one site to another: one shipment, one transfer order.")
class RebalanceLane:
    distance_km: Decimal
    daily_run: bool = strawberry.field(description="Rides the warehouse's daily run (no per-shipment cost).")
    quantity: Decimal
    fixed_cost: Decimal
    variable_cost: Decimal
    total_cost: Decimal
    lines: list[RebalancePlanLine]
    from_site_id: strawberry.Private[int]
    to_site_id: strawberry.Private[int]
    transfer_order_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, planned: PlanLane) -> RebalanceLane:
        lane = planned.lane
        return cls(
            distance_km=tidy(lane.distance_km),
            daily_run=lane.daily_run,
            quantity=tidy(lane.quantity),
            fixed_cost=lane.fixed_cost,
            variable_cost=lane.variable_cost,
            total_cost=lane.total_cost,
            lines=[
                RebalancePlanLine(
                    id=to_global_id("RebalancePlanLine", line.id),
                    quantity=tidy(line.quantity),
                    cost_share=line.cost_share,
                    reason=ExcessReason(line.reason),
                    ordered_quantity=None if line.ordered_quantity is None else tidy(line.ordered_quantity),
                    excluded=line.excluded,
                    part_id=line.part_id,
                )
                for line in planned.lines
            ],
            from_site_id=lane.from_site_id,
            to_site_id=lane.to_site_id,
            transfer_order_id=lane.transfer_order_id,
        )

    @strawberry.field
    async def from_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.from_site_id)

    @strawberry.field
    async def to_location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.to_site_id)

    @strawberry.field
    async def transfer_order(self, info: Info[Context, None]) -> TransferOrder | None:
        if self.transfer_order_id is None:
            return None
        found = await transfer_order_by_id(info.context).load(self.transfer_order_id)
        return TransferOrder.from_model(found) if found else None


@strawberry.type(description="A shortage no surplus in scope could cover: buy it instead.")
class UnmetNeed:
    quantity: Decimal
    part_id: strawberry.Private[int]
    site_id: strawberry.Private[int]

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.site_id)


@strawberry.type(description="A proposed network plan: surplus to shortages at least transport cost, for review.")
class RebalancePlan(Node):
    number: str
    status: RebalancePlanStatus
    target: ShortageTarget
    dead_stock_days: int
    units_moved: Decimal
    unmet_need: Decimal
    total_cost: Decimal = strawberry.field(description="Transport and handling of every lane (CNY).")
    shipments: int
    solve_ms: int = strawberry.field(description="Milliseconds to read the network and solve it.")
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    unmet: list[UnmetNeed]
    pk: strawberry.Private[int]
    scope_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: PlanModel) -> RebalancePlan:
        return cls(
            id=to_global_id("RebalancePlan", m.id),
            pk=m.id,
            number=m.number,
            status=RebalancePlanStatus(m.status),
            target=ShortageTarget(m.target),
            dead_stock_days=m.dead_stock_days,
            units_moved=tidy(m.units_moved),
            unmet_need=tidy(m.unmet_need),
            total_cost=m.total_cost,
            shipments=m.shipments,
            solve_ms=m.solve_ms,
            created_by=m.created_by,
            created_at=m.created_at,
            reviewed_by=m.reviewed_by,
            reviewed_at=m.reviewed_at,
            unmet=[
                UnmetNeed(quantity=tidy(Decimal(u["quantity"])), part_id=u["part_id"], site_id=u["site_id"])
                for u in m.unmet
            ],
            scope_id=m.scope_id,
        )

    @strawberry.field
    async def scope(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.scope_id)

    @strawberry.field(description="Planned lanes, each with its parts.")
    async def lanes(self, info: Info[Context, None]) -> list[RebalanceLane]:
        return [RebalanceLane.from_domain(x) for x in await rebalance_lanes_by_plan_id(info.context).load(self.pk)]
