"""The watched exchange folder: inbox → processed/ or failed/ with a report, idempotent by hash."""

from __future__ import annotations

import json
import shutil

from openpyxl import load_workbook
from sqlalchemy import text

from integrations.exchange.watcher import ExchangeFolder, kind_of
from tests.domain.masterdata.helpers import write_sheet
from tests.domain.purchasing.helpers import sent_order


def test_kind_comes_from_the_file_name():
    assert kind_of("parts_2026-11-25.csv") == "parts"
    assert kind_of("supplier_parts.xlsx") == "supplier_parts"
    assert kind_of("opening-stock_WH.csv") == "opening_stock"
    assert kind_of("ship_notices_SUP-01_0042.csv") == "ship_notices"
    assert kind_of("whatever.csv") is None


async def test_files_are_imported_refused_and_never_twice(sessions, tmp_path):
    folder = ExchangeFolder(sessions, tmp_path / "x", settle_seconds=0)
    inbox = tmp_path / "x" / "inbox"
    header = ["code", "name_zh", "name_en", "category", "uom", "purchase_price", "sale_price"]
    good = write_sheet(
        inbox / "parts_1.csv", header, [["FLT-0002-C", "空气滤清器", "Air filter", "FLT", "PCS", 30, 60]]
    )
    write_sheet(inbox / "parts_2.csv", header, [["FLT-0003-C", "空滤", "Air", "FLT", "PCS", "x", 60]])
    write_sheet(inbox / "readme.csv", ["a"], [["b"]])
    copy = shutil.copy(good, tmp_path / "copy.csv")
    opening = write_sheet(
        inbox / "opening_stock_s-bj02.csv",
        ["part_code", "location_code", "quantity", "unit_cost"],
        [["BCL-0001-B", "S-BJ02", "2.5", 40]],
    )
    (inbox / f"{opening.name}.control").write_text("100.00")

    outcomes = {o.file: o for o in await folder.process_once()}
    assert outcomes["parts_1.csv"].status == "processed"
    assert outcomes["parts_2.csv"].status == "failed"
    assert outcomes["readme.csv"].status == "failed" and outcomes["readme.csv"].message == "unknown kind"
    assert outcomes["opening_stock_s-bj02.csv"].status == "processed"
    assert sorted(p.name for p in inbox.iterdir()) == []
    report = json.loads((tmp_path / "x" / "failed" / "parts_2.csv.report.json").read_text())
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["column"] == "purchase_price"
    marked = load_workbook(tmp_path / "x" / "failed" / "parts_2.csv.errors.xlsx").worksheets[0]
    assert marked["F2"].comment is not None and marked["F2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert (tmp_path / "x" / "processed" / "opening_stock_s-bj02.csv.control").exists()

    # The same content again, under another name: recognised by its hash and not applied twice.
    shutil.move(copy, inbox / "parts_again.csv")
    (again,) = await folder.process_once()
    assert again.status == "duplicate"
    async with sessions() as session:
        batches = (await session.execute(text("SELECT kind, status FROM import_batch ORDER BY id"))).all()
        files = (await session.execute(text("SELECT status, count(*) FROM exchange_file GROUP BY 1"))).all()
    assert [tuple(b) for b in batches] == [("parts", "applied"), ("parts", "rejected"), ("opening_stock", "applied")]
    assert dict(files) == {"processed": 2, "failed": 2}


async def test_supplier_ship_notice_files(sessions, tmp_path):
    order = await sent_order(sessions, [("BRK-0001-A", "10", "180", "S-BJ01")])
    folder = ExchangeFolder(sessions, tmp_path, settle_seconds=0)
    header = ["supplier_code", "number", "purchase_order_number", "line_no", "quantity", "lot_no", "carrier"]
    write_sheet(
        tmp_path / "inbox" / "ship_notices_SUP-01_1.csv",
        header,
        [["SUP-01", "DN-88", order.order.number, 1, 6, "", "SF"]],
    )
    (outcome,) = await folder.process_once()
    assert outcome.status == "processed", outcome
    write_sheet(
        tmp_path / "inbox" / "ship_notices_SUP-01_2.csv",
        header,
        [["SUP-01", "DN-89", order.order.number, 1, 60, "", "SF"]],  # far more than ordered
    )
    (refused,) = await folder.process_once()
    assert refused.status == "failed"
    async with sessions() as session:
        shipped = (await session.execute(text("SELECT shipped_qty FROM purchase_order_line"))).scalar_one()
    assert shipped == 6
