"""Labels: the Code 128 encoder against known encodings, ZPL and the PDF sheet's text."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from integrations.labels import A4_3X8, LabelData, code128_svg, labels_zpl, part_labels_pdf, qr_svg
from integrations.labels.code128 import PATTERNS, encode, modules


def test_symbol_table_is_well_formed() -> None:
    assert len(PATTERNS) == 107 and len(set(PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in PATTERNS[:106])
    assert sum(map(int, PATTERNS[106])) == 13


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # Subset B, checksum (104 + Σ i·v) mod 103; values cross-checked with the zxing-cpp decoder.
        ("PJJ123C", [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]),
        ("BRK-0001-A", [104, 34, 50, 43, 13, 16, 16, 16, 17, 13, 33, 54, 106]),
        # An EAN-13 number: subset C pairs, then Code B for the odd last digit.
        ("6901234567892", [105, 69, 1, 23, 45, 67, 89, 100, 18, 78, 106]),
        ("12345", [105, 12, 34, 100, 21, 54, 106]),
        ("1234", [105, 12, 34, 82, 106]),
        # Six digits inside text switch to C; three do not.
        ("A123456B", [104, 33, 99, 12, 34, 56, 100, 34, 80, 106]),
        ("A123B", [104, 33, 17, 18, 19, 34, 59, 106]),
    ],
)
def test_code128_symbol_values(text: str, values: list[int]) -> None:
    assert encode(text) == values


def test_code128_modules_of_a_single_letter() -> None:
    # Start B 211214, "A" (33) 111323, checksum (104 + 33) % 103 = 34 → 131123, stop 2331112.
    expected = "11010010000" + "10100011000" + "10001011000" + "1100011101011"
    assert modules("A") == expected


def test_code128_refuses_what_it_cannot_encode() -> None:
    with pytest.raises(ValueError):
        encode("刹车片")
    with pytest.raises(ValueError):
        encode("")


def test_code128_svg_draws_every_bar() -> None:
    svg = code128_svg("BRK-0001-A", module_mm=0.33)
    bars = len(re.findall(r"1+", modules("BRK-0001-A")))
    assert svg.count('<rect x="') == bars
    assert 'width="54.45mm"' in svg  # (145 modules + 2 × 10 quiet) × 0.33 mm
    assert ">BRK-0001-A</text>" in svg


def test_qr_svg() -> None:
    svg = qr_svg("IMS:ASN:42")
    assert svg.startswith("<svg") and "<path" in svg and 'width="' in svg


def test_zpl_has_utf8_barcode_qr_and_escapes() -> None:
    zpl = labels_zpl(
        [
            LabelData("BRK-0001-A", "前刹车片", "Front Brake Pad", "WH-A^01_1", copies=3),
            LabelData("FLT-0001-C", None, "Oil Filter", qr="IMS:PART:FLT-0001-C"),
        ]
    )
    formats = zpl.split("^XZ\n")
    assert formats[-1] == "" and len(formats) == 3
    first = formats[0]
    assert first.startswith("^XA\n^CI28\n")
    assert "^BCN,80,Y,N,N,A^FH_^FDBRK-0001-A^FS" in first
    assert "^BQN,2,3^FH_^FDMA,BRK-0001-A^FS" in first
    assert "^A@N,24,24,E:ANMDS.TTF^FH_^FD前刹车片^FS" in first
    assert "WH-A_5E01_5F1" in first  # ^ and _ would be read as commands
    assert "^PQ3" in first
    assert "MA,IMS:PART:FLT-0001-C" in formats[1]
    with pytest.raises(ValueError):
        labels_zpl([LabelData("刹车")])


def test_label_sheet_pdf_text_and_pages() -> None:
    labels = [LabelData("BRK-0001-A", "前刹车片", "Front Brake Pad", "WH-A-01-01")] + [
        LabelData(f"FLT-{n:04d}-C", "机油滤清器", "Oil Filter") for n in range(24)
    ]
    reader = PdfReader(io.BytesIO(part_labels_pdf(labels, A4_3X8)))
    assert len(reader.pages) == 2  # 25 labels, 24 a sheet
    first = reader.pages[0].extract_text()
    assert "BRK-0001-A" in first and "前刹车片" in first and "Front Brake Pad" in first and "WH-A-01-01" in first
    assert "FLT-0023-C" in reader.pages[1].extract_text()
