"""Write a table to xlsx (openpyxl write-only: rows stream to disk) or CSV (UTF-8 with BOM, which
Excel opens with Chinese text intact)."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)


def table_format(path: Path, fmt: str | None = None) -> str:
    chosen = (fmt or path.suffix.lstrip(".") or "xlsx").lower()
    if chosen not in ("xlsx", "csv"):
        raise ValueError(f"unsupported format {chosen!r}: use xlsx or csv")
    return chosen


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_cell(value: Any) -> Any:
    # Excel has no Decimal; money and quantities have few digits, so a float keeps them exact.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


async def write_table(
    path: Path, columns: Sequence[str], rows: AsyncIterator[Sequence[Any]], fmt: str | None = None, sheet: str = "data"
) -> int:
    """Write and return the number of data rows."""
    count = 0
    if table_format(path, fmt) == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            async for row in rows:
                writer.writerow([_csv_cell(v) for v in row])
                count += 1
        return count
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    async for row in rows:
        ws.append([_xlsx_cell(v) for v in row])
        count += 1
    book.save(path)
    return count


async def rows_of(items: Sequence[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    """Adapt an in-memory list for `write_table`."""
    for item in items:
        yield item
