"""GraphQL types of counting.

Blind counting: `CountTask` (what counters and their scanners read) carries no book quantity,
snapshot or variance. Those live on `CountVariance`, which only variance readers (store manager
and above, finance) can reach; the domain policy refuses everyone else."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.counting.loaders import (
    count_plan_by_id,
    count_progress_by_plan_id,
    count_task_by_id,
    count_variances_by_plan_id,
)
from api.graphql.org.types import Location
from api.graphql.related import related_location as _location
from api.graphql.related import related_part as _part
from api.graphql.relay import Node, to_global_id
from domain.counting import models
from domain.counting.reports import AccuracyPoint as AccuracyPointModel
from domain.counting.reports import CountReport as CountReportModel
from domain.quantities import tidy


# GraphQL copies of the domain enums (same values), as the other areas do.
@strawberry.enum(description="Cycle (ABC cadence), full or sample.")
class CountKind(Enum):
    CYCLE = "cycle"
    FULL = "full"
    SAMPLE = "sample"


@strawberry.enum
class CountPlanStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum
class CountTaskStatus(Enum):
    OPEN = "open"
    COUNTING = "counting"
    RECOUNT = "recount"
    COUNTED = "counted"
    CANCELLED = "cancelled"


@strawberry.enum
class CountVarianceStatus(Enum):
    PENDING = "pending"
    REVIEWED = "reviewed"
    APPROVED = "approved"


@strawberry.enum(description="Why the books were wrong.")
class VarianceReason(Enum):
    RECEIVING_ERROR = "receiving_error"
    UNRECORDED_ISSUE = "unrecorded_issue"
    THEFT_DAMAGE = "theft_damage"
    MISLABELLED = "mislabelled"
    UNKNOWN = "unknown"


@strawberry.enum
class AccuracyPeriod(Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


@strawberry.type(description="A-, B- and C-class cycle count intervals in months.")
class CadenceMonths:
    a: int
    b: int
    c: int


@strawberry.type(description="How many of a plan's tasks are in each state (within your scope).")
class CountProgress:
    total: int
    open: int
    counting: int
    recount: int
    counted: int
    cancelled: int


@strawberry.type(description="A count: cycle (ABC cadence), full (locations frozen until it closes) or sample.")
class CountPlan(Node):
    code: str
    kind: CountKind
    status: CountPlanStatus
    name: str
    due_on: date
    recount_pct: Decimal = strawberry.field(description="Recount when |variance| exceeds this share of the book.")
    recount_value: Decimal = strawberry.field(description="…or when the variance is worth more than this (CNY).")
    max_recounts: int
    sample_fraction: Decimal | None
    seed: int | None = strawberry.field(description="Seed of the random sample, so the draw can be reproduced.")
    cadence_months: CadenceMonths | None
    window_days: int | None
    assignees: list[str]
    created_by: str
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    pk: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CountPlan) -> CountPlan:
        cadence = m.cadence_months
        return cls(
            id=to_global_id("CountPlan", m.id),
            pk=m.id,
            code=m.code,
            kind=CountKind(m.kind),
            status=CountPlanStatus(m.status),
            name=m.name,
            due_on=m.due_on,
            recount_pct=tidy(m.recount_pct),
            recount_value=tidy(m.recount_value),
            max_recounts=m.max_recounts,
            sample_fraction=tidy(m.sample_fraction) if m.sample_fraction is not None else None,
            seed=m.seed,
            cadence_months=CadenceMonths(a=cadence["A"], b=cadence["B"], c=cadence["C"]) if cadence else None,
            window_days=m.window_days,
            assignees=list(m.assignees or []),
            created_by=m.created_by,
            created_at=m.created_at,
            closed_by=m.closed_by,
            closed_at=m.closed_at,
            location_id=m.location_id,
        )

    @strawberry.field(description="Root of the counted subtree.")
    async def location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.location_id)

    @strawberry.field
    async def progress(self, info: Info[Context, None]) -> CountProgress:
        counts = await count_progress_by_plan_id(info.context).load(self.pk)
        return CountProgress(total=sum(counts.values()), **{s.value: counts.get(s.value, 0) for s in models.TaskStatus})

    @strawberry.field(description="Variances of this plan (store manager and above, finance).")
    async def variances(
        self, info: Info[Context, None], status: CountVarianceStatus | None = None
    ) -> list[CountVariance]:
        key = (self.pk, models.VarianceStatus(status.value) if status else None)
        return [CountVariance.from_model(v) for v in await count_variances_by_plan_id(info.context).load(key)]


@strawberry.type(description="Count one part at one location. Blind: the book quantity is never shown.")
class CountTask(Node):
    assignee: str | None
    due_on: date
    status: CountTaskStatus
    attempts: int = strawberry.field(description="Counts recorded so far (2 after a recount).")
    started_at: datetime | None
    counted_quantity: Decimal | None = strawberry.field(description="The accepted count (what was counted).")
    counted_by: str | None
    counted_at: datetime | None
    pk: strawberry.Private[int]
    plan_id: strawberry.Private[int]
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CountTask) -> CountTask:
        return cls(
            id=to_global_id("CountTask", m.id),
            pk=m.id,
            plan_id=m.plan_id,
            part_id=m.part_id,
            location_id=m.location_id,
            assignee=m.assignee,
            due_on=m.due_on,
            status=CountTaskStatus(m.status),
            attempts=m.attempts,
            started_at=m.snapshot_at,
            counted_quantity=tidy(m.counted_qty) if m.counted_qty is not None else None,
            counted_by=m.counted_by,
            counted_at=m.counted_at,
        )

    @strawberry.field
    async def plan(self, info: Info[Context, None]) -> CountPlan:
        found = await count_plan_by_id(info.context).load(self.plan_id)
        assert found is not None
        return CountPlan.from_model(found)

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, self.part_id)

    @strawberry.field(description="The location or bin to count.")
    async def location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.location_id)


@strawberry.type(
    description="A final count that differed from the book: counted − (snapshot + net moves since the snapshot)."
)
class CountVariance(Node):
    quantity: Decimal = strawberry.field(description="Signed: a gain is positive, a loss negative.")
    unit_cost: Decimal = strawberry.field(description="Moving-average estimate until approved, then the ledger's.")
    value: Decimal = strawberry.field(description="Signed CNY value.")
    status: CountVarianceStatus
    reason: VarianceReason | None
    note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    pk: strawberry.Private[int]
    task_id: strawberry.Private[int]
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CountVariance) -> CountVariance:
        return cls(
            id=to_global_id("CountVariance", m.id),
            pk=m.id,
            task_id=m.task_id,
            part_id=m.part_id,
            location_id=m.location_id,
            quantity=tidy(m.quantity),
            unit_cost=tidy(m.unit_cost),
            value=m.value,
            status=CountVarianceStatus(m.status),
            reason=VarianceReason(m.reason_code) if m.reason_code else None,
            note=m.note,
            reviewed_by=m.reviewed_by,
            reviewed_at=m.reviewed_at,
            approved_by=m.approved_by,
            approved_at=m.approved_at,
        )

    async def _task(self, info: Info[Context, None]) -> models.CountTask:
        found = await count_task_by_id(info.context).load(self.task_id)
        assert found is not None
        return found

    @strawberry.field
    async def task(self, info: Info[Context, None]) -> CountTask:
        return CountTask.from_model(await self._task(info))

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, self.part_id)

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await _location(info, self.location_id)

    @strawberry.field(description="Book quantity when the task started.")
    async def snapshot_quantity(self, info: Info[Context, None]) -> Decimal:
        task = await self._task(info)
        return tidy(task.snapshot_qty or Decimal(0))

    @strawberry.field(description="Net ledger moves into (+) or out of (−) the location while it was being counted.")
    async def moves_during_count(self, info: Info[Context, None]) -> Decimal:
        task = await self._task(info)
        return tidy((task.expected_qty or Decimal(0)) - (task.snapshot_qty or Decimal(0)))

    @strawberry.field(description="Snapshot + moves during the count: what should have been found.")
    async def expected_quantity(self, info: Info[Context, None]) -> Decimal:
        return tidy((await self._task(info)).expected_qty or Decimal(0))

    @strawberry.field
    async def counted_quantity(self, info: Info[Context, None]) -> Decimal:
        return tidy((await self._task(info)).counted_qty or Decimal(0))


@strawberry.type
class ReasonBreakdown:
    reason: VarianceReason | None = strawberry.field(description="Null: not reviewed yet.")
    variances: int
    quantity: Decimal
    value: Decimal
    absolute_value: Decimal


@strawberry.type
class CounterBreakdown:
    counter: str
    counted: int
    within_tolerance: int
    accuracy: Decimal | None
    recounts: int
    absolute_value: Decimal = strawberry.field(description="CNY value of this counter's variances, unsigned.")


@strawberry.type(description="Accuracy and variances of one plan (within your scope).")
class CountReport:
    tasks: int
    counted: int
    cancelled: int
    within_tolerance: int
    accuracy: Decimal | None = strawberry.field(description="Share of counted SKU-locations within tolerance.")
    recounts: int
    gain_quantity: Decimal
    loss_quantity: Decimal
    net_value: Decimal
    absolute_value: Decimal
    approved_value: Decimal
    by_reason: list[ReasonBreakdown]
    by_counter: list[CounterBreakdown]
    plan_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, r: CountReportModel) -> CountReport:
        return cls(
            plan_id=r.plan_id,
            tasks=r.tasks,
            counted=r.counted,
            cancelled=r.cancelled,
            within_tolerance=r.within_tolerance,
            accuracy=r.accuracy,
            recounts=r.recounts,
            gain_quantity=tidy(r.gain_quantity),
            loss_quantity=tidy(r.loss_quantity),
            net_value=r.net_value,
            absolute_value=r.absolute_value,
            approved_value=r.approved_value,
            by_reason=[
                ReasonBreakdown(
                    reason=VarianceReason(line.reason) if line.reason else None,
                    variances=line.variances,
                    quantity=tidy(line.quantity),
                    value=line.value,
                    absolute_value=line.absolute_value,
                )
                for line in r.by_reason
            ],
            by_counter=[
                CounterBreakdown(
                    counter=line.counter,
                    counted=line.counted,
                    within_tolerance=line.within_tolerance,
                    accuracy=line.accuracy,
                    recounts=line.recounts,
                    absolute_value=line.absolute_value,
                )
                for line in r.by_counter
            ],
        )

    @strawberry.field
    async def plan(self, info: Info[Context, None]) -> CountPlan:
        found = await count_plan_by_id(info.context).load(self.plan_id)
        assert found is not None
        return CountPlan.from_model(found)


@strawberry.type(description="Inventory accuracy of one period: share of SKU-locations counted within tolerance.")
class AccuracyPoint:
    period_start: date
    counted: int
    within_tolerance: int
    accuracy: Decimal | None = strawberry.field(description="Null when nothing was counted in the period.")

    @classmethod
    def from_domain(cls, p: AccuracyPointModel) -> AccuracyPoint:
        return cls(
            period_start=p.period_start, counted=p.counted, within_tolerance=p.within_tolerance, accuracy=p.accuracy
        )
