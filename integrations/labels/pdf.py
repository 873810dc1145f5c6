"""A printable sheet of labels (PDF via weasyprint): code, Chinese and English name, an extra
line, a Code 128 barcode and a QR code, placed absolutely in mm so the print lands on the
label stock. Chinese text uses Noto Sans CJK (Debian fonts-noto-cjk)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from integrations.labels.code128 import code128_svg
from integrations.labels.model import A4_3X8, LabelData, LabelLayout
from integrations.labels.qr import qr_svg

_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "DejaVu Sans", sans-serif'


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _label_html(label: LabelData, layout: LabelLayout, x: float, y: float) -> str:
    inner_w = layout.label_width - 2 * layout.padding
    inner_h = layout.label_height - 2 * layout.padding
    qr_size = min(inner_h * 0.62, inner_w * 0.34) if layout.show_qr else 0.0
    parts = [f'<div class="code">{escape(label.code)}</div>']
    if label.name_zh:
        parts.append(f'<div class="zh">{escape(label.name_zh)}</div>')
    if label.name_en:
        parts.append(f'<div class="en">{escape(label.name_en)}</div>')
    if label.detail:
        parts.append(f'<div class="detail">{escape(label.detail)}</div>')
    qr = ""
    if layout.show_qr:
        qr = (
            f'<img class="qr" src="{_data_uri(qr_svg(label.qr_text, module_mm=None, border=1))}" '
            f'style="width:{qr_size:.2f}mm;height:{qr_size:.2f}mm">'
        )
    barcode = ""
    if layout.show_barcode:
        bar_h = max(6.0, inner_h * 0.32)
        bars = code128_svg(label.code, module_mm=None, show_text=False, stretch=True)
        barcode = f'<img class="barcode" src="{_data_uri(bars)}" style="width:{inner_w:.2f}mm;height:{bar_h:.2f}mm">'
    text_w = inner_w - qr_size - (1.5 if qr_size else 0)
    return (
        f'<div class="label" style="left:{x:.2f}mm;top:{y:.2f}mm;width:{layout.label_width:.2f}mm;'
        f'height:{layout.label_height:.2f}mm;padding:{layout.padding:.2f}mm">'
        f'<div class="top"><div class="text" style="width:{text_w:.2f}mm">{"".join(parts)}</div>{qr}</div>'
        f"{barcode}</div>"
    )


def label_sheet_html(labels: Sequence[LabelData], layout: LabelLayout = A4_3X8) -> str:
    expanded = [label for label in labels for _ in range(max(1, min(label.copies, 500)))]
    pages: list[str] = []
    for start in range(0, len(expanded), layout.per_page):
        chunk = expanded[start : start + layout.per_page]
        cells = "".join(_label_html(label, layout, *layout.position(i)) for i, label in enumerate(chunk))
        pages.append(f'<section class="sheet">{cells}</section>')
    css = f"""
    @page {{ size: {layout.page_width}mm {layout.page_height}mm; margin: 0; }}
    html, body {{ margin: 0; padding: 0; font-family: {_FONTS}; color: #000; }}
    .sheet {{ position: relative; width: {layout.page_width}mm; height: {layout.page_height}mm;
              page-break-after: always; overflow: hidden; }}
    .sheet:last-child {{ page-break-after: auto; }}
    .label {{ position: absolute; box-sizing: border-box; overflow: hidden; }}
    .top {{ display: flex; justify-content: space-between; align-items: flex-start; }}
    .text {{ overflow: hidden; }}
    .code {{ font-family: "DejaVu Sans Mono", monospace; font-weight: bold; font-size: 10pt; white-space: nowrap; }}
    .zh {{ font-size: 9pt; line-height: 1.2; }}
    .en {{ font-size: 7pt; line-height: 1.2; }}
    .detail {{ font-size: 7pt; color: #333; }}
    .barcode {{ display: block; margin-top: 0.8mm; }}
    """
    head = f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>'
    return f"{head}<body>{''.join(pages)}</body></html>"


def part_labels_pdf(labels: Sequence[LabelData], layout: LabelLayout = A4_3X8) -> bytes:
    """Labels (each `copies` times) on as many sheets as needed."""
    if not labels:
        raise ValueError("no labels to print")
    from weasyprint import HTML  # imported on use: loading weasyprint costs ~0.5 s

    return HTML(string=label_sheet_html(labels, layout)).write_pdf()
