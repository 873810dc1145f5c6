"""Import a file (xlsx or CSV) of one kind: the adapter between a path on disk and the domain's
`import_table`. Used by the CLI, the GraphQL upload and the exchange folder alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.masterdata.columns import ErrorKind
from domain.masterdata.kinds import ImportKind, spec_for
from domain.masterdata.report import ImportReport, RowError
from domain.masterdata.service import ImportOptions, Progress, import_table
from domain.principal import Principal
from domain.settings import get_settings
from integrations.excel.annotate import annotate
from integrations.excel.reader import TableFileError, file_hash, open_table


async def import_file(
    session: AsyncSession,
    principal: Principal,
    kind: ImportKind,
    path: Path,
    *,
    dry_run: bool = False,
    partial: bool = False,
    control_total: Decimal | None = None,
    sheet: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Runs inside the caller's transaction; the caller commits."""
    options = ImportOptions(
        file_name=file_name or path.name,
        file_hash=file_hash(path),
        dry_run=dry_run,
        partial=partial,
        control_total=control_total,
    )
    try:
        table = open_table(path, sheet)
    except TableFileError as error:
        report = ImportReport(kind=kind.value, file_name=options.file_name, file_hash=options.file_hash)
        report.add(RowError(None, None, None, str(error), ErrorKind.TYPE))
        return report
    with table:
        return await import_table(session, principal, kind, table.header, table.chunks(), options, progress)


async def import_records(
    session: AsyncSession,
    principal: Principal,
    kind: ImportKind,
    records: Sequence[dict[str, Any]],
    *,
    source: str,
    partial: bool = False,
) -> ImportReport:
    """Rows given as dicts (a webhook's JSON): row numbers are 1-based item positions + 1, as if
    item 0 sat on sheet row 2 under a header."""
    columns = list(dict.fromkeys(key for record in records for key in record))

    async def chunks() -> AsyncIterator[list[tuple[int, list[Any]]]]:
        yield [(n + 2, [record.get(c) for c in columns]) for n, record in enumerate(records)]

    options = ImportOptions(file_name=source, partial=partial)
    return await import_table(session, principal, kind, columns, chunks(), options)


def write_annotated(path: Path, target: Path, kind: ImportKind, report: ImportReport, sheet: str | None = None) -> None:
    annotate(path, target, spec_for(kind, get_settings().part_code_pattern), report, sheet)
