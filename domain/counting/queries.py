"""Reads of plans and tasks for transports (GraphQL lists, DataLoaders), within the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting.models import CountKind, CountPlan, CountTask, PlanStatus, TaskStatus
from domain.counting.scope import path_in, plan_scope_sql, plan_visible, visible_location
from domain.org.models import Location
from domain.principal import Principal


async def list_plans(
    session: AsyncSession,
    principal: Principal,
    *,
    status: PlanStatus | None = None,
    kind: CountKind | None = None,
    first: int,
    after_id: int | None = None,
) -> tuple[list[CountPlan], bool]:
    """Newest first; plans whose subtree overlaps the principal's scope."""
    scope_sql, params = plan_scope_sql(principal)
    sql = "SELECT p.id FROM count_plan p JOIN location l ON l.id = p.location_id WHERE TRUE" + scope_sql
    if status is not None:
        sql += " AND p.status = :status"
        params["status"] = status.value
    if kind is not None:
        sql += " AND p.kind = :kind"
        params["kind"] = kind.value
    if after_id is not None:
        sql += " AND p.id < :after"
        params["after"] = after_id
    sql += " ORDER BY p.id DESC LIMIT :limit"
    params["limit"] = first + 1
    ids = list((await session.execute(text(sql), params)).scalars())
    found = await plans_by_ids(session, ids[:first])
    return [found[i] for i in ids[:first]], len(ids) > first


async def plans_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CountPlan]:
    rows = await session.execute(select(CountPlan).where(CountPlan.id.in_(list(ids))))
    return {p.id: p for p in rows.scalars()}


async def plan_by_id(session: AsyncSession, principal: Principal, plan_id: int) -> CountPlan | None:
    row = (
        await session.execute(
            select(CountPlan, Location.path)
            .join(Location, Location.id == CountPlan.location_id)
            .where(CountPlan.id == plan_id)
        )
    ).one_or_none()
    return row[0] if row is not None and plan_visible(principal, row[1]) else None


@dataclass(frozen=True)
class TaskFilter:
    plan_id: int | None = None
    assignee: str | None = None
    location_code: str | None = None
    statuses: Sequence[TaskStatus] = ()


async def list_tasks(
    session: AsyncSession, principal: Principal, flt: TaskFilter, *, first: int, after_id: int | None = None
) -> tuple[list[CountTask], bool]:
    """Tasks in walk order (they are created in location, part order) within the caller's scope."""
    stmt = select(CountTask).join(Location, Location.id == CountTask.location_id)
    if principal.location_paths is not None:
        stmt = stmt.where(or_(false(), *[path_in(root) for root in principal.location_paths]))
    if flt.plan_id is not None:
        stmt = stmt.where(CountTask.plan_id == flt.plan_id)
    if flt.assignee is not None:
        stmt = stmt.where(CountTask.assignee == flt.assignee.strip())
    if flt.location_code:
        loc = await visible_location(session, principal, flt.location_code, "locationCode")
        stmt = stmt.where(path_in(loc.path))
    if flt.statuses:
        stmt = stmt.where(CountTask.status.in_([s.value for s in flt.statuses]))
    if after_id is not None:
        stmt = stmt.where(CountTask.id > after_id)
    rows = list((await session.execute(stmt.order_by(CountTask.id).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def tasks_by_ids(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> dict[int, CountTask]:
    rows = await session.execute(
        select(CountTask, Location.path)
        .join(Location, Location.id == CountTask.location_id)
        .where(CountTask.id.in_(list(ids)))
    )
    return {task.id: task for task, path in rows.tuples() if principal.sees_path(path)}


async def progress_for_plans(
    session: AsyncSession, principal: Principal, plan_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Task counts per status for each plan, inside the caller's scope (no book figures)."""
    stmt = (
        select(CountTask.plan_id, CountTask.status, func.count())
        .join(Location, Location.id == CountTask.location_id)
        .where(CountTask.plan_id.in_(list(plan_ids)))
        .group_by(CountTask.plan_id, CountTask.status)
    )
    if principal.location_paths is not None:
        stmt = stmt.where(or_(false(), *[path_in(root) for root in principal.location_paths]))
    found: dict[int, dict[str, int]] = {i: {} for i in plan_ids}
    for plan_id, status, n in (await session.execute(stmt)).tuples():
        found[plan_id][status] = n
    return found
