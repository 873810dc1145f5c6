"""Checks that need nothing but the file: the header, then each row's cells and their relations.
Checks against the database and across rows (references, duplicates) run set-based in `checks`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.masterdata.columns import CellError, Column, ColumnType, ErrorKind, normalise_header
from domain.masterdata.kinds import KindSpec
from domain.masterdata.report import RowError


@dataclass(frozen=True)
class HeaderMap:
    """Which file column holds which spec column; `present` are the spec columns the file has."""

    positions: dict[str, int]

    @property
    def present(self) -> frozenset[str]:
        return frozenset(self.positions)

    def plan(self, spec: KindSpec) -> tuple[tuple[tuple[Column, int], ...], tuple[Column, ...]]:
        """(column, cell index) of the columns the file has, and the columns it lacks."""
        cached = self.__dict__.get("_plan")
        if cached is None or cached[0] is not spec:
            here = tuple((c, self.positions[c.name]) for c in spec.columns if c.name in self.positions)
            absent = tuple(c for c in spec.columns if c.name not in self.positions)
            cached = (spec, (here, absent))
            self.__dict__["_plan"] = cached
        return cached[1]


def map_header(spec: KindSpec, header: Sequence[object]) -> tuple[HeaderMap, list[RowError]]:
    """Accepts the column name or its Chinese label; unknown and missing required columns are errors
    (a misspelt `purchse_price` would otherwise be silently ignored)."""
    by_name = {c.name: c.name for c in spec.columns}
    by_name.update({normalise_header(c.label_zh): c.name for c in spec.columns if c.label_zh})
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        label = normalise_header(raw)
        if not label:
            continue
        name = by_name.get(label)
        if name is None:
            errors.append(RowError(1, str(raw), str(raw), f"unknown column {raw!r}", ErrorKind.UNKNOWN_COLUMN))
        elif name in positions:
            errors.append(RowError(1, name, str(raw), f"column {name} appears twice", ErrorKind.DUPLICATE))
        else:
            positions[name] = index
    for column in spec.columns:
        if column.required and column.name not in positions:
            errors.append(
                RowError(1, column.name, None, f"required column {column.name} is missing", ErrorKind.MISSING_COLUMN)
            )
    return HeaderMap(positions), errors


def _shown(raw: object) -> str | None:
    if raw is None:
        return None
    text = str(raw)
    return text if len(text) <= 200 else text[:197] + "..."


def validate_row(
    spec: KindSpec, header: HeaderMap, row_no: int, cells: Sequence[object]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """The row's typed values, or None with its errors (every bad cell, not just the first)."""
    here, absent = header.plan(spec)
    values: dict[str, Any] = {c.name: ([] if c.type is ColumnType.LIST else c.default) for c in absent}
    errors: list[RowError] = []
    width = len(cells)
    for column, index in here:
        raw = cells[index] if index < width else None
        try:
            values[column.name] = column.parse(raw)
        except CellError as error:
            errors.append(RowError(row_no, column.name, _shown(raw), error.message, error.kind))
    if errors:
        return None, errors
    issues = spec.check(values)
    if not issues:
        return values, []
    positions = header.positions
    for name, kind, message in issues:
        at = positions.get(name)
        raw = cells[at] if at is not None and at < width else None
        errors.append(RowError(row_no, name, _shown(raw), message, kind))
    return None, errors


def is_blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
