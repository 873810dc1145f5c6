"""The import report as files: JSON, and an annotated copy of the uploaded sheet in which every
offending cell is filled red and carries the message as a comment, plus an `errors` sheet listing
them all. The copy is streamed (read-only in, write-only out), so a 100,000-row file annotates in
flat memory."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from domain.masterdata.kinds import KindSpec
from domain.masterdata.report import ImportReport
from domain.masterdata.validate import map_header
from integrations.excel.reader import open_table
from integrations.excel.writer import HEADER_FILL, HEADER_FONT

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")


def write_json_report(report: ImportReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")


def annotate(source: Path, target: Path, spec: KindSpec, report: ImportReport, sheet: str | None = None) -> None:
    """Write the annotated copy of `source` (xlsx or CSV) to `target` (always xlsx)."""
    marks: dict[tuple[int, int], list[str]] = defaultdict(list)
    with open_table(source, sheet) as table:
        positions = map_header(spec, table.header)[0].positions
        raw_positions = {str(h).strip(): n for n, h in enumerate(table.header) if h is not None}
        for error in report.errors:
            if error.row is None:
                continue
            column = positions.get(error.column or "", raw_positions.get(error.column or "", 0))
            marks[(error.row, column)].append(error.message)

        book = Workbook(write_only=True)
        ws = book.create_sheet(table.sheet or spec.kind.value)
        ws.freeze_panes = "A2"
        header_row = [WriteOnlyCell(ws, value=v) for v in table.header]
        for n, cell in enumerate(header_row):
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            _mark(cell, marks.get((1, n)))
        ws.append(header_row)
        width = len(table.header)
        marked_rows = {row for row, _ in marks}
        for row_no, cells in table.rows():
            values = list(cells) + [None] * (width - len(cells))
            if row_no not in marked_rows:
                ws.append(values)
                continue
            row = []
            for n, value in enumerate(values):
                cell = WriteOnlyCell(ws, value=value)
                _mark(cell, marks.get((row_no, n)))
                row.append(cell)
            ws.append(row)

    listing = book.create_sheet("errors")
    listing.append([WriteOnlyCell(listing, value=h) for h in ("row", "column", "value", "kind", "message")])
    for error in report.errors:
        listing.append([error.row, error.column, error.value, error.kind.value, error.message])
    if report.truncated:
        listing.append([None, None, None, None, f"… and {report.error_count - len(report.errors)} more errors"])
    book.save(target)


def _mark(cell: WriteOnlyCell, messages: list[str] | None) -> None:
    if not messages:
        return
    cell.fill = ERROR_FILL
    comment = Comment("\n".join(messages), "IMS import")
    comment.width, comment.height = 300, 60 + 20 * len(messages)
    cell.comment = comment
