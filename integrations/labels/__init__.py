"""Labels for parts, bins and deliveries: Code 128 and QR as SVG, A4 label sheets as PDF, ZPL for
thermal printers. Pure functions (bytes/str out), used by the supplier portal (ship-notice
labels) and the store console (part and bin labels)."""

from integrations.labels.code128 import code128_svg
from integrations.labels.model import A4_2X7, A4_3X8, LAYOUTS, LabelData, LabelLayout
from integrations.labels.pdf import part_labels_pdf
from integrations.labels.qr import qr_svg
from integrations.labels.zpl import ZplLayout, labels_zpl

__all__ = [
    "A4_2X7",
    "A4_3X8",
    "LAYOUTS",
    "LabelData",
    "LabelLayout",
    "ZplLayout",
    "code128_svg",
    "labels_zpl",
    "part_labels_pdf",
    "qr_svg",
]
