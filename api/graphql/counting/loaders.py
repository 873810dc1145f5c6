"""DataLoaders of counting: a page of tasks or plans costs one query per relation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.counting import adjustments, queries
from domain.counting.models import CountPlan, CountTask, CountVariance, VarianceStatus

VarianceKey = tuple[int, VarianceStatus | None]


async def _plans(ctx: Context, ids: Sequence[int]) -> list[CountPlan | None]:
    async with ctx.read() as session:
        found = await queries.plans_by_ids(session, ids)
    return [found.get(i) for i in ids]


async def _tasks(ctx: Context, ids: Sequence[int]) -> list[CountTask | None]:
    async with ctx.read() as session:
        found = await queries.tasks_by_ids(session, ctx.principal, ids)
    return [found.get(i) for i in ids]


async def _progress(ctx: Context, ids: Sequence[int]) -> list[dict[str, int]]:
    async with ctx.read() as session:
        found = await queries.progress_for_plans(session, ctx.principal, ids)
    return [found.get(i, {}) for i in ids]


async def _variances(ctx: Context, keys: Sequence[VarianceKey]) -> list[list[CountVariance]]:
    by_status: dict[VarianceStatus | None, list[int]] = defaultdict(list)
    for plan_id, status in keys:
        by_status[status].append(plan_id)
    found: dict[VarianceKey, list[CountVariance]] = {}
    async with ctx.read() as session:
        for status, plan_ids in by_status.items():
            rows = await adjustments.variances_for_plans(session, ctx.principal, plan_ids, status)
            for plan_id in plan_ids:
                found[(plan_id, status)] = rows.get(plan_id, [])
    return [found[key] for key in keys]


def count_plan_by_id(ctx: Context) -> DataLoader[int, CountPlan | None]:
    return ctx.loader("CountPlanByIdLoader", _plans)


def count_task_by_id(ctx: Context) -> DataLoader[int, CountTask | None]:
    return ctx.loader("CountTaskByIdLoader", _tasks)


def count_progress_by_plan_id(ctx: Context) -> DataLoader[int, dict[str, int]]:
    return ctx.loader("CountProgressByPlanIdLoader", _progress)


def count_variances_by_plan_id(ctx: Context) -> DataLoader[VarianceKey, list[CountVariance]]:
    return ctx.loader("CountVariancesByPlanIdLoader", _variances)
