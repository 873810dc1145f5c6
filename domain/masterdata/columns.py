"""Typed columns of an import file and the parsing of one cell.

Cells arrive as whatever the reader produced: openpyxl gives str/int/float/bool/datetime, CSV gives
str. Each column turns that into one Python value or raises `CellError` with a message a clerk can
act on. Pure: no database, so templates, the importer and the tests share one definition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """Stable kinds of row errors, for the JSON report and for tests."""

    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    REQUIRED = "required"
    TYPE = "type"
    RANGE = "range"
    CHOICE = "choice"
    TOO_LONG = "too_long"
    PATTERN = "pattern"
    UNIT = "unit"
    PRECISION = "precision"
    REFERENCE = "reference"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    RULE = "rule"
    CONTROL_TOTAL = "control_total"
    ALREADY_IMPORTED = "already_imported"
    DATABASE = "database"


class CellError(ValueError):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ColumnType(StrEnum):
    TEXT = "text"
    CODE = "code"
    INT = "int"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    CHOICE = "choice"
    LIST = "list"


_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
_TRUE = {"1", "true", "yes", "y", "是", "x", "✓"}
_FALSE = {"0", "false", "no", "n", "否", ""}
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    label_zh: str = ""
    required: bool = False
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    scale: int | None = None  # decimal places allowed
    pattern: str | None = None  # CODE columns: a stricter rule than the generic code shape
    help: str = ""
    # The default used when the cell is empty (after the required check).
    default: Any = None

    def describe(self) -> str:
        """One line for template comments and docs."""
        bits = [self.type.value]
        if self.required:
            bits.append("required")
        if self.choices:
            bits.append("one of " + ", ".join(self.choices))
        if self.max_len:
            bits.append(f"≤ {self.max_len} characters")
        if self.scale is not None:
            bits.append(f"≤ {self.scale} decimals")
        if self.minimum is not None:
            bits.append(f"≥ {self.minimum}")
        if self.maximum is not None:
            bits.append(f"≤ {self.maximum}")
        if self.type is ColumnType.LIST:
            bits.append(f"separate values with '{LIST_SEPARATOR}'")
        text = "; ".join(bits)
        return f"{self.help} ({text})" if self.help else text

    def __post_init__(self) -> None:
        # Compiled once: a 100,000-row file parses millions of cells.
        object.__setattr__(self, "_regex", re.compile(self.pattern) if self.pattern else _CODE)
        object.__setattr__(self, "_choices", {c.lower(): c for c in self.choices})
        object.__setattr__(self, "_parser", _PARSERS[self.type])

    def parse(self, raw: object) -> Any:
        """The cell's value, `default` when empty, or CellError."""
        if raw is None or (raw.__class__ is str and not raw.strip()):  # type: ignore[attr-defined]
            if self.required:
                raise CellError(ErrorKind.REQUIRED, f"{self.name} is required")
            return [] if self.type is ColumnType.LIST else self.default
        return self._parser(self, raw)  # type: ignore[attr-defined]


def _text(col: Column, raw: object) -> str:
    if raw.__class__ is str:
        value = raw.strip()  # type: ignore[attr-defined]
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))  # a barcode typed into Excel as a number
    else:
        value = raw.isoformat() if isinstance(raw, datetime | date) else str(raw).strip()
    if col.max_len is not None and len(value) > col.max_len:
        raise CellError(ErrorKind.TOO_LONG, f"at most {col.max_len} characters ({len(value)} given)")
    return value


def _code(col: Column, raw: object) -> str:
    value = _text(col, raw).upper()
    if not col._regex.fullmatch(value):  # type: ignore[attr-defined]
        if col.pattern is not None:
            raise CellError(ErrorKind.PATTERN, f"{value!r} does not follow the coding rule {col.pattern}")
        raise CellError(ErrorKind.PATTERN, f"{value!r} is not a code (letters, digits, - . _ /)")
    return value


def _number(raw: object) -> Decimal:
    if raw.__class__ is int:
        return Decimal(raw)  # type: ignore[arg-type]
    if isinstance(raw, bool):
        raise CellError(ErrorKind.TYPE, f"{raw!r} is not a number")
    text = repr(raw) if isinstance(raw, float) else str(raw).strip().replace(",", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise CellError(ErrorKind.TYPE, f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise CellError(ErrorKind.TYPE, f"{raw!r} is not a finite number")
    return value


def _bounds(col: Column, value: Decimal | int) -> None:
    if col.minimum is not None and value < col.minimum:
        raise CellError(ErrorKind.RANGE, f"must be at least {col.minimum}")
    if col.maximum is not None and value > col.maximum:
        raise CellError(ErrorKind.RANGE, f"must be at most {col.maximum}")


def _decimal(col: Column, raw: object) -> Decimal:
    value = _number(raw)
    if col.scale is not None:
        exponent = value.as_tuple().exponent
        # Trailing zeros (1.500) are not decimals: normalise only when the raw exponent is too long.
        if isinstance(exponent, int) and -exponent > col.scale:
            exponent = value.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > col.scale:
                raise CellError(ErrorKind.PRECISION, f"at most {col.scale} decimal place(s) allowed")
    _bounds(col, value)
    return value


def _int(col: Column, raw: object) -> int:
    if raw.__class__ is int:
        whole = raw
    elif isinstance(raw, float) and raw.is_integer():
        whole = int(raw)
    else:
        value = _number(raw)
        if value != value.to_integral_value():
            raise CellError(ErrorKind.TYPE, f"{raw!r} is not a whole number")
        whole = int(value)
    _bounds(col, whole)  # type: ignore[arg-type]
    return whole  # type: ignore[return-value]


def _float(col: Column, raw: object) -> float:
    return float(_decimal(col, raw))


def _bool(col: Column, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(ErrorKind.TYPE, f"{raw!r} is not yes/no (use true or false)")


def _date(col: Column, raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(ErrorKind.TYPE, f"{raw!r} is not a date (use YYYY-MM-DD)")


def _choice(col: Column, raw: object) -> str:
    text = str(raw).strip()
    found = col._choices.get(text.lower())  # type: ignore[attr-defined]
    if found is None:
        raise CellError(ErrorKind.CHOICE, f"{text!r} is not one of {', '.join(col.choices)}")
    return found


def _list(col: Column, raw: object) -> list[str]:
    items = [item.strip() for item in str(raw).replace("；", LIST_SEPARATOR).split(LIST_SEPARATOR)]
    values = list(dict.fromkeys(item for item in items if item))
    if col.max_len is not None:
        for item in values:
            if len(item) > col.max_len:
                raise CellError(ErrorKind.TOO_LONG, f"{item[:20]!r}…: at most {col.max_len} characters per value")
    return values


_PARSERS = {
    ColumnType.TEXT: _text,
    ColumnType.CODE: _code,
    ColumnType.INT: _int,
    ColumnType.DECIMAL: _decimal,
    ColumnType.FLOAT: _float,
    ColumnType.BOOL: _bool,
    ColumnType.DATE: _date,
    ColumnType.CHOICE: _choice,
    ColumnType.LIST: _list,
}


def normalise_header(value: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
