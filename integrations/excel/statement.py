"""A reconciliation statement as an Excel workbook (openpyxl): a summary sheet (who, period,
status, the totals as numbers) and a lines sheet with typed cells — dates as dates, quantities,
prices and amounts as numbers — a frozen two-language header, an auto filter, widths fitted to the
content and a SUM row, so finance can filter, pivot and re-add the statement themselves."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from domain.analytics.settings import get_analytics_settings
from domain.vmi.statements.lines import SECTION_TITLES, Section
from domain.vmi.statements.render import StatementDocument
from integrations.excel.writer import HEADER_FILL, HEADER_FONT

SUMMARY_SHEET = "汇总 Summary"
LINES_SHEET = "明细 Lines"
MONEY_FORMAT = "#,##0.00"
PRICE_FORMAT = "#,##0.00##"
QTY_FORMAT = "#,##0.######"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = 50

# (zh, en, width hint, number format)
LINE_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("行号", "No.", None),
    ("类别", "Section", None),
    ("日期", "Date", DATE_FORMAT),
    ("单据类型", "Document type", None),
    ("单据号", "Document", None),
    ("采购单", "Purchase order", None),
    ("采购单行", "PO line", None),
    ("库存移动", "Stock move", None),
    ("过账", "Posting", None),
    ("零件号", "Part code", None),
    ("名称", "Name (zh)", None),
    ("Name", "Name (en)", None),
    ("库位", "Location", None),
    ("数量", "Quantity", QTY_FORMAT),
    ("单价", "Unit price", PRICE_FORMAT),
    ("金额", "Amount", MONEY_FORMAT),
    ("备注", "Note", None),
)
AMOUNT_COLUMN = 16  # 1-based


def _number(value: Decimal | None) -> Any:
    # Excel has no decimal type; statement figures have few digits, so a float shows them exactly.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(get_analytics_settings().zone).replace(tzinfo=None)


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float | int) and not isinstance(value, bool):
        return len(f"{value:,.2f}")
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _summary(book: Workbook, doc: StatementDocument) -> None:
    sheet = book.active
    sheet.title = SUMMARY_SHEET
    sheet.append([f"{doc.company.name_zh} 供应商对账单", f"{doc.company.name_en} Supplier Reconciliation Statement"])
    sheet["A1"].font = Font(bold=True, size=13)
    t = doc.totals
    rows: list[tuple[str, Any, str | None]] = [
        ("对账单号 Statement", doc.number, None),
        ("供应商 Supplier", f"{doc.supplier.code} {doc.supplier.name_zh} {doc.supplier.name_en}", None),
        ("期间开始 Period start", doc.period_start, "yyyy-mm-dd"),
        ("期间结束 Period end", doc.period_end, "yyyy-mm-dd"),
        ("类型 Kind", doc.kind, None),
        ("状态 Status", doc.status, None),
        ("版本 Revision", doc.revision, None),
        ("币种 Currency", doc.currency, None),
        ("期初余额 Opening balance", _number(t.opening), MONEY_FORMAT),
        ("+ 收货 Receipts", _number(t.receipts), MONEY_FORMAT),
        ("− 退货 Returns to supplier", _number(t.returns), MONEY_FORMAT),
        ("± 价格差异 Price differences", _number(t.price_differences), MONEY_FORMAT),
        ("+ 寄售消耗 Consignment consumption", _number(t.consignment), MONEY_FORMAT),
        ("− 贷项 Credits", _number(t.credits), MONEY_FORMAT),
        ("期末应付 Closing amount", _number(t.closing), MONEY_FORMAT),
    ]
    if doc.settled_amount is not None:
        rows.append(("已结算 Settled", _number(doc.settled_amount), MONEY_FORMAT))
        rows.append(("结算参考 Settlement reference", doc.settlement_reference, None))
    if doc.previous_number:
        rows.append(("期初结转自 Opening carried from", doc.previous_number, None))
    rows.append(("生成 Generated", _local(doc.generated_at), DATE_FORMAT))
    if doc.issued_at:
        rows.append(("出具 Issued", _local(doc.issued_at), DATE_FORMAT))
    rows.append(("明细行数 Lines", len(doc.lines), None))
    for label, value, number_format in rows:
        sheet.append([label, value])
        cell = sheet.cell(row=sheet.max_row, column=2)
        if number_format:
            cell.number_format = number_format
        if label.startswith("期末应付"):
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            cell.font = Font(bold=True)
    sheet.append([])
    sheet.append(["期末 = 期初 + 收货 − 退货 ± 价格差异 + 寄售消耗 − 贷项", "closing = opening + Σ line amounts"])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 48


def _lines(book: Workbook, doc: StatementDocument) -> None:
    sheet = book.create_sheet(LINES_SHEET)
    sheet.append([f"{zh}\n{en}" for zh, en, _ in LINE_COLUMNS])
    for cell in sheet[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 30
    widths = [max(_width(zh), _width(en)) for zh, en, _ in LINE_COLUMNS]
    for line in doc.lines:
        zh, en = SECTION_TITLES[Section(line.section)]
        values = [
            line.line_no,
            f"{zh} {en}",
            _local(line.occurred_at),
            line.doc_type,
            line.doc_ref,
            line.po_number,
            line.po_line_no,
            line.move_id,
            line.posting_id,
            line.part_code,
            line.part_name_zh,
            line.part_name_en,
            line.location_code,
            _number(line.quantity),
            _number(line.unit_price),
            _number(line.amount),
            line.note,
        ]
        sheet.append(values)
        for i, value in enumerate(values):
            widths[i] = max(widths[i], _width(value))
    last = sheet.max_row
    if doc.lines:
        for col, (_, _, number_format) in enumerate(LINE_COLUMNS, start=1):
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=col, max_col=col):
                    cell.number_format = number_format
    letter = get_column_letter(AMOUNT_COLUMN)
    sheet.append([None, "合计 Total"] + [None] * (AMOUNT_COLUMN - 3) + [f"=SUM({letter}2:{letter}{max(last, 2)})"])
    total = sheet.cell(row=sheet.max_row, column=AMOUNT_COLUMN)
    total.number_format = MONEY_FORMAT
    total.font = Font(bold=True)
    sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(LINE_COLUMNS))}{max(last, 1)}"


def statement_xlsx(doc: StatementDocument) -> bytes:
    book = Workbook()
    _summary(book, doc)
    _lines(book, doc)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
