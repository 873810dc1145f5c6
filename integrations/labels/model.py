"""What a label shows, and the geometry of a sheet of labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelData:
    """One part or bin label: `code` is printed as Code 128 (printable ASCII); `qr` (default: the
    code) as a QR code; names in both languages; `detail` a small extra line (bin, quantity)."""

    code: str
    name_zh: str | None = None
    name_en: str | None = None
    detail: str | None = None
    qr: str | None = None
    copies: int = 1

    @property
    def qr_text(self) -> str:
        return self.qr or self.code


@dataclass(frozen=True)
class LabelLayout:
    """A sheet of equal labels in a grid (sizes in mm), e.g. self-adhesive A4 label stock."""

    name: str = "a4-3x8"
    page_width: float = 210.0
    page_height: float = 297.0
    columns: int = 3
    rows: int = 8
    label_width: float = 70.0
    label_height: float = 37.0
    margin_top: float = 0.5
    margin_left: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.5
    show_qr: bool = True
    show_barcode: bool = True

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Top-left corner (x, y) of the index-th label on its page."""
        slot = index % self.per_page
        row, col = divmod(slot, self.columns)
        return (
            self.margin_left + col * (self.label_width + self.gap_x),
            self.margin_top + row * (self.label_height + self.gap_y),
        )


# Common A4 stock: 24 part labels (70 × 37 mm) and 14 larger bin labels (105 × 42.3 mm).
A4_3X8 = LabelLayout()
A4_2X7 = LabelLayout(
    name="a4-2x7", columns=2, rows=7, label_width=105.0, label_height=42.3, margin_top=0.0, padding=3.5
)
LAYOUTS = {layout.name: layout for layout in (A4_3X8, A4_2X7)}
