"""The weekly count schedule creates each site's plans once per week."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from domain.counting.autoplan import schedule_weekly_counts
from domain.principal import Principal

SYSTEM = Principal.system("jobs")
MONDAY = date(2026, 11, 23)


async def test_weekly_schedule_is_idempotent(sessions) -> None:
    async with sessions() as s, s.begin():
        first = await schedule_weekly_counts(s, SYSTEM, MONDAY)
    assert first.created, first
    async with sessions() as s, s.begin():
        again = await schedule_weekly_counts(s, SYSTEM, MONDAY)
    assert again.created == [] and again.skipped == len(first.created)
    async with sessions() as s:
        kinds = set((await s.execute(text("SELECT kind FROM count_plan"))).scalars())
    assert kinds <= {"cycle", "sample"} and "sample" in kinds
