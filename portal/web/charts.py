"""Numbers → bar geometry for the chart macro (SVG without a JS library). Pure, so the rounding
and clamping are testable and templates stay free of arithmetic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None
    percent: float  # 0..100 of the chart width
    level: str  # css class suffix: ok, warn, danger, none
    href: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Mark:
    label: str
    value: Decimal
    percent: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    marks: list[Mark]
    top: Decimal


def _num(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def bar_chart_data(
    items: Sequence[Mapping[str, Any]], max_value: Any = None, marks: Sequence[Mapping[str, Any]] = ()
) -> Chart:
    """items: {"label", "value", optional "level", "href", "note"}; marks: {"label", "value"}
    (e.g. the minimum days of cover). The scale is `max_value`, else the largest value or mark;
    values beyond it are drawn full width, negatives as empty bars."""
    values = [v for v in (_num(i.get("value")) for i in items) if v is not None]
    mark_values = [v for v in (_num(m.get("value")) for m in marks) if v is not None]
    top = _num(max_value) or max([*values, *mark_values, Decimal(0)])
    if top <= 0:
        top = Decimal(1)

    def pct(value: Decimal | None) -> float:
        if value is None or value <= 0:
            return 0.0
        return round(float(min(value, top) / top * 100), 2)

    bars = [
        Bar(
            label=str(i.get("label", "")),
            value=_num(i.get("value")),
            percent=pct(_num(i.get("value"))),
            level=str(i.get("level") or "ok") if _num(i.get("value")) is not None else "none",
            href=i.get("href"),
            note=i.get("note"),
        )
        for i in items
    ]
    chart_marks = [Mark(str(m.get("label", "")), v, pct(v)) for m in marks if (v := _num(m.get("value"))) is not None]
    return Chart(bars, chart_marks, top)
