"""Imports: every row validated before anything is written, every error kind reported, all or
nothing unless partial, opening stock only against finance's control total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError
from domain.masterdata.columns import ErrorKind
from domain.principal import Principal, PrincipalKind, Role
from domain.stock.check import check_ledger
from tests.domain.masterdata.helpers import run_import, write_sheet

PART_HEADER = [
    "code",
    "barcode",
    "name_zh",
    "name_en",
    "category",
    "uom",
    "uom_precision",
    "purchase_price",
    "sale_price",
    "primary_supplier_code",
    "superseded_by",
    "substitutes",
    "aliases",
]


def _part(code: str, **overrides: object) -> list[object]:
    values = {
        "code": code,
        "barcode": None,
        "name_zh": "后刹车片",
        "name_en": "Rear Brake Pad",
        "category": "BRK",
        "uom": "SET",
        "uom_precision": 0,
        "purchase_price": "150",
        "sale_price": "300",
        "primary_supplier_code": "SUP-01",
        "superseded_by": None,
        "substitutes": None,
        "aliases": None,
    }
    values.update(overrides)
    return [values[h] for h in PART_HEADER]


async def _scalar(sessions, sql: str, **params):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return (await session.execute(text(sql), params)).scalar()


async def test_every_error_kind_is_reported_and_nothing_is_written(sessions, tmp_path):
    path = write_sheet(
        tmp_path / "parts.xlsx",
        [*PART_HEADER, "colour"],
        [
            [*_part("BRK-0101-A"), None],  # fine on its own, but the file is all-or-nothing
            [*_part("brk-0102-a", name_zh=None), None],  # required (code is upper-cased, fine)
            [*_part("BRK-0103-A", purchase_price="abc"), None],  # type
            [*_part("BRK-0104-A", sale_price="-1"), None],  # range
            [*_part("BRK-0105-A", uom="BUCKET"), None],  # choice
            [*_part("BRK-0106-A", name_en="x" * 201), None],  # too long
            [*_part("BRAKE-1"), None],  # pattern (the coding rule)
            [*_part("BRK-0108-A", uom_precision=2), None],  # unit: a SET has no decimals
            [*_part("BRK-0109-A", purchase_price="1.23456"), None],  # precision of money
            [*_part("BRK-0110-A", primary_supplier_code="SUP-99"), None],  # reference
            [*_part("BRK-0101-A"), None],  # duplicate of row 2
            [*_part("BRK-0112-A", barcode="6901234567892"), None],  # conflict: BRK-0001-A's barcode
            [*_part("BRK-0113-A", superseded_by="BRK-0113-A"), None],  # rule
        ],
    )
    report = await run_import(sessions, "parts", path)
    assert not report.applied
    # An unknown (misspelt?) column stops the file before any row is read.
    assert [e.kind for e in report.errors] == [ErrorKind.UNKNOWN_COLUMN]
    assert report.errors[0].row == 1 and report.errors[0].column == "colour"
    missing = write_sheet(tmp_path / "missing.csv", [h for h in PART_HEADER if h != "name_en"], [])
    report = await run_import(sessions, "parts", missing)
    assert [(e.kind, e.column) for e in report.errors] == [(ErrorKind.MISSING_COLUMN, "name_en")]

    path = write_sheet(tmp_path / "parts2.xlsx", PART_HEADER, [row[:-1] for row in _rows_of(path)])
    report = await run_import(sessions, "parts", path)
    assert not report.applied and report.rows_total == 13
    by_row = {(e.row, e.kind) for e in report.errors}
    expected = {
        (3, ErrorKind.REQUIRED),
        (4, ErrorKind.TYPE),
        (5, ErrorKind.RANGE),
        (6, ErrorKind.CHOICE),
        (7, ErrorKind.TOO_LONG),
        (8, ErrorKind.PATTERN),
        (9, ErrorKind.UNIT),
        (10, ErrorKind.PRECISION),
        (11, ErrorKind.REFERENCE),
        (12, ErrorKind.DUPLICATE),
        (13, ErrorKind.CONFLICT),
        (14, ErrorKind.RULE),
    }
    assert expected <= by_row, sorted(by_row - expected)
    error = next(e for e in report.errors if e.kind is ErrorKind.REFERENCE)
    assert (error.column, error.value) == ("primary_supplier_code", "SUP-99")
    assert report.rows_rejected == 12 and report.rows_applied == 0
    assert await _scalar(sessions, "SELECT count(*) FROM part WHERE code LIKE 'BRK-01%'") == 0
    # The rejected batch is on record; nothing else is.
    assert await _scalar(sessions, "SELECT status FROM import_batch ORDER BY id DESC LIMIT 1") == "rejected"


def _rows_of(path):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


async def test_partial_applies_the_valid_rows_and_cascades_references(sessions, tmp_path):
    path = write_sheet(
        tmp_path / "parts.csv",
        PART_HEADER,
        [
            _part("BRK-0201-A", substitutes="BRK-0202-A; BRK-0001-A", aliases="后片；Rear pads"),
            _part("BRK-0202-A", purchase_price="oops"),  # bad, so BRK-0201-A's substitute goes missing too
            _part("BRK-0203-A", superseded_by="BRK-0204-A", barcode="6901234567939"),
            _part("BRK-0204-A"),
        ],
    )
    report = await run_import(sessions, "parts", path, partial=True)
    assert report.applied
    assert {(e.row, e.kind) for e in report.errors} == {(3, ErrorKind.TYPE), (2, ErrorKind.REFERENCE)}
    assert report.rows_applied == 2 and report.rows_rejected == 2
    assert (
        await _scalar(
            sessions,
            "SELECT s.code FROM part p JOIN part s ON s.id = p.superseded_by_id WHERE p.code = 'BRK-0203-A'",
        )
        == "BRK-0204-A"
    )
    assert await _scalar(sessions, "SELECT count(*) FROM part WHERE code IN ('BRK-0201-A', 'BRK-0202-A')") == 0


async def test_dry_run_reimport_and_absent_columns(sessions, tmp_path):
    path = write_sheet(
        tmp_path / "parts.xlsx",
        PART_HEADER,
        [_part("BRK-0301-A", substitutes="BRK-0001-A", aliases="后片"), _part("BRK-0302-A", barcode=6901234567939)],
    )
    report = await run_import(sessions, "parts", path, dry_run=True)
    assert report.ok and not report.applied and report.summary["inserted"] == 2
    assert await _scalar(sessions, "SELECT count(*) FROM part WHERE code LIKE 'BRK-03%'") == 0
    assert await _scalar(sessions, "SELECT count(*) FROM import_batch") == 0

    first = await run_import(sessions, "parts", path)
    assert first.applied and first.summary["inserted"] == 2
    # The barcode typed as a number comes back as the text it is.
    assert await _scalar(sessions, "SELECT barcode FROM part WHERE code = 'BRK-0302-A'") == "6901234567939"
    again = await run_import(sessions, "parts", path)
    assert again.applied and again.summary == {**first.summary, "inserted": 0, "updated": 2}
    assert (
        await _scalar(
            sessions,
            "SELECT count(*) FROM part_substitute WHERE part_id IN (SELECT id FROM part WHERE code = 'BRK-0301-A')",
        )
        == 1
    )

    # Columns the file does not have keep their values.
    path = write_sheet(
        tmp_path / "prices.xlsx",
        ["code", "name_zh", "name_en", "category", "uom", "purchase_price", "sale_price"],
        [["FLT-0001-C", "机油滤清器", "Oil Filter", "FLT", "PCS", 30, 60]],
    )
    report = await run_import(sessions, "parts", path)
    assert report.applied, report.errors
    assert await _scalar(sessions, "SELECT barcode FROM part WHERE code = 'FLT-0001-C'") == "6901234567922"
    assert await _scalar(sessions, "SELECT purchase_price FROM part WHERE code = 'FLT-0001-C'") == Decimal(30)


async def test_opening_stock_posts_only_against_the_control_total(sessions, tmp_path):
    header = ["part_code", "location_code", "lot_no", "quantity", "unit_cost", "received_on", "expiry_date"]
    rows = [
        ["FLT-0001-C", "S-BJ02", None, 12, "28.5", "2026-10-01", None],
        ["BCL-0001-B", "WH-A-01-02", "C2409", "7.25", "40", "2026-09-01", "2028-09-01"],
        ["BRK-0002-A", "S-BJ03", "L2409", 3, "250", None, None],
    ]
    path = write_sheet(tmp_path / "opening.xlsx", header, rows)
    total = Decimal("12") * Decimal("28.5") + Decimal("7.25") * 40 + 3 * 250  # 1382.00

    dry = await run_import(sessions, "opening_stock", path, dry_run=True)
    assert dry.ok and dry.computed_total == total and any("control total" in n for n in dry.notes)

    wrong = await run_import(sessions, "opening_stock", path, control_total="1382.01")
    assert not wrong.applied and [e.kind for e in wrong.errors] == [ErrorKind.CONTROL_TOTAL]
    assert await _scalar(sessions, "SELECT count(*) FROM stock_posting WHERE doc_type = 'opening_balance'") == 1

    report = await run_import(sessions, "opening_stock", path, control_total="1,382.00".replace(",", ""))
    assert report.applied and report.summary["lines"] == 3
    async with sessions() as session:
        assert await check_ledger(session) == []
        value = (
            await session.execute(
                text("SELECT sum(m.quantity * m.unit_cost) FROM stock_move m WHERE m.posting_id = :id"),
                {"id": report.summary["posting_id"]},
            )
        ).scalar()
        assert value == total
        expiry = (await session.execute(text("SELECT expiry_date::text FROM lot WHERE lot_no = 'C2409'"))).scalar()
        assert expiry == "2028-09-01"

    again = await run_import(sessions, "opening_stock", path, control_total=total)
    assert not again.applied and again.errors[0].kind is ErrorKind.ALREADY_IMPORTED

    # A different file onto places that now hold stock, a virtual location and an over-precise quantity.
    clash = write_sheet(
        tmp_path / "opening2.xlsx",
        header,
        [
            ["FLT-0001-C", "S-BJ02", None, 1, 28, None, None],
            ["FLT-0001-C", "V-SUPPLIER", None, 1, 28, None, None],
            ["FLT-0001-C", "S-SH01", None, "1.5", 28, None, None],
            ["FLT-0001-C", "R-N", None, 1, 28, None, None],
        ],
    )
    refused = await run_import(sessions, "opening_stock", clash, control_total=0)
    kinds = {(e.row, e.kind) for e in refused.errors}
    assert {(2, ErrorKind.CONFLICT), (3, ErrorKind.RULE), (4, ErrorKind.PRECISION), (5, ErrorKind.RULE)} <= kinds


async def test_demand_history_suppliers_locations_and_synonyms(sessions, tmp_path):
    demand = write_sheet(
        tmp_path / "demand.csv",
        ["part_code", "location_code", "occurred_on", "quantity", "filled"],
        [["BRK-0001-A", "S-BJ01", "2026-01-05", 2, 1], ["BCL-0001-B", "S-BJ01", "2026/01/06", "1.5", None]],
    )
    report = await run_import(sessions, "demand-history", demand)
    assert report.applied and report.summary["inserted"] == 2
    assert (await run_import(sessions, "demand_history", demand)).errors[0].kind is ErrorKind.ALREADY_IMPORTED

    suppliers = write_sheet(
        tmp_path / "suppliers.xlsx",
        ["code", "name_zh", "name_en", "on_time_rate", "contact_name", "contact_email"],
        [
            ["SUP-02", "华东滤清器厂", "East Filters", "0.95", "王经理", "wang@example.cn"],
            ["SUP-01", "华北制动", "NB", None, "李", "not-an-email"],
        ],
    )
    bad = await run_import(sessions, "suppliers", suppliers)
    assert [(e.row, e.kind) for e in bad.errors] == [(3, ErrorKind.PATTERN)]

    locations = write_sheet(
        tmp_path / "locations.xlsx",
        ["code", "name_zh", "name_en", "kind", "parent_code", "bin_capacity"],
        [
            ["WH-D-01-01", "D区01排01位", "Bin D-01-01", "bin", "WH-D", 300],  # parent comes later in the file
            ["WH-D", "D区", "Zone D", "zone", "WH", None],
            ["S-BJ09", "北京九店", "Beijing 9", "store", "WH-A", None],  # a store under a zone
            ["X-LOOP-1", "环1", "Loop 1", "region", "X-LOOP-2", None],
            ["X-LOOP-2", "环2", "Loop 2", "region", "X-LOOP-1", None],
        ],
    )
    refused = await run_import(sessions, "locations", locations)
    assert {(e.row, e.kind) for e in refused.errors} >= {(4, ErrorKind.RULE), (5, ErrorKind.RULE)}
    fine = write_sheet(
        tmp_path / "locations2.xlsx",
        ["code", "name_zh", "name_en", "kind", "parent_code", "bin_capacity"],
        [
            ["WH-D-01-01", "D区01排01位", "Bin D-01-01", "bin", "WH-D", 300],
            ["WH-D", "D区", "Zone D", "zone", "WH", None],
        ],
    )
    report = await run_import(sessions, "locations", fine)
    assert report.applied and report.summary == {"inserted": 2, "updated": 0}
    async with sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT b.path, b.site_id = w.id AS same_site FROM location b, location w "
                    "WHERE b.code = 'WH-D-01-01' AND w.code = 'WH'"
                )
            )
        ).one()
        assert row.path == "HQ/WH/WH-D/WH-D-01-01" and row.same_site

    synonyms = write_sheet(
        tmp_path / "synonyms.csv", ["group_no", "term"], [[1, "刹车皮"], [1, "制动片"], [1, "刹车皮"]]
    )
    report = await run_import(sessions, "synonyms", synonyms, partial=True)
    assert report.applied and report.summary["inserted"] == 1 and report.rows_rejected == 1


async def test_users_need_user_management_rights_and_staff_may_not_import(sessions, tmp_path):
    users = write_sheet(
        tmp_path / "users.xlsx",
        ["username", "display_name", "role", "location_code", "supplier_code"],
        [["store.bj02", "张三", "store_manager", "S-BJ02", None], ["sup.user", "供应商", "supplier", None, "SUP-01"]],
    )
    hq = Principal(
        kind=PrincipalKind.USER, name="hq", roles=frozenset({Role.HQ_OPERATIONS}), scopes=frozenset({"admin"})
    )
    refused = await run_import(sessions, "users", users, principal=hq)
    assert not refused.applied and "not allowed" in refused.errors[0].message
    report = await run_import(sessions, "users", users)
    assert report.applied and report.summary["inserted"] == 2
    again = await run_import(sessions, "users", users)
    assert again.applied and again.summary["inserted"] == 0

    path = write_sheet(tmp_path / "parts.xlsx", PART_HEADER, [_part("BRK-0401-A")])
    staff = Principal(
        kind=PrincipalKind.USER, name="s", roles=frozenset({Role.STORE_STAFF}), scopes=frozenset({"admin"})
    )
    with pytest.raises(DomainError) as forbidden:
        await run_import(sessions, "parts", path, principal=staff)
    assert forbidden.value.code == "FORBIDDEN"
