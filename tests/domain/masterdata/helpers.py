"""Small helpers for import tests: write a sheet, run an import in one committed transaction."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.masterdata.kinds import ImportKind
from domain.masterdata.report import ImportReport
from domain.principal import Principal
from integrations.excel.importer import import_file

SYSTEM = Principal.system("test-import")


def write_sheet(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        return path
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    book.save(path)
    return path


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    kind: ImportKind | str,
    path: Path,
    *,
    principal: Principal = SYSTEM,
    dry_run: bool = False,
    partial: bool = False,
    control_total: Decimal | str | None = None,
) -> ImportReport:
    async with sessions() as session, session.begin():
        return await import_file(
            session,
            principal,
            ImportKind.parse(str(kind)),
            path,
            dry_run=dry_run,
            partial=partial,
            control_total=None if control_total is None else Decimal(str(control_total)),
        )
