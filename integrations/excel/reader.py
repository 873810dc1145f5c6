"""Read an xlsx or CSV table as a header and a stream of numbered rows, in flat memory.

xlsx files are opened with openpyxl's read-only mode (rows are parsed as they are iterated, the
sheet is never loaded whole); CSV is decoded as UTF-8 (with or without BOM) or, failing that,
GB18030 — what Excel on a Chinese Windows writes. Row numbers are the sheet's own (header = 1), so
error reports point at the cell a clerk sees."""

from __future__ import annotations

import asyncio
import codecs
import csv
import hashlib
import zipfile
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

XLSX_MAGIC = b"PK\x03\x04"
CHUNK_ROWS = 2000
# An xlsx is a zip: a small upload could expand to gigabytes of XML (a zip bomb). A 100,000-row
# part sheet is ~70 MB unpacked.
MAX_UNPACKED_BYTES = 1 << 30


_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"


def _dimensions_from_the_head(self: ReadOnlyWorksheet) -> None:
    """openpyxl looks for the optional <dimension> element with "end" events; in a sheet without one
    (every file written in write-only mode, ours included) the first "end" past it is that of
    <sheetData>, so the whole sheet was parsed once just to find nothing — a third of the import
    time of a big file. "start" events stop where the data begins; the result is the same."""
    with self._get_source() as src:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == _DIMENSION:
                ref = element.get("ref")
                if ref:
                    self._min_column, self._min_row, self._max_column, self._max_row = range_boundaries(ref)
                return
            if element.tag == _SHEET_DATA:
                return


if hasattr(ReadOnlyWorksheet, "_get_size"):
    ReadOnlyWorksheet._get_size = _dimensions_from_the_head  # type: ignore[method-assign]


class TableFileError(ValueError):
    """The file cannot be read as a table at all (not xlsx/CSV, no header, no such sheet)."""


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == XLSX_MAGIC


def _csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else GB18030 (checked incrementally)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


@dataclass
class Table:
    """An open table; iterate `rows()` once, then `close()` (or use as a context manager)."""

    header: list[Any]
    sheet: str | None
    estimated_rows: int | None
    _rows: Iterator[tuple[int, Sequence[Any]]]
    _closers: list[Any] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        return self._rows

    async def chunks(self, size: int = CHUNK_ROWS) -> AsyncIterator[list[tuple[int, Sequence[Any]]]]:
        """Chunks parsed in a worker thread, so a big file never stalls the event loop."""
        while True:
            chunk = await asyncio.to_thread(lambda: list(islice(self._rows, size)))
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        for closer in self._closers:
            closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_header(rows: Iterator[tuple[int, Sequence[Any]]]) -> list[Any]:
    for _, cells in rows:
        if any(c is not None and str(c).strip() for c in cells):
            return list(cells)
    raise TableFileError("the file is empty: the first non-empty row must be the header")


def open_table(path: Path, sheet: str | None = None) -> Table:
    if is_xlsx(path):
        return _open_xlsx(path, sheet)
    return _open_csv(path)


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableFileError("not a readable xlsx file (damaged zip)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableFileError(f"the workbook unpacks to {unpacked / 1e6:,.0f} MB; split it (limit 1 GB)")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TableFileError(f"not a readable xlsx file: {error}") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise TableFileError(f"no sheet {sheet!r}; the file has {', '.join(book.sheetnames)}")
    # Templates carry a README sheet; the data sheet is the named one or the first other sheet.
    names = (
        [sheet] if sheet else [n for n in book.sheetnames if n.lower() not in ("readme", "lists")] or book.sheetnames
    )
    ws = book[names[0]]
    rows = ((n, cells) for n, cells in enumerate(ws.iter_rows(values_only=True), start=1))
    header = _first_header(rows)
    return Table(header, ws.title, ws.max_row, rows, [book.close])


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def _open_csv(path: Path) -> Table:
    encoding = _csv_encoding(path)
    handle: IO[str] = path.open("r", encoding=encoding, newline="")
    sample = handle.read(65536)
    handle.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    rows = ((n, cells) for n, cells in enumerate(reader, start=1))
    try:
        header = _first_header(rows)
    except TableFileError:
        handle.close()
        raise
    return Table(header, None, _count_lines(path), rows, [handle.close])
