"""Export → import into an empty database → export again gives the same files, for every kind."""

from __future__ import annotations

import csv
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import create_engine, session_factory
from domain.masterdata.export import export_table
from domain.stock.check import check_ledger
from integrations.excel.writer import write_table
from tests.conftest import _asyncpg_dsn, _drop, _with_database
from tests.domain.masterdata.helpers import SYSTEM, run_import, write_sheet

# Suppliers before users: a supplier user belongs to a supplier.
ORDER = [
    "locations",
    "suppliers",
    "users",
    "parts",
    "supplier_parts",
    "stock_policies",
    "synonyms",
    "dms_part_map",
    "opening_stock",
    "demand_history",
]


@pytest.fixture
async def empty_sessions(server_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A freshly migrated database with no data at all: the go-live situation."""
    from api.migrations import upgrade_async

    name = f"ims_empty_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_asyncpg_dsn(_with_database(server_url, "postgres")))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(server_url, name)
    await upgrade_async(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()
    admin = await asyncpg.connect(_asyncpg_dsn(_with_database(server_url, "postgres")))
    try:
        await _drop(admin, name)
    finally:
        await admin.close()


async def _export(sessions: async_sessionmaker[AsyncSession], kind: str, path: Path) -> None:
    async with sessions() as session, session.begin():
        table = await export_table(session, SYSTEM, kind)
        await write_table(path, table.columns, table.rows)


def _read(path: Path) -> list[list[str]]:
    """Cell texts, so an xlsx number 180 and a CSV "180" compare equal."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [list(row) for row in csv.reader(f)]
    ws = load_workbook(path, read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


async def test_export_import_export_is_the_identity(sessions, empty_sessions, tmp_path):
    # Give every kind some rows in the seeded company first.
    extra = {
        "supplier_parts": (
            ["supplier_code", "part_code", "supplier_part_no", "unit_price", "lead_time_days", "moq"],
            [["SUP-01", "BRK-0001-A", "NB-7788", "175.5", 5, 4], ["SUP-01", "BCL-0001-B", "NB-C1", 44, None, None]],
        ),
        "stock_policies": (
            ["part_code", "location_code", "safety_stock", "reorder_point", "max_stock"],
            [["BRK-0001-A", "S-BJ01", 4, 6, 20], ["BCL-0001-B", "WH", "2.5", "5", "0"]],
        ),
        "dms_part_map": (["dms_part_no", "part_code"], [["VW-1K0698151", "BRK-0001-A"], ["0986-AF", "FLT-0001-C"]]),
        "demand_history": (
            ["part_code", "location_code", "occurred_on", "quantity", "filled"],
            [["BRK-0001-A", "S-BJ01", "2026-01-05", 2, 1], ["BCL-0001-B", "S-BJ02", "2026-02-01", "1.25", "1.25"]],
        ),
    }
    for kind, (header, rows) in extra.items():
        assert (await run_import(sessions, kind, write_sheet(tmp_path / f"seed-{kind}.csv", header, rows))).applied

    first: dict[str, Path] = {}
    for n, kind in enumerate(ORDER):
        first[kind] = tmp_path / f"first-{kind}.{'csv' if n % 2 else 'xlsx'}"
        await _export(sessions, kind, first[kind])

    for kind in ORDER:
        control = None
        if kind == "opening_stock":
            control = (await run_import(empty_sessions, kind, first[kind], dry_run=True)).computed_total
            assert control and control > 0
        report = await run_import(empty_sessions, kind, first[kind], control_total=control)
        assert report.applied and report.ok, (kind, report.errors[:5])

    for kind in ORDER:
        second = tmp_path / f"second-{kind}{first[kind].suffix}"
        await _export(empty_sessions, kind, second)
        before, after = _read(first[kind]), _read(second)
        assert len(before) > 1, kind
        assert after == before, kind

    async with empty_sessions() as session:
        assert await check_ledger(session) == []
