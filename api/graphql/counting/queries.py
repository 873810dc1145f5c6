"""Counting queries: plans, the task list a scanner walks, reports and the accuracy KPI."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.counting.types import (
    AccuracyPeriod,
    AccuracyPoint,
    CountKind,
    CountPlan,
    CountPlanStatus,
    CountReport,
    CountTask,
    CountTaskStatus,
    CountVariance,
)
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, pk_or_none
from domain.counting import adjustments, queries, reports
from domain.counting.models import CountKind as CountKindModel
from domain.counting.models import PlanStatus, TaskStatus
from domain.errors import DomainError

COUNTING_NODE_TYPES = frozenset({"CountPlan", "CountTask", "CountVariance"})


async def counting_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`Query.node` for counting types; null when not visible (variances: not allowed to see)."""
    principal = info.context.principal
    async with info.context.read() as session:
        if type_name == "CountPlan":
            plan = await queries.plan_by_id(session, principal, pk)
            return CountPlan.from_model(plan) if plan else None
        if type_name == "CountTask":
            task = (await queries.tasks_by_ids(session, principal, [pk])).get(pk)
            return CountTask.from_model(task) if task else None
        if type_name == "CountVariance":
            try:
                variance = await adjustments.variance_by_id(session, principal, pk)
            except DomainError:
                return None
            return CountVariance.from_model(variance) if variance else None
    return None


@strawberry.type
class CountingQueries:
    @strawberry.field(description="Count plans overlapping your scope, newest first.")
    async def count_plans(
        self,
        info: Info[Context, None],
        status: CountPlanStatus | None = None,
        kind: CountKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CountPlan]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            plans, has_next = await queries.list_plans(
                session,
                info.context.principal,
                status=PlanStatus(status.value) if status else None,
                kind=CountKindModel(kind.value) if kind else None,
                first=size,
                after_id=int_cursor(after),
            )
        return connection([CountPlan.from_model(p) for p in plans], [str(p.id) for p in plans], has_next, after)

    @strawberry.field(description="A count plan by its ID.")
    async def count_plan(self, info: Info[Context, None], id: strawberry.ID) -> CountPlan | None:
        pk = pk_or_none(id, "CountPlan")
        if pk is None:
            return None
        async with info.context.read() as session:
            plan = await queries.plan_by_id(session, info.context.principal, pk)
        return CountPlan.from_model(plan) if plan else None

    @strawberry.field(
        description="Count tasks in walk order, for the mobile client: `mine` lists the caller's own tasks. "
        "Blind: no book quantities."
    )
    async def count_tasks(
        self,
        info: Info[Context, None],
        plan_id: strawberry.ID | None = None,
        assignee: str | None = None,
        mine: bool = False,
        location_code: str | None = None,
        status: list[CountTaskStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CountTask]:
        size = page_size(first, info.context.settings.max_page_size)
        plan_pk = None
        if plan_id is not None:
            plan_pk = pk_or_none(plan_id, "CountPlan")
            if plan_pk is None:
                raise PublicError("`planId` is not a CountPlan id")
        flt = queries.TaskFilter(
            plan_id=plan_pk,
            assignee=info.context.principal.name if mine else assignee,
            location_code=location_code,
            statuses=[TaskStatus(s.value) for s in status or []],
        )
        async with info.context.read() as session:
            tasks, has_next = await queries.list_tasks(
                session, info.context.principal, flt, first=size, after_id=int_cursor(after)
            )
        return connection([CountTask.from_model(t) for t in tasks], [str(t.id) for t in tasks], has_next, after)

    @strawberry.field(description="Accuracy, variances by reason and by counter of one plan.")
    async def count_report(self, info: Info[Context, None], plan_id: strawberry.ID) -> CountReport | None:
        pk = pk_or_none(plan_id, "CountPlan")
        if pk is None:
            return None
        async with info.context.read() as session:
            report = await reports.plan_report(session, info.context.principal, pk)
        return CountReport.from_domain(report) if report else None

    @strawberry.field(description="Inventory accuracy per period (a KPI): share of counted SKU-locations in tolerance.")
    async def inventory_accuracy(
        self,
        info: Info[Context, None],
        start: date,
        end: date,
        period: AccuracyPeriod = AccuracyPeriod.MONTH,
        location_code: str | None = None,
    ) -> list[AccuracyPoint]:
        async with info.context.read() as session:
            points = await reports.inventory_accuracy(
                session,
                info.context.principal,
                start=start,
                end=end,
                period=reports.Period(period.value),
                location_code=location_code,
            )
        return [AccuracyPoint.from_domain(p) for p in points]
