"""Fixed-width text layout of statement lines for the PDF (pure functions).

Why text and not an HTML table: weasyprint lays out every table cell as its own box, ~0.5 ms each
on this machine, so 2,000 lines × 12 columns took over 10 s. One preformatted line per statement
line in a monospaced CJK face (Noto Sans Mono CJK SC: a Chinese character is exactly two Latin
cells wide) renders the same columns in a fraction of that, and extracted text stays in reading
order. Widths are counted in cells: East Asian wide and full-width characters count two.

The cost that remains is per character (Pango shaping, then the PDF writer's per-glyph loop), so
columns are as narrow as their content allows and dates are short (the period is in the header).
Tabs instead of padding spaces were measured and lost: each line with a tab gets a second Pango
layout for the tab stops."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.vmi.statements.lines import LineData

ELLIPSIS = "~"
# Two cells of blank in one glyph: the PDF writer's per-glyph loop and Pango's shaping are the cost,
# and padding is a third of the characters of a line.
WIDE_SPACE = "\u3000"


def cells(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str | None, width: int) -> str:
    """`text` on one line, cut to at most `width` cells (a cut ends with `~`)."""
    value = " ".join((text or "").split())
    if cells(value) <= width:
        return value
    out, used = [], 0
    for ch in value:
        w = cells(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def fit(text: str | None, width: int, right: bool = False) -> str:
    """Exactly `width` cells: clipped, then padded with spaces."""
    value = clip(text, width)
    pad = blank(width - cells(value))
    return pad + value if right else value + pad


def blank(width: int) -> str:
    """`width` cells of blank: ideographic spaces (two cells each), and a space for an odd cell."""
    return WIDE_SPACE * (width // 2) + " " * (width % 2) if width > 0 else ""


def advance(current: int, target: int) -> str:
    """Blank that moves the pen from cell `current` to cell `target`."""
    return blank(target - current)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def price(value: Decimal) -> str:
    """At least two decimals, up to four (order prices carry four)."""
    q = value.quantize(Decimal("0.0001")).normalize()
    whole, _, frac = format(abs(q), "f").partition(".")
    return f"{'-' if q < 0 else ''}{int(whole):,}.{frac.ljust(2, '0')}"


@dataclass(frozen=True)
class Column:
    title_zh: str
    title_en: str
    width: int
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("行", "No.", 5, True),
    Column("日期", "Date", 8),
    Column("单据", "Document", 14),
    Column("采购单/行", "PO/line", 13),
    Column("移动", "Move", 8, True),
    Column("过账", "Posting", 8, True),
    Column("零件号", "Part", 12),
    Column("名称", "Name (zh)", 16),
    Column("Name", "Name (en)", 20),
    Column("数量", "Qty", 8, True),
    Column("单价", "Unit price", 11, True),
    Column("金额", "Amount", 13, True),
)
GAP = " "
WIDTH = sum(c.width for c in COLUMNS) + len(GAP) * (len(COLUMNS) - 1)


def _join(values: Sequence[str | None]) -> str:
    out: list[str] = []
    current = start = 0
    for value, column in zip(values, COLUMNS, strict=True):
        text = clip(value, column.width)
        if text:
            width = cells(text)
            target = start + (column.width - width if column.right else 0)
            out.append(advance(current, target))
            out.append(text)
            current = target + width
        start += column.width + len(GAP)
    return "".join(out)


def header_lines() -> tuple[str, str]:
    return _join([c.title_zh for c in COLUMNS]), _join([c.title_en for c in COLUMNS])


def row(line: LineData, zone: ZoneInfo) -> str:
    po = None
    if line.po_number:
        po = f"{line.po_number}/{line.po_line_no}" if line.po_line_no is not None else line.po_number
    return _join(
        [
            str(line.line_no),
            line.occurred_at.astimezone(zone).strftime("%y-%m-%d"),
            line.doc_ref or line.doc_type,
            po,
            str(line.move_id) if line.move_id is not None else None,
            str(line.posting_id) if line.posting_id is not None else None,
            line.part_code,
            line.part_name_zh,
            line.part_name_en,
            quantity(line.quantity),
            price(line.unit_price),
            money(line.amount),
        ]
    )


def note_line(line: LineData) -> str | None:
    """A line's note (credit reason, return reason, prices of a difference) under it, indented."""
    if not line.note:
        return None
    indent = COLUMNS[0].width + len(GAP)
    return advance(0, indent) + clip("> " + line.note, WIDTH - indent)


def total_line(label: str, amount: Decimal) -> str:
    """`label` right-aligned before the amount column, the amount right-aligned in it."""
    amount_text = clip(money(amount), COLUMNS[-1].width)
    label_end = WIDTH - COLUMNS[-1].width - len(GAP)
    label_text = clip(label, label_end)
    label_start = label_end - cells(label_text)
    amount_start = WIDTH - cells(amount_text)
    return advance(0, label_start) + label_text + advance(label_end, amount_start) + amount_text
