"""Statement documents from real data: the PDF's extracted text holds the totals, the Chinese part
names and bilingual page numbers; the Excel workbook round-trips every line as typed values."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import openpyxl
from pypdf import PdfReader

from domain.vmi.statements import service
from domain.vmi.statements.render import StatementFormat
from integrations.documents import statement_renderer
from integrations.documents.layout import WIDTH, cells, clip, fit, header_lines
from integrations.documents.statement_pdf import statement_pdf
from integrations.excel.statement import LINES_SHEET, SUMMARY_SHEET, statement_xlsx
from tests.domain.vmi.statements.helpers import FINANCE, business_month, this_month


async def _document(sessions):  # type: ignore[no-untyped-def]
    await business_month(sessions)
    start, end = this_month()
    async with sessions() as s, s.begin():
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        await service.add_statement_credit(s, FINANCE, st.id, Decimal("12.34"), "年度返利 annual rebate")
    async with sessions() as s:
        return await service.statement_document(s, FINANCE, st.id)


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u3000", " ").split()), len(reader.pages)


async def test_pdf_holds_totals_chinese_names_and_page_numbers(sessions) -> None:
    doc = await _document(sessions)
    t = doc.totals
    pdf = await statement_renderer().render(doc, StatementFormat.PDF)
    assert pdf.startswith(b"%PDF")
    text, pages = _text(pdf)
    assert pages == 2  # the summary page and one page of lines
    for expected in (
        doc.number,
        "供应商对账单",
        "Supplier Reconciliation Statement",
        "华北制动系统有限公司",
        "前刹车片",
        "机油滤清器",
        "Front Brake Pad",
        "年度返利",
        "草稿 DRAFT",
        "第 1 页 / 共 2 页 · Page 1 of 2",
        "第 2 页 / 共 2 页 · Page 2 of 2",
    ):
        assert expected in text, expected
    for amount in (t.receipts, t.returns, t.price_differences, t.consignment, t.credits, t.closing):
        assert f"{amount:,.2f}" in text, amount
    assert "2,010.00" in text and "-51.00" in text and "-12.34" in text
    for line in doc.lines:  # every line is traceable in print: its move and posting ids are there
        if line.move_id is not None:
            assert f"{line.move_id} {line.posting_id}" in text


async def test_excel_round_trips_typed_values(sessions) -> None:
    doc = await _document(sessions)
    book = openpyxl.load_workbook(io.BytesIO(await statement_renderer().render(doc, StatementFormat.XLSX)))
    assert book.sheetnames == [SUMMARY_SHEET, LINES_SHEET]
    summary = {row[0]: row[1] for row in book[SUMMARY_SHEET].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["对账单号 Statement"] == doc.number
    assert summary["期末应付 Closing amount"] == float(doc.totals.closing)
    assert summary["+ 收货 Receipts"] == 2010
    assert summary["− 贷项 Credits"] == 12.34
    sheet = book[LINES_SHEET]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    *body, total = rows
    assert len(body) == len(doc.lines)
    for row, line in zip(body, doc.lines, strict=True):
        assert row[0] == line.line_no and row[7] == line.move_id and row[8] == line.posting_id
        assert isinstance(row[2], datetime)
        assert row[9] == line.part_code and row[10] == line.part_name_zh
        assert Decimal(str(row[13])) == line.quantity
        assert Decimal(str(row[15])) == line.amount
    assert total[1] == "合计 Total" and total[15] == f"=SUM(P2:P{len(body) + 1})"
    assert sum(Decimal(str(r[15])) for r in body) + doc.totals.opening == doc.totals.closing


def test_fixed_width_layout_counts_chinese_as_two_cells() -> None:
    assert cells("前刹车片 A") == 10
    assert cells(fit("前刹车片（陶瓷）加长", 12)) == 12 and fit("前刹车片（陶瓷）加长", 12).startswith("前刹车片（")
    assert clip("x" * 30, 8) == "xxxxxxx~"
    assert cells(fit("12.5", 8, right=True)) == 8
    zh, en = header_lines()
    assert cells(zh) == cells(en) == WIDTH  # both header lines end at the amount column's right edge


def test_two_thousand_lines_render_within_budget() -> None:
    """The issue's target is 3 s on the 2-core machine (benchmarks/statement_pdf.py measures it);
    here only a loose bound so a loaded CI host does not flake, plus the page count arithmetic."""
    import time

    from benchmarks.statement_pdf import synthetic_statement

    doc = synthetic_statement(2000)
    started = time.process_time()
    pdf = statement_pdf(doc)
    spent = time.process_time() - started
    text, pages = _text(pdf)
    assert pages >= 50 and f"Page {pages} of {pages}" in text
    assert spent < 6, spent
    xlsx = statement_xlsx(doc)
    assert xlsx[:2] == b"PK"
