"""Reports on the small seeded company, and their Excel/CSV files."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from domain.analytics.abc_xyz import Cutoffs
from domain.analytics.reports import REPORT_NAMES, ReportParams, run_report
from domain.analytics.reports.classification import classify_parts
from domain.analytics.reports.common import month_start
from domain.analytics.settings import business_today
from domain.errors import DomainError
from integrations.csv_export import report_csv
from integrations.excel.report import report_xlsx
from tests.domain.alerts.helpers import age_stock, demand, ids, set_policy, user
from tests.domain.purchasing.helpers import sent_order


def _by(table, key: str) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    keys = [c.key for c in table.columns]
    return {row[keys.index(key)]: dict(zip(keys, row, strict=True)) for row in table.rows}


async def _report(sessions, name: str, username: str = "hq.ops", **params):  # type: ignore[no-untyped-def]
    principal = await user(sessions, username)
    async with sessions() as s:
        return await run_report(s, principal, name, ReportParams(**params))


async def test_stock_aging_buckets(sessions) -> None:
    today = business_today()
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE lot SET received_on = :d WHERE lot_no = 'L2401'"), {"d": today - timedelta(days=100)}
        )
    await age_stock(sessions, "FLT-0001-C", "S-BJ01", 400)  # untracked: ages from its last inbound move
    table = await _report(sessions, "stock_aging")
    bj01 = _by(table, "site")["S-BJ01"]
    assert bj01["age_2"] == Decimal("2600.00")  # ceramic pads received 100 days ago: 91–180
    assert bj01["age_4"] == Decimal("1400.00")  # oil filters, last in 400 days ago: over 365
    assert bj01["age_0"] == Decimal("1478.75")  # coolant lots without a receipt date, moved in today
    assert bj01["value"] == Decimal("5478.75") and bj01["over_180_share"] == Decimal("0.2555")
    assert _by(table, "site")["WH"]["age_0"] == Decimal("36000.00")


async def test_dead_stock_with_suggested_actions(sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "2", "4", "10", rate="1.5")  # sells at BJ01
    await age_stock(sessions, "BRK-0001-A", "S-TJ01", 200)
    await age_stock(sessions, "FLT-0001-C", "S-BJ01", 200)
    await age_stock(sessions, "BCL-0001-B", "S-BJ01", 400)
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE lot SET received_on = :d WHERE lot_no IN ('C2401', 'C2402')"),
            {"d": business_today() - timedelta(days=500)},
        )
    table = await _report(sessions, "dead_stock")
    rows = {(r["part"], r["site"]): r for r in (dict(zip([c.key for c in table.columns], x, strict=True))
                                                for x in table.rows)}  # fmt: skip
    assert set(rows) == {("BRK-0001-A", "S-TJ01"), ("FLT-0001-C", "S-BJ01"), ("BCL-0001-B", "S-BJ01")}
    assert (rows[("BRK-0001-A", "S-TJ01")]["action"], rows[("BRK-0001-A", "S-TJ01")]["transfer_to"]) == (
        "transfer",
        "S-BJ01",
    )
    assert rows[("FLT-0001-C", "S-BJ01")]["action"] == "return_to_vendor"
    assert rows[("BCL-0001-B", "S-BJ01")]["action"] == "scrap"
    assert table.rows[0][0] == "BRK-0001-A"  # largest value first (50 × 180)
    # The region's manager sees only the North's dead stock; a store outside is not in the report.
    regional = await _report(sessions, "dead_stock", "regional.north", location_code="S-BJ01")
    assert {r[2] for r in regional.rows} == {"S-BJ01"}


async def test_abc_xyz_report_and_classification(sessions) -> None:
    first = month_start(business_today(), 6)
    for n in range(6):  # six months: pads steady and valuable, filters erratic, coolant a trickle
        day = month_start(first, -n) + timedelta(days=3)
        await demand(sessions, "BRK-0001-A", "S-BJ01", day, "10", "10")
        await demand(sessions, "FLT-0001-C", "S-BJ02", day, "30" if n == 2 else "1", "30" if n == 2 else "1")
        await demand(sessions, "BCL-0001-B", "S-BJ01", day, "1", "1")
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE part SET abc_manual = true, abc_class = 'A' WHERE code = 'BCL-0001-B'"))
    table = await _report(sessions, "abc_xyz", months=6)
    rows = _by(table, "part")
    assert rows["BRK-0001-A"]["class"] == "AX" and rows["BRK-0001-A"]["annual_value"] == Decimal("21600.00")
    assert rows["FLT-0001-C"]["xyz"] == "Z" and rows["FLT-0001-C"]["abc"] == "B"
    assert rows["BRK-0002-A"]["class"] == "CZ"  # no demand at all
    assert next(iter(rows)) == "BRK-0001-A"  # by value

    hq, regional = await user(sessions, "hq.ops"), await user(sessions, "regional.north")
    async with sessions() as s, s.begin():
        result = await classify_parts(s, hq, Cutoffs(), months=6)
        with pytest.raises(DomainError) as refused:
            await classify_parts(s, regional, Cutoffs(), months=6)  # not company-wide
        assert refused.value.code == "FORBIDDEN"
    assert result.manual_kept == 1 and result.counts == {"A": 1, "B": 1, "C": 2}
    async with sessions() as s:
        classes = dict((await s.execute(text("SELECT code, abc_class FROM part ORDER BY code"))).all())
    assert classes == {"BCL-0001-B": "A", "BRK-0001-A": "A", "BRK-0002-A": "C", "FLT-0001-C": "B"}


async def test_stockout_history_with_causes(sessions) -> None:
    today = business_today()
    await set_policy(sessions, "FLT-0001-C", "S-BJ01", "5", "10", "60")
    for days_ago, q, f in ((20, "2", "2"), (12, "6", "0"), (11, "5", "1")):  # a spike: 5.5/day against 0.02
        await demand(sessions, "FLT-0001-C", "S-BJ01", today - timedelta(days=days_ago), q, f)
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "2", "4", "10")
    for days_ago in range(60, 10, -1):  # a steady seller, short for two days
        filled = "0" if days_ago in (15, 14) else "1"
        await demand(sessions, "BRK-0001-A", "S-BJ01", today - timedelta(days=days_ago), "1", filled)
    await demand(sessions, "BRK-0002-A", "S-BJ02", today - timedelta(days=5), "1", "0")  # no reorder point there
    await demand(sessions, "BRK-0002-A", "S-BJ02", today - timedelta(days=40), "1", "1")
    table = await _report(sessions, "stockout_history")
    causes = {(r[0], r[2]): (r[9], r[5], r[7]) for r in table.rows}
    assert causes[("FLT-0001-C", "S-BJ01")] == ("demand_spike", 2, Decimal("10"))
    assert causes[("BRK-0001-A", "S-BJ01")] == ("replenishment", 2, Decimal("2"))
    assert causes[("BRK-0002-A", "S-BJ02")][0] == "not_stocked"
    # A delivery promised before the shortage and not received makes it the supplier's.
    order = await sent_order(sessions, [("BRK-0001-A", "5", "150", "S-BJ01")])
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE purchase_order_line SET promised_date = :d WHERE purchase_order_id = :o"),
            {"d": today - timedelta(days=17), "o": order.order.id},
        )
    table = await _report(sessions, "stockout_history")
    assert {(r[0], r[9]) for r in table.rows if r[0] == "BRK-0001-A"} == {("BRK-0001-A", "supplier_late")}


async def test_every_report_runs_and_exports(sessions) -> None:
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        for reason, qty in (("theft_damage", -3), ("receiving_error", 2), (None, -1)):
            task = (
                await s.execute(
                    text(
                        "INSERT INTO count_plan (code, kind, status, name, location_id, due_on, recount_pct, "
                        "recount_value, max_recounts, assignees, created_by) VALUES (:c, 'cycle', 'open', 'x', :l, "
                        "current_date, 0.02, 100, 1, '{}', 't') RETURNING id"
                    ),
                    {"c": f"CP-{qty}", "l": found["S-BJ01"]},
                )
            ).scalar_one()
            t = (
                await s.execute(
                    text(
                        "INSERT INTO count_task (plan_id, part_id, location_id, due_on, status, attempts) "
                        "VALUES (:p, :part, :l, current_date, 'counted', 1) RETURNING id"
                    ),
                    {"p": task, "part": found["FLT-0001-C"], "l": found["S-BJ01"]},
                )
            ).scalar_one()
            await s.execute(
                text(
                    "INSERT INTO count_variance (task_id, plan_id, part_id, location_id, quantity, unit_cost, value, "
                    "status, reason_code) VALUES (:t, :p, :part, :l, :q, 28, :v, 'reviewed', :r)"
                ),
                {
                    "t": t,
                    "p": task,
                    "part": found["FLT-0001-C"],
                    "l": found["S-BJ01"],
                    "q": qty,
                    "v": qty * 28,
                    "r": reason,
                },
            )
    variances = _by(await _report(sessions, "count_variance_causes"), "reason")
    assert variances["theft_damage"]["loss_value"] == Decimal("-84.00")
    assert variances["unreviewed"]["variances"] == 1 and variances["theft_damage"]["share"] == Decimal("0.5000")
    assert _by(await _report(sessions, "supplier"), "supplier")["SUP-01"]["parts"] == 4

    for name in REPORT_NAMES:
        table = await _report(sessions, name)
        assert table.columns and table.params["months"] == 12
        book = load_workbook(io.BytesIO(report_xlsx(table)))
        sheet = book[name[:31]]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        header = sheet["A1"]
        assert header.font.bold and header.fill.fgColor.rgb.endswith("1F4E78")
        assert header.value == f"{table.columns[0].title_zh}\n{table.columns[0].title}"
        assert "About" in book.sheetnames
        text_rows = list(csv.reader(io.StringIO(report_csv(table).decode("utf-8-sig"))))
        assert text_rows[0] == [c.key for c in table.columns] and len(text_rows) == len(table.rows) + 1

    aging = await _report(sessions, "stock_aging")
    sheet = load_workbook(io.BytesIO(report_xlsx(aging)))["stock_aging"]
    money_column = [c.key for c in aging.columns].index("value") + 1
    assert sheet.cell(row=2, column=money_column).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=len(aging.columns)).number_format == "0.0%"
    assert sheet.column_dimensions["B"].width >= 8
