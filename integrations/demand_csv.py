"""Read long-format demand files (``series_id,period,quantity``) into a series × period matrix.

Files come from dealers' exports and spreadsheets, so every row is validated and the first bad
row stops the load with a :class:`DemandFileError` naming line, column and value: a silently
skipped row would become a silently wrong forecast. ``period`` is either an integer index or an
ISO date (``YYYY-MM-DD`` or ``YYYY-MM``); dates are bucketed to calendar months (several days in
one month are summed). A file must use one period style throughout.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

REQUIRED_COLUMNS = ("series_id", "period", "quantity")
MAX_PERIODS = 10_000
"""Span guard: one stray period (say year 9999) must not allocate a gigantic matrix."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DemandFileError(ValueError):
    """A demand file that cannot be used, with the location of the first problem."""

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.row = row
        self.column = column
        self.value = value
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 40 else self.value[:37] + "..."
            where.append(f"value {shown!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class DemandData:
    """Demand matrix (n_series, n_periods); NaN marks periods a series has no row for.

    ``missing`` counts those periods per series. With ``fill_missing=True`` they are 0 instead and
    every series counts as complete.
    """

    ids: list[str]
    Y: NDArray[np.float64]
    periods: list[str]
    missing: NDArray[np.int64]

    @property
    def complete(self) -> NDArray[np.bool_]:
        return self.missing == 0

    @property
    def incomplete_ids(self) -> list[str]:
        return [sid for sid, ok in zip(self.ids, self.complete, strict=True) if not ok]

    def complete_series(self) -> tuple[list[str], NDArray[np.float64]]:
        """Only series with a row for every period: forecasting needs an unbroken history."""
        keep = self.complete
        return [sid for sid, ok in zip(self.ids, keep, strict=True) if ok], self.Y[keep]


def _parse_period(raw: str) -> tuple[str, int, str]:
    """Return (style, bucket index, duplicate key) or raise ValueError with the reason."""
    text = raw.strip()
    if _DAY.match(text):
        day = date.fromisoformat(text)  # raises on 2024-02-30
        return "date", day.year * 12 + day.month - 1, day.isoformat()
    month = _MONTH.match(text)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        if not 1 <= mon <= 12:
            raise ValueError("month must be 01-12")
        return "month", year * 12 + mon - 1, text
    try:
        index = int(text)
    except ValueError:
        raise ValueError("period must be an integer or an ISO date (YYYY-MM-DD or YYYY-MM)") from None
    return "index", index, str(index)


def _parse_quantity(raw: str) -> float:
    try:
        qty = float(raw.strip())
    except ValueError:
        raise ValueError("quantity must be a number") from None
    if not np.isfinite(qty):
        raise ValueError("quantity must be a finite number")
    if qty < 0:
        raise ValueError("quantity must not be negative (record returns separately)")
    return qty


def read_demand_csv(source: str | Path | TextIO, *, fill_missing: bool = False) -> DemandData:
    """Load and validate a demand file (path or open text stream)."""
    if isinstance(source, str | Path):
        path = Path(source)
        label = path.name
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise DemandFileError("file not found", source=str(path)) from None
        except IsADirectoryError:
            raise DemandFileError("is a directory, not a file", source=str(path)) from None
        except UnicodeDecodeError:
            raise DemandFileError("not UTF-8 text", source=label) from None
        return _read(io.StringIO(text, newline=""), label, fill_missing)
    return _read(source, getattr(source, "name", None), fill_missing)


def _read(stream: TextIO, label: str | None, fill_missing: bool) -> DemandData:
    def fail(message: str, **where: object) -> DemandFileError:
        return DemandFileError(message, source=label, **where)  # type: ignore[arg-type]

    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise fail("empty file: expected a header series_id,period,quantity") from None
    except csv.Error as exc:
        raise fail(f"malformed CSV: {exc}", row=1) from None
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing_cols = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing_cols:
        raise fail(f"missing column(s) {', '.join(missing_cols)}; header is {','.join(header)!r}", row=1)
    col = {c: names.index(c) for c in REQUIRED_COLUMNS}
    width = max(col.values()) + 1

    ids: dict[str, int] = {}
    seen: dict[tuple[int, str], int] = {}
    sid_idx: list[int] = []
    buckets: list[int] = []
    qty: list[float] = []
    style: str | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) < width:
                raise fail(f"expected at least {width} fields, found {len(fields)}", row=line)
            sid = fields[col["series_id"]].strip()
            if not sid:
                raise fail("series_id is empty", row=line, column="series_id", value="")
            raw_period = fields[col["period"]]
            try:
                kind, bucket, key = _parse_period(raw_period)
            except ValueError as exc:
                raise fail(str(exc), row=line, column="period", value=raw_period) from None
            if style is None:
                style = kind
            elif kind != style and {kind, style} != {"date", "month"}:
                raise fail(
                    f"period style {kind!r} differs from earlier rows ({style!r})",
                    row=line,
                    column="period",
                    value=raw_period,
                )
            raw_qty = fields[col["quantity"]]
            try:
                q = _parse_quantity(raw_qty)
            except ValueError as exc:
                raise fail(str(exc), row=line, column="quantity", value=raw_qty) from None
            s = ids.setdefault(sid, len(ids))
            first = seen.setdefault((s, key), line)
            if first != line:
                raise fail(
                    f"duplicate row for series {sid!r} period {key} (first at line {first})",
                    row=line,
                    column="period",
                    value=raw_period,
                )
            sid_idx.append(s)
            buckets.append(bucket)
            qty.append(q)
    except csv.Error as exc:
        raise fail(f"malformed CSV: {exc}", row=reader.line_num) from None

    if not qty:
        raise fail("no data rows after the header")
    b = np.asarray(buckets, dtype=np.int64)
    lo, hi = int(b.min()), int(b.max())
    if hi - lo + 1 > MAX_PERIODS:
        raise fail(f"periods span {hi - lo + 1} buckets (limit {MAX_PERIODS}); check for a stray period")
    rows = np.asarray(sid_idx, dtype=np.int64)
    cols = b - lo
    shape = (len(ids), hi - lo + 1)
    total = np.zeros(shape)
    count = np.zeros(shape, dtype=np.int64)
    np.add.at(total, (rows, cols), np.asarray(qty))
    np.add.at(count, (rows, cols), 1)
    has = count > 0
    Y = np.where(has, total, 0.0 if fill_missing else np.nan)
    missing = np.zeros(shape[0], dtype=np.int64) if fill_missing else (~has).sum(axis=1)
    if style == "index":
        periods = [str(p) for p in range(lo, hi + 1)]
    else:
        periods = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(lo, hi + 1)]
    return DemandData(ids=list(ids), Y=Y, periods=periods, missing=missing)
