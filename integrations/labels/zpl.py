"""ZPL II for thermal label printers (Zebra and compatibles): one ^XA...^XZ format per label,
UTF-8 text (^CI28), a Code 128 barcode (^BC, subsets chosen by the printer) and a QR code (^BQ).

Chinese text needs a CJK font on the printer; its name is a parameter (Zebra's optional
simplified-Chinese font is E:ANMDS.TTF by default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrations.labels.model import LabelData


@dataclass(frozen=True)
class ZplLayout:
    width_mm: float = 70.0
    height_mm: float = 37.0
    dpi: int = 203  # 8 dots/mm; 300 dpi printers: 12 dots/mm
    cjk_font: str = "E:ANMDS.TTF"
    barcode_height_mm: float = 10.0
    module_dots: int = 2  # narrow bar width in dots (^BY)

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)


def _field(text: str) -> str:
    """Field data with ^FH hex escapes for the characters ZPL reads as commands."""
    escaped = text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")
    return f"^FH_^FD{escaped}^FS"


def _text(x: int, y: int, size: int, text: str, font: str) -> str:
    chosen = f"^A@N,{size},{size},{font}" if not text.isascii() else f"^A0N,{size},{size}"
    return f"^FO{x},{y}{chosen}{_field(text)}"


def label_zpl(label: LabelData, layout: ZplLayout = ZplLayout()) -> str:
    d = layout.dots
    margin = d(2)
    qr_mag = 3 if layout.dpi < 300 else 4
    lines = [
        "^XA",
        "^CI28",
        f"^PW{d(layout.width_mm)}",
        f"^LL{d(layout.height_mm)}",
        "^LH0,0",
        _text(margin, margin, d(3.5), label.code, layout.cjk_font),
    ]
    y = margin + d(4.5)
    for name in (label.name_zh, label.name_en):
        if name:
            lines.append(_text(margin, y, d(3), name[:40], layout.cjk_font))
            y += d(3.8)
    if label.detail:
        lines.append(_text(margin, y, d(2.6), label.detail[:40], layout.cjk_font))
        y += d(3.2)
    lines.append(f"^BY{layout.module_dots},3,{d(layout.barcode_height_mm)}")
    lines.append(f"^FO{margin},{y + d(1)}^BCN,{d(layout.barcode_height_mm)},Y,N,N,A{_field(label.code)}")
    lines.append(f"^FO{d(layout.width_mm) - d(17)},{margin}^BQN,2,{qr_mag}{_field('MA,' + label.qr_text)}")
    if label.copies > 1:
        lines.append(f"^PQ{min(label.copies, 999)}")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def labels_zpl(labels: Sequence[LabelData], layout: ZplLayout = ZplLayout()) -> str:
    """All labels as one ZPL job (send it raw to the printer, e.g. port 9100 or a .zpl download)."""
    for label in labels:
        if not label.code.isascii() or not label.code.isprintable():
            raise ValueError(f"label code {label.code!r}: Code 128 takes printable ASCII only")
    return "".join(label_zpl(label, layout) for label in labels)
