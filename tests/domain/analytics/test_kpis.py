"""The dashboard on the small seeded company: every KPI, its previous-period value, the live
fallback before any snapshot, and location scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.analytics import kpis, snapshots
from domain.analytics.settings import business_today
from domain.errors import DomainError
from tests.domain.alerts.helpers import age_stock, demand, ids, move, set_policy, user

NORTH = ("S-BJ01", "S-BJ02", "S-BJ03", "S-TJ01")


async def _scenario(sessions) -> None:  # type: ignore[no-untyped-def]
    today = business_today()
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")  # nothing there: a stockout
    await set_policy(sessions, "BRK-0001-A", "S-BJ02", "20", "25", "40")  # 15 available: low, not out
    await move(sessions, "FLT-0001-C", "V-SUPPLIER", "S-BJ01", "10", cost="25")  # receipt: 250.00
    await move(sessions, "FLT-0001-C", "S-BJ01", "V-WORKSHOP", "5")  # issue at the new average 27.50
    await age_stock(sessions, "BRK-0002-A", "S-BJ01", 200)  # 10 ceramic pads @ 260, idle 200 days
    for days_ago, quantity, filled in ((2, "2", "2"), (2, "1", "1"), (5, "3", "3"), (5, "4", "1"), (40, "1", "1"),
                                       (41, "2", "2")):  # fmt: skip
        await demand(sessions, "FLT-0001-C", "S-BJ01", today - timedelta(days=days_ago), quantity, filled)
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        plan = (
            await s.execute(
                text(
                    "INSERT INTO count_plan (code, kind, status, name, location_id, due_on, recount_pct, "
                    "recount_value, max_recounts, assignees, created_by) "
                    "VALUES ('CP-K', 'cycle', 'open', 'k', :l, current_date, 0.02, 100, 1, '{}', 'test') RETURNING id"
                ),
                {"l": found["S-BJ01"]},
            )
        ).scalar_one()
        for part, status, ok in (("FLT-0001-C", "counted", True), ("BCL-0001-B", "open", None)):
            await s.execute(
                text(
                    "INSERT INTO count_task (plan_id, part_id, location_id, due_on, status, attempts, "
                    "within_tolerance, counted_at) VALUES (:plan, :p, :l, :due, :st, 1, CAST(:ok AS boolean), "
                    "CASE WHEN CAST(:ok AS boolean) IS NULL THEN NULL ELSE now() END)"
                ),
                {
                    "plan": plan,
                    "p": found[part],
                    "l": found["S-BJ01"],
                    "due": today - timedelta(days=1),
                    "st": status,
                    "ok": ok,
                },
            )
        # What a refresh 30 days ago recorded for the northern stores (the trend baseline).
        for code, value, stockouts in zip(NORTH, ("6000", "2500", "5000", "9000"), (3, 0, 0, 0), strict=True):
            await s.execute(
                text(
                    "INSERT INTO kpi_site_day (day, site_id, state_at, inventory_value, stocked_skus, stockout_skus, "
                    "dead_stock_skus, dead_stock_value, overstock_skus) "
                    "VALUES (:d, :s, now() - interval '30 days', :v, 1, :so, 0, 0, 0)"
                ),
                {"d": today - timedelta(days=30), "s": found[code], "v": Decimal(value), "so": stockouts},
            )


async def test_dashboard_of_the_north_region(sessions) -> None:
    await _scenario(sessions)
    regional = await user(sessions, "regional.north")
    async with sessions() as s:
        live = await kpis.dashboard(s, regional)  # no refresh yet today: computed now
    assert live.refreshed_at is None and live.stockout_skus.value == 1
    async with sessions() as s, s.begin():
        assert await snapshots.refresh_today(s) == 6
        await snapshots.finalise_days(s, start=business_today() - timedelta(days=70))
    async with sessions() as s:
        d = await kpis.dashboard(s, regional)

    assert len(d.site_ids) == 4 and d.refreshed_at is not None
    # 10 pads 2,600 + coolant 1,478.75 + 55 filters at 27.50 at BJ01; 2,700 + 5,400 + 9,000 elsewhere.
    assert d.inventory_value.value == Decimal("22691.25") and d.inventory_value.previous == Decimal("22500.00")
    assert d.inventory_value.trend == "up" and d.inventory_value.change_pct == Decimal("0.8")
    assert (d.stockout_skus.value, d.stockout_skus.previous, d.stockout_skus.trend) == (1, 3, "down")
    assert (d.dead_stock_skus.value, d.dead_stock_value.value) == (1, Decimal("2600.00"))
    assert (d.receipts_today.value, d.receipts_today_value.value) == (1, Decimal("250.00"))
    assert (d.issues_today.value, d.issues_today_value.value) == (1, Decimal("137.50"))
    assert d.receipts_today.previous == 0  # yesterday up to the same time
    # 3 of 4 demand lines served in full this period; 2 of 2 the period before.
    assert (d.fill_rate.value, d.fill_rate.previous) == (Decimal("0.7500"), Decimal("1.0000"))
    # Issued 137.50 in 30 days, annualised, over the average daily value: past days' values are
    # rolled back through the moves (everything arrived today except the 2,600 of idle pads).
    average = (Decimal("22691.25") + 29 * Decimal("2600")) / 30
    assert d.turnover.value == (Decimal("137.50") * 365 / 30 / average).quantize(Decimal("0.01"))
    assert (d.count_completion.value, d.inventory_accuracy.value) == (Decimal("0.5000"), Decimal("1.0000"))
    assert d.pending.total.value == 0 and d.pending.count_variances == 0


async def test_scope_and_permission(sessions) -> None:
    await _scenario(sessions)
    async with sessions() as s, s.begin():
        await snapshots.refresh_today(s)
    hq, regional, manager = [await user(sessions, n) for n in ("hq.ops", "regional.north", "manager.bj01")]
    async with sessions() as s:
        assert len((await kpis.dashboard(s, hq)).site_ids) == 6  # 5 stores and the warehouse
        one = await kpis.dashboard(s, regional, location_code="S-BJ01")
        assert one.site_ids == [(await ids(sessions))["S-BJ01"]] and one.inventory_value.value == Decimal("5591.25")
        with pytest.raises(DomainError) as outside:
            await kpis.dashboard(s, regional, location_code="S-SH01")
        assert outside.value.code == "UNKNOWN_LOCATION"
        with pytest.raises(DomainError) as forbidden:
            await kpis.dashboard(s, manager)  # store managers have no analytics.read
        assert forbidden.value.code == "FORBIDDEN"


async def test_snapshot_jobs_are_idempotent(sessions) -> None:
    await _scenario(sessions)
    today = business_today()
    for _ in range(2):
        async with sessions() as s, s.begin():
            await snapshots.refresh_today(s)
            await snapshots.finalise_days(s, start=today - timedelta(days=10))
    async with sessions() as s:
        count, lines = (
            await s.execute(
                text("SELECT count(*), sum(demand_lines) FROM kpi_site_day WHERE day > :d"),
                {"d": today - timedelta(days=11)},
            )
        ).one()
    assert count == 6 * 11 and lines == 4
