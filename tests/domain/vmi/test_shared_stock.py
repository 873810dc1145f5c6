"""The shared stock view: every figure equals what the ledger and the open documents say, a supplier
sees only its own agreements, and the cost does not grow with the number of agreements."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, text

from domain.catalog.models import Part
from domain.purchasing import orders, ship_notices
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput
from domain.vmi import shared_stock
from domain.vmi.levels import StockStatus
from domain.vmi.models import VmiAgreement
from tests.domain.vmi.helpers import (
    BJ01_MANAGER,
    HQ,
    location_id,
    make_agreement,
    move,
    site_on_hand_from_ledger,
    supplier_ids,
    supplier_user,
)


async def test_figures_equal_the_ledger_and_open_documents(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    agreement = await make_agreement(sessions, site="WH", min_qty="100", max_qty="400")
    # WH holds 200 BRK-0001-A in WH-A-01-01; 30 more go to another bin, 12 to the workshop, 2 come back.
    await move(sessions, "BRK-0001-A", "V-ADJUSTMENT", "WH-B-01-01", "30")
    await move(sessions, "BRK-0001-A", "WH-A-01-01", "V-WORKSHOP", "12")
    await move(sessions, "BRK-0001-A", "V-WORKSHOP", "WH-A-01-01", "2")
    await move(sessions, "BRK-0001-A", "WH-A-01-01", "V-CUSTOMER", "4")
    await move(sessions, "BRK-0001-A", "WH-A-01-01", "S-BJ01", "10")  # a transfer out is not consumption
    # An order of 50 for WH, 20 of it shipped on a notice; a draft order of 99 does not count yet.
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s, HQ, "SUP-01", [orders.OrderLineInput("BRK-0001-A", Decimal(50), "WH-A-01-02")]
        )
        for step in (orders.submit_purchase_order, orders.approve_purchase_order, orders.send_purchase_order):
            await step(s, HQ, view.order.id)
        await orders.create_purchase_order(s, HQ, "SUP-01", [orders.OrderLineInput("BRK-0001-A", Decimal(99), "WH")])
        await ship_notices.create_ship_notice(
            s,
            supplier_user(a, "a"),
            ShipNoticeInput(
                number="DN-9",
                lines=[ShipNoticeLineInput(view.order.number, 1, Decimal(20))],
                expected_arrival=date.today() + timedelta(days=2),
            ),
        )
    async with sessions() as s:
        (figures,) = await shared_stock.shared_stock(s, supplier_user(a, "a"))
    assert figures.agreement_id == agreement.id
    ledger_on_hand = await site_on_hand_from_ledger(sessions, "BRK-0001-A", "WH")
    assert figures.on_hand == ledger_on_hand == 206
    assert (figures.in_transit, figures.on_order, figures.position) == (20, 30, 256)
    assert (figures.consumption_30, figures.consumption_90) == (14, 14)
    assert figures.forecast_daily_rate is None and figures.daily_rate == Decimal(14) / 90
    assert figures.status is StockStatus.OK and figures.suggested_qty == 144
    assert figures.days_of_cover == (Decimal(206) / (Decimal(14) / 90)).quantize(Decimal("0.1"))


async def test_cover_levels_follow_the_planning_forecast(sessions) -> None:
    await supplier_ids(sessions)
    agreement = await make_agreement(sessions, part="FLT-0001-C", mode="days_of_cover", min_days="10", max_days="30")
    part = await _ids(sessions, "FLT-0001-C")
    site = await location_id(sessions, "S-BJ01")
    async with sessions() as s, s.begin():
        run = (
            await s.execute(
                text(
                    "INSERT INTO planning_run (as_of, status, actor, series, suggestions) "
                    "VALUES (current_date, 'succeeded', 't', 1, 0) RETURNING id"
                )
            )
        ).scalar_one()
        await s.execute(
            text(
                "INSERT INTO demand_forecast (part_id, location_id, run_id, daily_rate, lead_time_days, ltd_mean, "
                "ltd_var, demand_class, routed) VALUES (:p, :l, :r, 6, 5, 30, 10, 'smooth', false)"
            ),
            {"p": part, "l": site, "r": run},
        )
    async with sessions() as s:
        figures = (await shared_stock.compute(s, [agreement]))[agreement.id]
    assert figures.forecast_daily_rate == 6 and figures.daily_rate == 6
    assert (figures.min_qty, figures.max_qty) == (60, 180)
    assert figures.on_hand == 50 and figures.status is StockStatus.BELOW_MIN and figures.suggested_qty == 130
    assert figures.days_of_cover == Decimal("8.3")


async def _ids(sessions, code: str) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return (await s.execute(text("SELECT id FROM part WHERE code = :c"), {"c": code})).scalar_one()


async def test_each_supplier_sees_its_own_and_staff_their_sites(sessions) -> None:
    a, b = await supplier_ids(sessions)
    mine = await make_agreement(sessions)
    theirs = await make_agreement(sessions, supplier="SUP-02", part="FLT-0001-C")
    elsewhere = await make_agreement(sessions, site="S-BJ02")
    async with sessions() as s:
        seen_a = {x.agreement_id for x in await shared_stock.shared_stock(s, supplier_user(a, "a"))}
        seen_b = {x.agreement_id for x in await shared_stock.shared_stock(s, supplier_user(b, "b"))}
        seen_bj01 = {x.agreement_id for x in await shared_stock.shared_stock(s, BJ01_MANAGER)}
        batch = await shared_stock.shared_stock_by_agreement(s, supplier_user(b, "b"), [mine.id, theirs.id])
        low = await shared_stock.shared_stock(s, HQ, statuses=[StockStatus.BELOW_MIN])
    assert seen_a == {mine.id, elsewhere.id} and seen_b == {theirs.id} and seen_bj01 == {mine.id, theirs.id}
    assert set(batch) == {theirs.id}
    # S-BJ01 holds 0 and S-BJ02 15 BRK-0001-A, both below 20; SUP-02's FLT-0001-C (50 of 20..60) is ok.
    assert {x.agreement_id for x in low} == {mine.id, elsewhere.id}


async def test_hundreds_of_agreements_cost_the_same_round_trips(engine, sessions) -> None:
    a, _ = await supplier_ids(sessions)
    await make_agreement(sessions)
    async with sessions() as s, s.begin():
        parts = [
            Part(
                code=f"VMI-{n:04d}", name_zh=f"配件{n}", name_en=f"Part {n}", category="VMI", uom="PCS",
                uom_precision=0, purchase_price=Decimal(10), sale_price=Decimal(20), primary_supplier_id=a,
            )
            for n in range(300)
        ]  # fmt: skip
        s.add_all(parts)
        await s.flush()
        site = (await s.execute(text("SELECT id FROM location WHERE code = 'S-BJ01'"))).scalar_one()
        s.add_all(
            VmiAgreement(
                supplier_id=a, part_id=p.id, location_id=site, mode="quantity", min_qty=Decimal(5),
                max_qty=Decimal(10), review_days=7, consignment=False, active=True, created_by="t", updated_by="t",
            )
            for p in parts
        )  # fmt: skip
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    supplier = supplier_user(a, "a")
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions() as s:
            one = await shared_stock.shared_stock(s, supplier, part_code="BRK-0001-A")
        few = len(statements)
        statements.clear()
        started = time.perf_counter()
        async with sessions() as s:
            many = await shared_stock.shared_stock(s, supplier)
        seconds = time.perf_counter() - started
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(one) == 1 and len(many) == 301
    assert len(statements) == few  # no statement per agreement
    assert seconds < 2.0
    assert sum(1 for x in many if x.status is StockStatus.BELOW_MIN) == 301
