"""Code 128 (subsets B and C, chosen automatically) to symbol values, modules and SVG.

Pure functions. Subset C packs digit pairs into one symbol, so long numeric runs (barcodes,
order numbers) print half as wide; everything else uses subset B (printable ASCII)."""

from __future__ import annotations

from xml.sax.saxutils import escape

# Bar/space widths of symbol values 0..106 (106 = stop, 7 elements); every symbol is 11 modules.
PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip
START_B, START_C, CODE_B, CODE_C, STOP = 104, 105, 100, 99, 106
QUIET_ZONE = 10  # modules of white each side, as the standard asks


def _digits_at(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return end - start


def encode(text: str) -> list[int]:
    """Symbol values: start, data (with subset switches), checksum, stop."""
    if not text:
        raise ValueError("Code 128 needs at least one character")
    bad = sorted({c for c in text if not 32 <= ord(c) <= 126})
    if bad:
        raise ValueError(f"Code 128 (subset B/C) encodes printable ASCII only, not {''.join(bad)!r}")
    n = len(text)
    first_run = _digits_at(text, 0)
    subset_c = first_run >= 4 or (first_run == n and n >= 2 and n % 2 == 0)
    values = [START_C if subset_c else START_B]
    i = 0
    while i < n:
        run = _digits_at(text, i)
        if subset_c:
            if run >= 2:
                values.append(int(text[i : i + 2]))
                i += 2
                continue
            values.append(CODE_B)
            subset_c = False
        # Subset B: switch to C for 4+ digits ending the text or 6+ digits inside it (an odd
        # run keeps its first digit in B), where the switch saves space.
        if (run >= 4 and i + run == n) or run >= 6:
            if run % 2:
                values.append(ord(text[i]) - 32)
                i += 1
            values.append(CODE_C)
            subset_c = True
            continue
        values.append(ord(text[i]) - 32)
        i += 1
    values.append(checksum(values))
    values.append(STOP)
    return values


def checksum(values: list[int]) -> int:
    """(start + Σ position × value) mod 103, over the start symbol and the data symbols."""
    return (values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))) % 103


def modules(text: str) -> str:
    """The bar pattern as '1' (bar) / '0' (space) modules, without quiet zones."""
    out: list[str] = []
    for value in encode(text):
        for index, width in enumerate(PATTERNS[value]):
            out.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(out)


def code128_svg(
    text: str, *, height: int = 40, module_mm: float | None = 0.33, show_text: bool = True, stretch: bool = False
) -> str:
    """An SVG of the barcode (viewBox in modules). `module_mm` sets the printed size (0.25-0.5 mm
    suits handheld scanners); None leaves the size to the page (CSS). `stretch` lets the bars fill
    the box they are drawn in (all modules widen alike, so it still scans)."""
    pattern = modules(text)
    width = len(pattern) + 2 * QUIET_ZONE
    text_height = 10 if show_text else 0
    total_height = height + text_height
    rects: list[str] = []
    x = 0
    while x < len(pattern):
        if pattern[x] == "1":
            run = 1
            while x + run < len(pattern) and pattern[x + run] == "1":
                run += 1
            rects.append(f'<rect x="{x + QUIET_ZONE}" y="0" width="{run}" height="{height}"/>')
            x += run
        else:
            x += 1
    size = ""
    if module_mm:
        size = f' width="{width * module_mm:.2f}mm" height="{total_height * module_mm:.2f}mm"'
    label = ""
    if show_text:
        label = (
            f'<text x="{width / 2}" y="{height + 8}" text-anchor="middle" font-size="8" '
            f'font-family="DejaVu Sans Mono, monospace">{escape(text)}</text>'
        )
    aspect = ' preserveAspectRatio="none"' if stretch else ""
    aria = escape(text, {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_height}"{size}{aspect} '
        f'role="img" aria-label="{aria}" shape-rendering="crispEdges">'
        f'<rect width="{width}" height="{total_height}" fill="#fff"/><g fill="#000">{"".join(rects)}</g>{label}</svg>'
    )
