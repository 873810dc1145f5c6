"""Inputs and payloads of the counting mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.graphql.counting.types import CountKind, CountPlan, CountTask, CountVariance, VarianceReason
from api.graphql.errors import UserError
from api.graphql.stock.types import StockMove


@strawberry.input
class CadenceMonthsInput:
    a: int | None = None
    b: int | None = None
    c: int | None = None


@strawberry.input(description="Plan a count of a location subtree; tasks are created and assigned at once.")
class CreateCountPlanInput:
    kind: CountKind
    location_code: str = strawberry.field(description="Store, warehouse, zone or bin whose subtree is counted.")
    name: str | None = None
    due_on: date | None = None
    assignees: list[str] | None = strawberry.field(
        default=None, description="Counters' login names; tasks are split among them in walk order."
    )
    recount_pct: Decimal | None = strawberry.field(default=None, description="Default 0.05 (5 %).")
    recount_value: Decimal | None = strawberry.field(default=None, description="Default CNY 500.")
    max_recounts: int | None = strawberry.field(default=None, description="Default 1.")
    sample_fraction: Decimal | None = strawberry.field(default=None, description="Sample counts; default 0.05.")
    seed: int | None = strawberry.field(default=None, description="Sample counts; random when omitted.")
    cadence_months: CadenceMonthsInput | None = strawberry.field(
        default=None, description="Cycle counts; default A 1, B 3, C 6 months."
    )
    window_days: int | None = strawberry.field(default=None, description="Cycle counts: what falls due; default 7.")


@strawberry.type
class CreateCountPlanPayload:
    plan: CountPlan | None
    errors: list[UserError]


@strawberry.input
class StartCountTaskInput:
    task_id: strawberry.ID


@strawberry.type
class StartCountTaskPayload:
    task: CountTask | None
    errors: list[UserError]


@strawberry.input(description="One scan: the bin, the part's barcode (or code) and the quantity found.")
class RecordCountInput:
    plan_id: strawberry.ID
    location_code: str
    part_scan: str = strawberry.field(description="The part's barcode, or its code.")
    quantity: Decimal
    idempotency_key: str = strawberry.field(description="Retries with the same key return the first answer.")


@strawberry.type
class RecordCountPayload:
    task: CountTask | None
    recount_required: bool = strawberry.field(description="The count was outside tolerance: count again.")
    replayed: bool
    errors: list[UserError]


@strawberry.input
class ReviewVarianceInput:
    variance_id: strawberry.ID
    reason: VarianceReason
    note: str | None = None


@strawberry.type
class ReviewVariancePayload:
    variance: CountVariance | None
    errors: list[UserError]


@strawberry.input(description="Approve reviewed variances and post their adjustments against V-ADJUSTMENT.")
class ApproveAdjustmentsInput:
    plan_id: strawberry.ID
    variance_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Omit to approve every reviewed variance of the plan within your scope."
    )


@strawberry.type
class ApproveAdjustmentsPayload:
    approved: list[CountVariance]
    already_approved: list[CountVariance]
    moves: list[StockMove]
    errors: list[UserError]


@strawberry.input
class CloseCountPlanInput:
    plan_id: strawberry.ID


@strawberry.type
class CloseCountPlanPayload:
    plan: CountPlan | None
    errors: list[UserError]
