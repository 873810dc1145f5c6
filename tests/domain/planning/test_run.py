"""The daily planning run on the seed company, with demand history written for it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.planning import service
from domain.planning.run import run_planning
from domain.principal import Principal, PrincipalKind, Role

TODAY = date(2026, 6, 1)
SYSTEM = Principal.system("test")


async def _history(sessions) -> None:
    """Brake pads sell ~2 a day in Beijing 1 (which has none); filters rarely anywhere."""
    async with sessions() as s, s.begin():
        ids = dict((await s.execute(text("SELECT code, id FROM location"))).all())
        parts = dict((await s.execute(text("SELECT code, id FROM part"))).all())
        rows = []
        for d in range(365):
            day = TODAY - timedelta(days=365 - d)
            rows.append((parts["BRK-0001-A"], ids["S-BJ01"], day, 2))
            if d % 3 == 0:
                rows.append((parts["BRK-0001-A"], ids["S-BJ02"], day, 1))
            if d % 60 == 0:
                rows.append((parts["FLT-0001-C"], ids["S-BJ01"], day, 1))
        await s.execute(
            text(
                "INSERT INTO demand_event (part_id, location_id, occurred_on, quantity, filled, source) "
                "VALUES (:p, :l, :d, :q, :q, 'history')"
            ),
            [{"p": p, "l": loc, "d": day, "q": q} for p, loc, day, q in rows],
        )


async def _run(sessions):
    async with sessions() as s, s.begin():
        return await run_planning(s, SYSTEM, today=TODAY)


async def test_run_writes_forecasts_levels_and_ranked_suggestions(sessions) -> None:
    await _history(sessions)
    summary = await _run(sessions)
    assert summary.series == 4 * 6  # 4 parts × (5 stores + warehouse)
    async with sessions() as s:
        forecast = (
            await s.execute(
                text(
                    "SELECT f.daily_rate, f.demand_class FROM demand_forecast f JOIN part p ON p.id = f.part_id "
                    "JOIN location l ON l.id = f.location_id WHERE p.code = 'BRK-0001-A' AND l.code = 'S-BJ01'"
                )
            )
        ).one()
        assert Decimal("1.5") < forecast.daily_rate < Decimal("2.5")
        assert forecast.demand_class == "smooth"
        levels = (
            await s.execute(
                text(
                    "SELECT safety_stock, reorder_point, max_stock, source FROM part_location_policy pl "
                    "JOIN part p ON p.id = pl.part_id JOIN location l ON l.id = pl.location_id "
                    "WHERE p.code = 'BRK-0001-A' AND l.code = 'S-BJ01'"
                )
            )
        ).one()
        assert levels.source == "planning" and 0 < levels.safety_stock <= levels.reorder_point <= levels.max_stock
        page, _, total = await service.list_suggestions(s, SYSTEM, service.SuggestionFilter(), first=50, after=None)
    assert total == summary.suggestions >= 1
    top = page[0]
    assert top.priority == "red"  # nothing on hand, demand every day
    assert top.quantity > 0 and top.stockout_probability > Decimal("0.9")
    ranks = [(r.priority_rank, -r.stockout_probability) for r in page]
    assert ranks == sorted(ranks)


async def test_rerun_supersedes_and_pinned_levels_stay(sessions) -> None:
    await _history(sessions)
    first = await _run(sessions)
    async with sessions() as s, s.begin():
        ids = dict((await s.execute(text("SELECT code, id FROM location"))).all())
        part = (await s.execute(text("SELECT id FROM part WHERE code = 'BRK-0001-A'"))).scalar_one()
        await service.pin_policy(
            s, SYSTEM, part, ids["S-BJ01"], safety_stock=Decimal(5), reorder_point=Decimal(9), max_stock=Decimal(30)
        )
    second = await _run(sessions)
    async with sessions() as s:
        statuses = dict(
            (
                await s.execute(
                    text(
                        "SELECT run_id, count(*) FROM replenishment_suggestion WHERE status <> 'superseded' GROUP BY 1"
                    )
                )
            ).all()
        )
        assert statuses == {second.run_id: second.suggestions} and first.run_id not in statuses
        pinned = (
            await s.execute(
                text("SELECT reorder_point, source FROM part_location_policy WHERE part_id = :p AND location_id = :l"),
                {"p": part, "l": ids["S-BJ01"]},
            )
        ).one()
        assert pinned.reorder_point == 9 and pinned.source == "pinned"
        _, history = await service.policy_with_history(s, part, ids["S-BJ01"])
        assert [h.source for h in history][:2] == ["pinned", "planning"]


async def test_only_buyers_decide(sessions) -> None:
    await _history(sessions)
    await _run(sessions)
    staff = Principal(kind=PrincipalKind.USER, name="clerk", roles=frozenset({Role.STORE_STAFF}))
    async with sessions() as s, s.begin():
        page, _, _ = await service.list_suggestions(s, SYSTEM, service.SuggestionFilter(), first=5, after=None)
        with pytest.raises(DomainError) as err:
            await service.decide_suggestions(s, staff, [page[0].id], approve=True)
        assert err.value.code == ErrorCode.FORBIDDEN


async def test_accuracy_from_backfilled_snapshots(sessions) -> None:
    from domain.planning.accuracy import _month_start, accuracy_report, snapshot_forecasts

    await _history(sessions)
    async with sessions() as s, s.begin():
        for back in range(6, 0, -1):
            await snapshot_forecasts(s, SYSTEM, _month_start(TODAY, back))
    async with sessions() as s:
        rows = await accuracy_report(s, SYSTEM, group_by="location", months=6, today=TODAY)
    by_key = {r.key: r for r in rows}
    bj01 = by_key["S-BJ01"]
    # Two pads a day, every day: the forecast is near perfect, the naive scale is tiny but positive.
    assert bj01.bias is not None and abs(bj01.bias) < 10
    # Filters sell on a few days only: some months have zero actuals, so MAPE must be undefined.
    assert not bj01.mape_defined and bj01.mape is None
    with pytest.raises(DomainError):
        await accuracy_report(s, SYSTEM, group_by="colour", months=6, today=TODAY)
