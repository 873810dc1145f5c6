"""Daily sales equal the sales and returns of the day; the daily operations report of a store
equals the ledger for a day with receipts, transfers, workshop issues, counter sales, counts and
alerts; both are visible only where the reader holds a role."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.alerts.engine import evaluate_alerts
from domain.analytics.settings import business_today
from domain.counting import entries
from domain.counting import service as counting
from domain.counting.models import CountKind
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, Role
from domain.reports import ops_daily
from domain.sales import reads
from domain.sales.pricing import margin
from tests.domain.alerts.helpers import move, set_policy
from tests.domain.sales.helpers import add_user, line, rows, sell, take_back, user


async def test_daily_sales_equal_the_sales_and_refunds_of_the_day(sessions) -> None:
    staff = await user(sessions, "staff.bj01")
    a = (await sell(sessions, staff, [line("FLT-0001-C", "2")], discount_pct=Decimal(5))).sale
    b = (await sell(sessions, staff, [line("BCL-0001-B", "1.5"), line("BRK-0002-A", "1")])).sale
    back = (await take_back(sessions, staff, b.number, [(2, "1")])).sale_return
    today = business_today()
    async with sessions() as s:
        figures = await reads.daily_sales(s, staff, store_code="S-BJ01", start=today - timedelta(days=2), end=today)
    assert [f.day for f in figures] == [today - timedelta(days=2), today - timedelta(days=1), today]
    assert (figures[0].sales, figures[0].revenue, figures[0].margin) == (0, 0, 0)
    day = figures[-1]
    assert (day.sales, day.returns) == (2, 1)
    assert day.gross == a.subtotal + b.subtotal and day.discount == a.discount_total
    assert day.revenue == a.total + b.total - back.total == Decimal("106.40") + Decimal("136.50")
    assert day.tax == a.tax + b.tax - back.tax
    assert day.cost == (a.cost + b.cost - back.cost).quantize(Decimal("0.01"))
    assert day.margin == margin(day.revenue, day.tax, a.cost + b.cost - back.cost)

    # Everyone sees the stores they hold a role at; finance all of them; nobody else's.
    await add_user(sessions, "staff.bj02", Role.STORE_STAFF, "S-BJ02")
    async with sessions() as s:
        finance = await reads.daily_sales(s, await user(sessions, "finance"), store_code=None, start=today, end=today)
        other = await reads.daily_sales(s, await user(sessions, "staff.bj02"), store_code=None, start=today, end=today)
        with pytest.raises(DomainError) as refused:
            await reads.daily_sales(s, await user(sessions, "staff.bj02"), store_code="S-BJ01", start=today, end=today)
    assert [f.store_code for f in finance] == ["S-BJ01", "S-BJ02", "S-BJ03", "S-SH01", "S-TJ01"]
    assert next(f for f in finance if f.store_code == "S-BJ01") == day
    assert [(f.store_code, f.sales) for f in other] == [("S-BJ02", 0)]
    assert refused.value.code is ErrorCode.UNKNOWN_LOCATION


async def test_the_daily_report_equals_the_ledger(engine, sessions) -> None:
    system = Principal.system("test")
    manager = await user(sessions, "manager.bj01")
    staff = await user(sessions, "staff.bj01")
    await move(sessions, "BCL-0001-B", "V-SUPPLIER", "S-BJ01", "10", lot="C2403", cost="50.00")  # a receipt
    await move(sessions, "BRK-0001-A", "S-BJ02", "S-BJ01", "5")  # a transfer in, straight from store 2
    await move(sessions, "FLT-0001-C", "S-BJ01", "V-TRANSIT", "4")  # a transfer shipped out
    await move(sessions, "FLT-0001-C", "S-BJ01", "V-WORKSHOP", "2")  # an issue to a repair
    sale = (await sell(sessions, staff, [line("FLT-0001-C", "3"), line("BRK-0001-A", "1")])).sale
    back = (await take_back(sessions, staff, sale.number, [(1, "1")])).sale_return
    # Counting: a sample plan over the store, one task counted right.
    async with sessions() as s, s.begin():
        plan = await counting.create_plan(
            s,
            system,
            counting.CreatePlanCommand(
                kind=CountKind.SAMPLE, location_code="S-BJ01", sample_fraction=Decimal(1), seed=1
            ),
        )
    async with sessions() as s, s.begin():
        await entries.record_count(
            s,
            manager,
            entries.RecordCountCommand(
                plan_id=plan.id, location_code="S-BJ01", part_scan="FLT-0001-C", quantity="42", idempotency_key="c1"
            ),
        )
    # An alert: brake pads below their safety stock at store 1.
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "10", "12", "30")
    await evaluate_alerts(engine, system)

    async with sessions() as s:
        report = await ops_daily.daily_ops_report(s, manager, "S-BJ01", business_today())

    # Every movement kind equals the ledger moves of the day touching the store, by their other side.
    ledger = await rows(
        sessions,
        """
        SELECT f.code AS source, t.code AS target, count(*) AS lines, sum(m.quantity) AS quantity,
               sum(m.quantity * m.unit_cost) AS value
          FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
         WHERE 'S-BJ01' IN (f.code, t.code)
         GROUP BY 1, 2
        """,
    )
    sides = {(r["source"], r["target"]): r for r in ledger}
    expected = {
        ops_daily.RECEIPTS: ("V-SUPPLIER", "S-BJ01"),
        ops_daily.TRANSFERS_IN: ("S-BJ02", "S-BJ01"),
        ops_daily.TRANSFERS_OUT: ("S-BJ01", "V-TRANSIT"),
        ops_daily.WORKSHOP_ISSUES: ("S-BJ01", "V-WORKSHOP"),
        ops_daily.CUSTOMER_SALES: ("S-BJ01", "V-CUSTOMER"),
        ops_daily.CUSTOMER_RETURNS: ("V-CUSTOMER", "S-BJ01"),
        ops_daily.ADJUSTMENTS_IN: ("V-ADJUSTMENT", "S-BJ01"),  # the seed's opening stock, also today
    }
    for kind, side in expected.items():
        flow, row = report.movement(kind), sides[side]
        assert (flow.lines, flow.quantity, flow.value) == (
            row["lines"],
            row["quantity"],
            row["value"].quantize(Decimal("0.01")),
        ), kind
    assert sum(f.lines for f in report.movements.values()) == sum(r["lines"] for r in ledger)
    assert report.movement(ops_daily.WORKSHOP_RETURNS).lines == 0
    assert report.movement(ops_daily.CUSTOMER_SALES).value == sale.cost.quantize(Decimal("0.01"))

    assert (report.sales.sales, report.sales.returns) == (1, 1)
    assert report.sales.revenue == sale.total - back.total
    assert report.counting.counted == 1 and report.counting.accuracy == 1
    assert report.counting.open == 0  # sample tasks are due in six days
    assert report.alerts.total >= 1 and report.alerts.lines[0].rule == "stockout"
    assert "BRK-0001-A @ S-BJ01" in report.alerts.lines[0].text
    assert not report.quiet

    # Yesterday was quiet; a store manager of store 1 gets nothing of store 2; staff get no report.
    async with sessions() as s:
        quiet = await ops_daily.daily_ops_report(s, manager, "S-BJ01", business_today() - timedelta(days=1))
        assert quiet.quiet and quiet.sales.revenue == 0
        for who, store in ((manager, "S-BJ02"), (staff, "S-BJ01")):
            with pytest.raises(DomainError) as refused:
                await ops_daily.daily_ops_report(s, who, store, business_today())
            assert refused.value.code is ErrorCode.FORBIDDEN
        with pytest.raises(DomainError) as refused:
            await ops_daily.daily_ops_report(s, manager, "S-BJ01", business_today() + timedelta(days=1))
        assert refused.value.code is ErrorCode.INVALID_INPUT
