"""A report (domain.analytics.reports.ReportTable) as a formatted Excel workbook: a styled,
frozen two-language header with an auto filter, number formats per column kind, column widths
fitted to the content (CJK characters count double), and an "About" sheet with the parameters."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from domain.analytics.reports import ColumnKind, ReportTable

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
NUMBER_FORMATS = {
    ColumnKind.INTEGER: "#,##0",
    ColumnKind.DECIMAL: "#,##0.###",
    ColumnKind.MONEY: "#,##0.00",
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.DATE: "yyyy-mm-dd",
}
MAX_WIDTH = 60
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    # Excel has no decimal type; report figures have few digits, so a float shows them exactly.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _display_width(value: Any, kind: ColumnKind) -> int:
    if value is None:
        return 0
    if kind == ColumnKind.MONEY and isinstance(value, Decimal | int | float):
        text = f"{value:,.2f}"
    elif kind == ColumnKind.PERCENT and isinstance(value, Decimal | int | float):
        text = f"{float(value) * 100:.1f}%"
    elif isinstance(value, date):
        text = "2026-01-01"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def report_xlsx(table: ReportTable) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    headers = [f"{c.title_zh}\n{c.title}" for c in table.columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 32
    widths = [
        max(_display_width(c.title_zh, ColumnKind.TEXT), _display_width(c.title, ColumnKind.TEXT))
        for c in table.columns
    ]
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
        for i, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            widths[i] = max(widths[i], _display_width(value, column.kind))
    for i, column in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(widths[i - 1] + 2, MAX_WIDTH)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format and table.rows:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    if table.columns:
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 1)}"
    about = book.create_sheet("About")
    about.append([f"{table.title_zh} {table.title}"])
    about["A1"].font = Font(bold=True, size=13)
    about.append(["Generated 生成时间", table.generated_at.strftime("%Y-%m-%d %H:%M %Z")])
    for key, value in sorted(table.params.items()):
        about.append([key, str(value)])
    for note in table.notes:
        about.append([note])
    about.column_dimensions["A"].width = 40
    about.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
