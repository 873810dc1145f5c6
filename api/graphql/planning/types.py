"""GraphQL types of planning: suggestions, forecasts, stocking levels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.catalog.loaders import part_by_id, supplier_by_id
from api.graphql.catalog.types import Part, Supplier
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.org.loaders import location_by_id
from api.graphql.org.types import Location
from api.graphql.relay import Node, to_global_id
from domain.catalog.models import PartLocationPolicy
from domain.planning import models as planning_models
from domain.quantities import tidy


@strawberry.enum(description="Urgency: red = already below safety stock, orange = within 3 days, yellow = within 7.")
class SuggestionPriority(Enum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    GREEN = "green"


@strawberry.enum
class SuggestionStatus(Enum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONVERTED = "converted"
    SUPERSEDED = "superseded"


@strawberry.enum(description="Where the stock should come from.")
class SuggestionSource(Enum):
    SUPPLIER = "supplier"
    TRANSFER = "transfer"


@strawberry.type(description="A replenishment suggestion from the daily planning run.")
class ReplenishmentSuggestion(Node):
    priority: SuggestionPriority
    stockout_probability: float = strawberry.field(
        description="P(stockout within the lead time) if nothing is ordered."
    )
    status: SuggestionStatus
    source: SuggestionSource
    quantity: Decimal
    on_hand: Decimal
    reserved: Decimal
    on_order: Decimal
    in_transit: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    max_stock: Decimal
    unit_cost: Decimal
    value: Decimal
    decided_by: str | None
    document_ref: str | None
    created_at: datetime
    pk: strawberry.Private[int]
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    supplier_id: strawberry.Private[int | None]
    transfer_from_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: planning_models.ReplenishmentSuggestion) -> ReplenishmentSuggestion:
        return cls(
            id=to_global_id("ReplenishmentSuggestion", m.id),
            pk=m.id,
            priority=SuggestionPriority(m.priority),
            stockout_probability=float(m.stockout_probability),
            status=SuggestionStatus(m.status),
            source=SuggestionSource(m.source),
            quantity=tidy(m.quantity),
            on_hand=tidy(m.on_hand),
            reserved=tidy(m.reserved),
            on_order=tidy(m.on_order),
            in_transit=tidy(m.in_transit),
            safety_stock=tidy(m.safety_stock),
            reorder_point=tidy(m.reorder_point),
            max_stock=tidy(m.max_stock),
            unit_cost=tidy(m.unit_cost),
            value=(m.quantity * m.unit_cost).quantize(Decimal("0.01")),
            decided_by=m.decided_by,
            document_ref=m.document_ref,
            created_at=m.created_at,
            part_id=m.part_id,
            location_id=m.location_id,
            supplier_id=m.supplier_id,
            transfer_from_id=m.transfer_from_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        found = await part_by_id(info.context).load(self.part_id)
        assert found is not None
        return Part.from_model(found)

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        found = await location_by_id(info.context).load(self.location_id)
        assert found is not None
        return Location.from_model(found)

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier | None:
        if self.supplier_id is None:
            return None
        found = await supplier_by_id(info.context).load(self.supplier_id)
        return Supplier.from_model(found) if found else None

    @strawberry.field(description="The location to transfer from when `source` is TRANSFER.")
    async def transfer_from(self, info: Info[Context, None]) -> Location | None:
        if self.transfer_from_id is None:
            return None
        found = await location_by_id(info.context).load(self.transfer_from_id)
        return Location.from_model(found) if found else None


@strawberry.type(description="Demand forecast of a part at a site from the latest planning run.")
class DemandForecast:
    daily_rate: Decimal
    monthly_rate: Decimal
    lead_time_days: Decimal
    lead_time_demand_mean: Decimal
    lead_time_demand_variance: Decimal
    demand_class: str = strawberry.field(description="smooth, erratic, intermittent, lumpy or no demand (ADI/CV²).")
    served_by_warehouse: bool = strawberry.field(description="Too sparse to stock here: the warehouse serves it.")

    @classmethod
    def from_model(cls, m: planning_models.DemandForecast) -> DemandForecast:
        return cls(
            daily_rate=tidy(m.daily_rate),
            monthly_rate=tidy((m.daily_rate * 30).quantize(Decimal("0.0001"))),
            lead_time_days=tidy(m.lead_time_days),
            lead_time_demand_mean=tidy(m.ltd_mean),
            lead_time_demand_variance=tidy(m.ltd_var),
            demand_class=m.demand_class,
            served_by_warehouse=m.routed,
        )


@strawberry.type(description="One change of stocking levels.")
class PolicyChange:
    safety_stock: Decimal
    reorder_point: Decimal
    max_stock: Decimal
    source: str
    changed_by: str
    changed_at: datetime

    @classmethod
    def from_model(cls, m: planning_models.PolicyHistory) -> PolicyChange:
        return cls(
            safety_stock=tidy(m.safety_stock),
            reorder_point=tidy(m.reorder_point),
            max_stock=tidy(m.max_stock),
            source=m.source,
            changed_by=m.changed_by,
            changed_at=m.changed_at,
        )


@strawberry.type(description="Stocking levels of a part at a site, with their history.")
class PlanningParameters:
    safety_stock: Decimal
    reorder_point: Decimal
    max_stock: Decimal
    source: str = strawberry.field(description="planning (set by the run), pinned (a buyer's override) or manual.")
    history: list[PolicyChange]

    @classmethod
    def build(cls, m: PartLocationPolicy, history: list[planning_models.PolicyHistory]) -> PlanningParameters:
        return cls(
            safety_stock=tidy(m.safety_stock),
            reorder_point=tidy(m.reorder_point),
            max_stock=tidy(m.max_stock),
            source=m.source,
            history=[PolicyChange.from_model(h) for h in history],
        )


@strawberry.input
class SuggestionFilter:
    priorities: list[SuggestionPriority] | None = None
    supplier_code: str | None = None
    location_code: str | None = None
    status: SuggestionStatus | None = SuggestionStatus.OPEN
    source: SuggestionSource | None = None


@strawberry.input
class SuggestionQuantity:
    id: strawberry.ID
    quantity: Decimal


@strawberry.input(description="Approve suggestions, optionally with edited quantities.")
class ApproveSuggestionsInput:
    ids: list[strawberry.ID]
    quantities: list[SuggestionQuantity] | None = None


@strawberry.input
class RejectSuggestionsInput:
    ids: list[strawberry.ID]


@strawberry.type
class SuggestionsPayload:
    suggestions: list[ReplenishmentSuggestion]
    errors: list[UserError]


@strawberry.input(description="Override the planned levels of a part at a site; the planning run keeps them.")
class PinPlanningParametersInput:
    part_code: str
    location_code: str
    safety_stock: Decimal
    reorder_point: Decimal
    max_stock: Decimal


@strawberry.type
class PinPlanningParametersPayload:
    parameters: PlanningParameters | None
    errors: list[UserError]


@strawberry.enum
class AccuracyGroup(Enum):
    PART = "part"
    LOCATION = "location"
    CLASS = "class"
    METHOD = "method"


@strawberry.type(description="Forecast accuracy of a group of series over the last months.")
class ForecastAccuracy:
    key: str
    series: int
    scored_series: int = strawberry.field(description="Series with a non-zero naive scale (MASE is defined).")
    mase: float | None
    rmsse: float | None
    bias: float | None = strawberry.field(description="Mean error in units; positive means over-forecasting.")
    scaled_bias: float | None
    mape: float | None = strawberry.field(description="Only where every actual is positive; see mapeNote.")
    mape_defined: bool
    mape_note: str | None
    worsening_series: int = strawberry.field(description="Series whose recent scaled error got significantly worse.")


@strawberry.input(description="Turn approved suggestions into purchase orders (by supplier) and transfers (by lane).")
class ConvertSuggestionsInput:
    ids: list[strawberry.ID]


@strawberry.type
class ConvertSuggestionsPayload:
    purchase_order_numbers: list[str]
    transfer_order_numbers: list[str]
    converted: int
    errors: list[UserError]
