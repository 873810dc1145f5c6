"""Excel and CSV files: templates with commented headers and drop-downs, the annotated error copy,
CSV encodings of Chinese Excel, filled-in templates importing as they are."""

from __future__ import annotations

from openpyxl import load_workbook

from domain.masterdata.kinds import ImportKind, spec_for
from domain.masterdata.lists import reference_lists
from domain.settings import get_settings
from integrations.excel.annotate import ERROR_FILL
from integrations.excel.importer import write_annotated
from integrations.excel.reader import open_table
from integrations.excel.templates import build_template
from tests.domain.masterdata.helpers import run_import, write_sheet


async def test_template_has_comments_dropdowns_and_imports_when_filled(sessions, tmp_path):
    spec = spec_for(ImportKind.PARTS, get_settings().part_code_pattern)
    async with sessions() as session:
        lists = await reference_lists(session, ImportKind.PARTS)
    assert lists["primary_supplier_code"] == ["SUP-01"]
    path = tmp_path / "parts-template.xlsx"
    build_template(path, spec, lists)

    book = load_workbook(path)
    assert book.sheetnames == ["parts", "lists", "README"] and book["lists"].sheet_state == "hidden"
    ws = book["parts"]
    header = [c.value for c in ws[1]]
    assert header == list(spec.names)
    uom = ws.cell(row=1, column=header.index("uom") + 1)
    assert "单位" in uom.comment.text and "PCS" in uom.comment.text and "required" in uom.comment.text
    ranges = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    uom_letter = uom.column_letter
    assert ranges[f"{uom_letter}2"].type == "list" and ranges[f"{uom_letter}2"].errorStyle == "stop"
    supplier_letter = ws.cell(row=1, column=header.index("primary_supplier_code") + 1).column_letter
    assert ranges[f"{supplier_letter}2"].errorStyle == "warning"  # a code may arrive in the same go-live
    listed = [c.value for c in book["lists"]["A"]]
    assert listed[0] in spec.names

    # Fill the template the way a clerk would and import it as it is.
    ws.append(["FLT-0010-C", None, "燃油滤清器", "Fuel filter", "FLT", None, "PCS", 0, None, None, 35, 70])
    book.save(path)
    report = await run_import(sessions, "parts", path)
    assert report.applied and report.summary["inserted"] == 1, report.errors


async def test_annotated_copy_and_csv_encodings(sessions, tmp_path):
    path = write_sheet(
        tmp_path / "stock.xlsx",
        ["part_code", "location_code", "quantity", "unit_cost"],
        [["BRK-0001-A", "S-SH01", "x", 10], ["NOPE-0001-A", "S-SH01", 1, 10], ["FLT-0001-C", "S-SH01", 2, 28]],
    )
    report = await run_import(sessions, "opening_stock", path, control_total=0)
    assert not report.applied
    target = tmp_path / "marked.xlsx"
    write_annotated(path, target, ImportKind.OPENING_STOCK, report)
    book = load_workbook(target)
    ws = book.worksheets[0]
    assert ws["C2"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb and "not a number" in ws["C2"].comment.text
    assert ws["A3"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb and "NOPE-0001-A" in ws["A3"].comment.text
    assert ws["A4"].comment is None and ws["A4"].value == "FLT-0001-C"  # good rows copied untouched
    errors = book["errors"]
    assert [c.value for c in errors[1]] == ["row", "column", "value", "kind", "message"]
    assert errors.max_row == 1 + report.error_count

    rows = "part_code;location_code;occurred_on;quantity\nBRK-0001-A;S-BJ01;2026-03-01;2\n"
    gbk = tmp_path / "demand-gbk.csv"
    gbk.write_bytes(("配件编码;门店/仓库;日期;数量\n" + rows.split("\n", 1)[1]).encode("gb18030"))
    with open_table(gbk) as table:
        assert table.header == ["配件编码", "门店/仓库", "日期", "数量"]
        assert list(table.rows()) == [(2, ["BRK-0001-A", "S-BJ01", "2026-03-01", "2"])]
    # Chinese headers are accepted as the column labels of the spec.
    report = await run_import(sessions, "demand_history", gbk)
    assert report.applied, report.errors
    bom = tmp_path / "demand-bom.csv"
    bom.write_bytes(rows.replace("2026-03-01", "2026-03-02").encode("utf-8-sig"))
    with open_table(bom) as table:
        assert table.header[0] == "part_code"
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    report = await run_import(sessions, "parts", empty)
    assert not report.applied and "empty" in report.errors[0].message
