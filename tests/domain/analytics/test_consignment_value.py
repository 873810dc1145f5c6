"""Consignment stock is physically at the site but not ours: the stock lookup and availability show
it, while inventory value, stock aging, dead stock and the value flow leave it out until it is
consumed (moved out of the supplier's zone)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from domain.analytics import snapshots
from domain.analytics.reports import ReportParams, run_report
from domain.analytics.settings import business_today
from domain.stock.service import stock_levels_for_parts
from tests.domain.alerts.helpers import age_stock, ids, move, user
from tests.domain.vmi.helpers import make_agreement, supplier_ids

ZONE = "S-BJ01-CSG-SUP-01"
CENT = Decimal("0.01")


async def _site_value(sessions, site_id: int) -> Decimal:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return Decimal((await snapshots.site_states(s, [site_id]))[site_id].inventory_value)


async def _state(sessions, part_id: int, site_id: int):  # type: ignore[no-untyped-def]
    from domain.analytics.state import state_sql

    async with sessions() as s:
        rows = await s.execute(
            text(f"WITH st AS ({state_sql(pairs=False)}) SELECT * FROM st WHERE part_id = :p"),
            {"sites": [site_id], "p": part_id},
        )
        return rows.one()


async def _bj01_report(sessions, name: str, principal) -> dict[str, object]:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        table = await run_report(s, principal, name, ReportParams(location_code="S-BJ01"))
    keys = [c.key for c in table.columns]
    return {"rows": [dict(zip(keys, row, strict=True)) for row in table.rows]}


async def test_stock_value_excludes_consignment_stock_the_lookup_includes_it(sessions) -> None:
    await supplier_ids(sessions)
    await make_agreement(sessions, "BRK-0001-A", "S-BJ01", consignment=True, price="150")  # creates the zone
    found = await ids(sessions)
    bj01, part = found["S-BJ01"], found["BRK-0001-A"]
    hq = await user(sessions, "hq.ops")
    before = await _site_value(sessions, bj01)
    aging_before = (await _bj01_report(sessions, "stock_aging", hq))["rows"][0]["value"]

    flow_before = await _net_flow(sessions, bj01)

    await move(sessions, "BRK-0001-A", "V-SUPPLIER", ZONE, "40", cost="150")  # a consignment delivery
    assert await _net_flow(sessions, bj01) == flow_before  # received, but not ours: no value flowed in
    await age_stock(sessions, "BRK-0001-A", ZONE, 400)  # long idle: would be dead stock if it were ours

    # Physically there: the lookup lists it and the site state counts it as on hand and available.
    async with sessions() as s:
        levels = (await stock_levels_for_parts(s, hq, [part]))[part]
    assert {lv.location.code: lv.on_hand for lv in levels}[ZONE] == 40
    state = await _state(sessions, part, bj01)
    assert (state.on_hand, state.available, state.owned_on_hand, state.value) == (40, 40, 0, 0)

    # Not ours: no value anywhere.
    assert await _site_value(sessions, bj01) == before
    assert (await _bj01_report(sessions, "stock_aging", hq))["rows"][0]["value"] == aging_before
    dead = (await _bj01_report(sessions, "dead_stock", hq))["rows"]
    assert "BRK-0001-A" not in {r["part"] for r in dead}

    # Consumption: 5 leave the zone for the store shelf. Now they are ours and valued.
    await move(sessions, "BRK-0001-A", ZONE, "S-BJ01", "5")
    async with sessions() as s:
        cost = (
            await s.execute(
                text("SELECT unit_cost FROM stock_move WHERE part_id = :p AND to_location_id = :l"),
                {"p": part, "l": bj01},
            )
        ).scalar_one()
    assert abs(await _site_value(sessions, bj01) - (before + 5 * cost)) <= CENT  # values are rounded to cents
    state = await _state(sessions, part, bj01)
    assert (state.on_hand, state.owned_on_hand) == (40, 5)
    assert abs(await _net_flow(sessions, bj01) - flow_before - 5 * cost) <= CENT


async def _net_flow(sessions, site_id: int) -> Decimal:  # type: ignore[no-untyped-def]
    """Today's net value flow of the site, as the KPI refresh writes it."""
    async with sessions() as s, s.begin():
        await snapshots.refresh_today(s, site_ids=[site_id])
    async with sessions() as s:
        value = (
            await s.execute(
                text("SELECT net_flow_value FROM kpi_site_day WHERE site_id = :s AND day = :d"),
                {"s": site_id, "d": business_today()},
            )
        ).scalar_one()
    return Decimal(value)
