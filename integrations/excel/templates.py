"""Downloadable xlsx templates: one data sheet per kind whose header cells carry a comment (meaning,
type, whether required) and whose columns with a closed set of values get a drop-down list, fed
from a hidden `lists` sheet (choices of the spec, plus codes from the database when given, e.g.
the supplier codes a part may name). A README sheet lists the columns in both languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from domain.masterdata.columns import ColumnType
from domain.masterdata.kinds import KindSpec
from integrations.excel.writer import HEADER_FILL, HEADER_FONT

MAX_ROWS = 100_000
_BOOL_CHOICES = ("true", "false")


def build_template(path: Path, spec: KindSpec, reference_lists: Mapping[str, Sequence[str]] | None = None) -> None:
    """`reference_lists` maps a column name to allowed codes from the database (may be empty)."""
    refs = reference_lists or {}
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = spec.kind.value
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"
    readme = book.create_sheet("README")

    list_col = 0
    for n, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=n, value=column.name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        label = f"{column.label_zh} / {column.name}" if column.label_zh else column.name
        comment = Comment(f"{label}\n{column.describe()}", "IMS")
        comment.width, comment.height = 320, 140
        cell.comment = comment
        ws.column_dimensions[get_column_letter(n)].width = max(12, min(40, len(column.name) + 4))
        values: Sequence[str] = ()
        if column.type is ColumnType.CHOICE:
            values = column.choices
        elif column.type is ColumnType.BOOL:
            values = _BOOL_CHOICES
        elif refs.get(column.name):
            values = refs[column.name]
        if values:
            list_col += 1
            letter = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=column.name)
            for r, value in enumerate(values, start=2):
                lists.cell(row=r, column=list_col, value=value)
            source = f"{quote_sheetname('lists')}!${letter}$2:${letter}${len(values) + 1}"
            # References to codes only warn: a code being added in the same go-live is still fine.
            strict = column.type in (ColumnType.CHOICE, ColumnType.BOOL)
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorStyle="stop" if strict else "warning",
                errorTitle=column.name,
                error=f"choose a value from the list ({column.name})",
            )
            validation.add(f"{get_column_letter(n)}2:{get_column_letter(n)}{MAX_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"

    readme.append([spec.title, spec.description])
    readme["A1"].font = Font(bold=True)
    readme.append([])
    readme.append(["column", "中文", "required", "description"])
    for cell in readme[3]:
        cell.font = HEADER_FONT
    for column in spec.columns:
        readme.append([column.name, column.label_zh, "yes" if column.required else "", column.describe()])
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 16
    readme.column_dimensions["D"].width = 100
    book.save(path)
