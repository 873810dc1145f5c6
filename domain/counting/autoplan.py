"""The weekly count schedule: every store and warehouse gets a cycle count of what falls due by
ABC cadence and a random sample count, once per ISO week. Run by the job queue; safe to run twice
(a site that already has this week's plan of a kind is skipped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting.models import CountKind, CountPlan
from domain.counting.service import CreatePlanCommand, create_plan
from domain.errors import DomainError
from domain.org.models import Location
from domain.principal import Principal


@dataclass
class ScheduleResult:
    created: list[str] = field(default_factory=list)
    skipped: int = 0
    empty: list[str] = field(default_factory=list)


async def schedule_weekly_counts(
    session: AsyncSession,
    principal: Principal,
    today: date,
    kinds: tuple[CountKind, ...] = (CountKind.CYCLE, CountKind.SAMPLE),
) -> ScheduleResult:
    week_start = today - timedelta(days=today.weekday())
    sites = (
        await session.execute(
            select(Location).where(Location.kind.in_(("store", "warehouse")), Location.active).order_by(Location.code)
        )
    ).scalars()
    result = ScheduleResult()
    for site in list(sites):
        for kind in kinds:
            exists = (
                await session.execute(
                    select(CountPlan.id).where(
                        CountPlan.location_id == site.id,
                        CountPlan.kind == kind.value,
                        CountPlan.created_at >= week_start,
                    )
                )
            ).first()
            if exists:
                result.skipped += 1
                continue
            try:
                async with session.begin_nested():
                    plan = await create_plan(
                        session,
                        principal,
                        CreatePlanCommand(
                            kind=kind,
                            location_code=site.code,
                            name=f"{kind.value} count {site.code} week {today.isocalendar().week}",
                            as_of=today,
                        ),
                    )
                result.created.append(plan.code)
            except DomainError:
                # Nothing due (or nothing stocked) at this site this week.
                result.empty.append(f"{kind.value}:{site.code}")
    return result
