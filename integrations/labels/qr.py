"""QR codes as SVG through segno (error correction at least M, raised when it costs no size)."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, *, module_mm: float | None = 0.5, border: int = 2) -> str:
    if not text:
        raise ValueError("a QR code needs content")
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    options: dict[str, object] = {"xmldecl": False, "svgns": True, "border": border, "dark": "#000"}
    if module_mm:
        options.update(scale=module_mm, unit="mm")
    else:
        options.update(omitsize=True)
    code.save(buffer, kind="svg", **options)
    return buffer.getvalue().decode("utf-8")
