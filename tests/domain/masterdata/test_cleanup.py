"""Cleanup: duplicate detection (synonyms, barcodes, specs), merging with ledger invariants kept,
zombie codes and completeness."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError
from domain.masterdata import cleanup
from domain.masterdata.duplicates import PartRecord, SynonymFolder, find_candidates
from domain.principal import Principal
from domain.stock import ledger, reservations
from domain.stock.check import check_ledger
from tests.domain.masterdata.helpers import SYSTEM, run_import, write_sheet

FOLDER = SynonymFolder([(1, "刹车片"), (1, "制动片"), (1, "brake pad"), (2, "机油滤清器"), (2, "oil filter")])


def _p(
    n: int, code: str, zh: str, en: str, barcode: str | None = None, category: str = "BRK", spec: str | None = None
) -> PartRecord:
    return PartRecord(n, code, barcode, zh, en, category, "SET", spec)


def test_synonyms_barcodes_and_specs_are_detected():
    parts = [
        _p(1, "BRK-0001-A", "前刹车片", "Front Brake Pad", barcode="6901234567892"),
        _p(2, "BRK-0009-A", "前制动片", "Front pads", barcode="06901234567892"),  # same barcode, synonym name
        _p(3, "BRK-0010-A", "刹车片", "Pads"),
        _p(4, "BRK-0011-A", "盘片", "Brake Pad"),  # an English synonym of #3's Chinese name
        _p(5, "FLT-0001-C", "机油滤清器 W719/30", "Oil filter", category="FLT", spec="M20×1.5 H=94"),
        _p(6, "FLT-0002-C", "机油滤清器W719/30", "Oil filter", category="FLT", spec="m20x1.5 h=94"),
        _p(7, "BRK-0002-A", "前刹车片", "Front Brake Pad Ceramic"),  # a known substitute of #1
    ]
    found = {(c.a.code, c.b.code): c for c in find_candidates(parts, FOLDER, related={(1, 7), (7, 1)})}
    assert "same barcode" in found[("BRK-0001-A", "BRK-0009-A")].reasons
    assert "same name (synonyms folded)" in found[("BRK-0001-A", "BRK-0009-A")].reasons
    assert "same name (synonyms folded)" in found[("BRK-0010-A", "BRK-0011-A")].reasons
    assert "near-identical specification" in found[("FLT-0001-C", "FLT-0002-C")].reasons
    assert ("BRK-0001-A", "BRK-0002-A") not in found
    assert found[("BRK-0001-A", "BRK-0009-A")].score == 1.0


async def _add_duplicate(sessions, tmp_path):  # type: ignore[no-untyped-def]
    path = write_sheet(
        tmp_path / "dup.xlsx",
        ["code", "name_zh", "name_en", "category", "uom", "costing_method", "purchase_price", "sale_price", "aliases"],
        [["BRK-0009-A", "前制动片", "Front pads", "BRK", "SET", "fifo", 170, 350, "06901234567892"]],
    )
    assert (await run_import(sessions, "parts", path)).applied
    policy = write_sheet(
        tmp_path / "policy.csv",
        ["part_code", "location_code", "safety_stock", "reorder_point", "max_stock"],
        [["BRK-0009-A", "S-BJ02", 2, 3, 9], ["BRK-0009-A", "S-BJ01", 1, 1, 1]],
    )
    assert (await run_import(sessions, "stock_policies", policy)).applied
    dms = write_sheet(tmp_path / "dms.csv", ["dms_part_no", "part_code"], [["VW-DUP", "BRK-0009-A"]])
    assert (await run_import(sessions, "dms_part_map", dms)).applied
    async with sessions() as session, session.begin():
        ids = dict((await session.execute(text("SELECT code, id FROM part"))).tuples().all())
        locs = dict((await session.execute(text("SELECT code, id FROM location"))).tuples().all())
        await ledger.post(
            session,
            SYSTEM,
            ledger.Posting(
                doc_type="opening_balance",
                lines=[
                    ledger.MoveLine(
                        ids["BRK-0009-A"], locs["V-ADJUSTMENT"], locs["S-BJ01"], Decimal(4), "L9", Decimal(170)
                    ),
                    ledger.MoveLine(
                        ids["BRK-0009-A"], locs["V-ADJUSTMENT"], locs["S-BJ01"], Decimal(2), "L8", Decimal(160)
                    ),
                    ledger.MoveLine(
                        ids["BRK-0009-A"], locs["V-ADJUSTMENT"], locs["WH-B-01-01"], Decimal(5), "", Decimal(171)
                    ),
                ],
            ),
        )
        await session.execute(
            text(
                "INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock,"
                " source) VALUES (:p, :l, 5, 5, 5, 'manual')"
            ),
            {"p": ids["BRK-0001-A"], "l": locs["S-BJ01"]},
        )
        await session.execute(
            text(
                "INSERT INTO demand_event (part_id, location_id, occurred_on, quantity, filled, source)"
                " VALUES (:p, :l, '2026-01-01', 1, 1, 'history')"
            ),
            {"p": ids["BRK-0009-A"], "l": locs["S-BJ01"]},
        )
    return ids, locs


async def test_detect_then_merge_moving_stock_through_the_ledger(sessions, tmp_path):
    ids, _ = await _add_duplicate(sessions, tmp_path)
    async with sessions() as session:
        found = await cleanup.duplicate_candidates(session, SYSTEM)
    pair = next(c for c in found if {c.a.code, c.b.code} == {"BRK-0001-A", "BRK-0009-A"})
    assert {"same barcode", "same name (synonyms folded)"} <= set(pair.reasons)
    assert not any({c.a.code, c.b.code} == {"BRK-0001-A", "BRK-0002-A"} for c in found)
    async with sessions() as session:
        value_before = (
            await session.execute(
                text(
                    "SELECT sum(b.on_hand * coalesce(l.unit_cost, p.avg_cost)) FROM stock_balance b"
                    " JOIN part p ON p.id = b.part_id LEFT JOIN lot l ON l.part_id = b.part_id"
                    " AND l.lot_no = b.lot_no AND p.costing_method = 'fifo'"
                )
            )
        ).scalar()
        survivor_before = (
            await session.execute(
                text("SELECT coalesce(sum(on_hand), 0) FROM stock_balance WHERE part_id = :p"), {"p": ids["BRK-0001-A"]}
            )
        ).scalar()

    async with sessions() as session, session.begin():
        result = await cleanup.merge_parts(session, SYSTEM, "brk-0009-a", "BRK-0001-A", "entered twice")
    assert result.moved_lines == 3
    # Lots leave at their cost; the unlotted line at the (FIFO part's) moving average.
    assert Decimal(1840) < result.moved_value < Decimal(1855)
    assert result.repointed["dms_part_numbers"] == 1 and result.repointed["demand_events"] == 1

    async with sessions() as session:
        assert await check_ledger(session) == []
        q = lambda sql, **p: session.execute(text(sql), p)  # noqa: E731
        dup = (await q("SELECT active, superseded_by_id FROM part WHERE id = :p", p=ids["BRK-0009-A"])).one()
        assert dup.active is False and dup.superseded_by_id == ids["BRK-0001-A"]
        assert (
            await q("SELECT coalesce(sum(on_hand), 0) FROM stock_balance WHERE part_id = :p", p=ids["BRK-0009-A"])
        ).scalar() == 0
        assert (
            await q("SELECT sum(on_hand) FROM stock_balance WHERE part_id = :p", p=ids["BRK-0001-A"])
        ).scalar() == survivor_before + 11
        # Lots keep their numbers at the survivor; the duplicate's moves stay where they were.
        assert (
            await q("SELECT on_hand FROM stock_balance WHERE part_id = :p AND lot_no = 'L8'", p=ids["BRK-0001-A"])
        ).scalar() == 2
        moves = (await q("SELECT count(*) FROM stock_move WHERE part_id = :p", p=ids["BRK-0009-A"])).scalar()
        assert moves == 6  # 3 opening + 3 out by the merge
        values = dict(
            (
                await q(
                    "SELECT (part_id = :p) AS out, round(sum(quantity * unit_cost), 2) FROM stock_move"
                    " WHERE doc_type = 'part_merge' GROUP BY 1",
                    p=ids["BRK-0009-A"],
                )
            )
            .tuples()
            .all()
        )
        assert values[True] == values[False] == result.moved_value  # out and in at the same value
        # The survivor keeps its own S-BJ01 policy and takes over S-BJ02.
        policies = dict(
            (
                await q(
                    "SELECT l.code, x.safety_stock FROM part_location_policy x JOIN location l "
                    "ON l.id = x.location_id WHERE x.part_id = :p",
                    p=ids["BRK-0001-A"],
                )
            )
            .tuples()
            .all()
        )
        assert policies == {"S-BJ01": Decimal(5), "S-BJ02": Decimal(2)}
        aliases = set((await q("SELECT alias FROM part_alias WHERE part_id = :p", p=ids["BRK-0001-A"])).scalars())
        assert {"BRK-0009-A", "06901234567892", "前制动片"} <= aliases
        value_after = (
            await session.execute(
                text(
                    "SELECT sum(b.on_hand * coalesce(l.unit_cost, p.avg_cost)) FROM stock_balance b"
                    " JOIN part p ON p.id = b.part_id LEFT JOIN lot l ON l.part_id = b.part_id"
                    " AND l.lot_no = b.lot_no AND p.costing_method = 'fifo'"
                )
            )
        ).scalar()
        # The survivor is a moving-average part: its average absorbed the merged value exactly.
        assert abs(value_after - value_before) < Decimal("0.01")
        assert (await q("SELECT count(*) FROM outbox_event WHERE topic = 'part.merged'")).scalar() == 1

    async with sessions() as session, session.begin():
        with pytest.raises(DomainError) as again:
            await cleanup.merge_parts(session, SYSTEM, "BRK-0009-A", "BRK-0001-A")
    assert again.value.code == "INVALID_STATE"


async def test_merge_refuses_open_documents_other_units_and_non_admins(sessions, tmp_path):
    ids, locs = await _add_duplicate(sessions, tmp_path)
    async with sessions() as session, session.begin():
        await reservations.reserve(
            session,
            SYSTEM,
            part_id=ids["BRK-0009-A"],
            location_id=locs["S-BJ01"],
            quantity=Decimal(1),
            precision=0,
            doc_type="work_order",
            doc_ref="WO-000009/1",
        )
    async with sessions() as session, session.begin():
        with pytest.raises(DomainError) as refused:
            await cleanup.merge_parts(session, SYSTEM, "BRK-0009-A", "BRK-0001-A")
    assert refused.value.code == "INVALID_STATE" and "WO-000009/1" in refused.value.message
    async with sessions() as session, session.begin():
        with pytest.raises(DomainError) as units:
            await cleanup.merge_parts(session, SYSTEM, "BCL-0001-B", "BRK-0001-A")
    assert "units" in units.value.message
    from domain.principal import PrincipalKind, Role

    manager = Principal(
        kind=PrincipalKind.USER,
        name="m",
        roles=frozenset({Role.STORE_MANAGER}),
        scopes=frozenset({"admin", "stock:write"}),
    )
    async with sessions() as session, session.begin():
        with pytest.raises(DomainError) as forbidden:
            await cleanup.merge_parts(session, manager, "BRK-0009-A", "BRK-0001-A")
    assert forbidden.value.code == "FORBIDDEN"


async def test_zombies_and_completeness(sessions, tmp_path):
    path = write_sheet(
        tmp_path / "parts.xlsx",
        ["code", "name_zh", "name_en", "category", "uom", "purchase_price", "sale_price", "photo_url", "manual_url"],
        [["FLT-0099-C", "旧滤芯", "Old filter", "FLT", "PCS", 10, 0, "https://img/x.jpg", None]],
    )
    assert (await run_import(sessions, "parts", path)).applied
    async with sessions() as session, session.begin():
        await session.execute(
            text("UPDATE part SET created_at = now() - interval '3 years' WHERE code IN ('FLT-0099-C', 'FLT-0001-C')")
        )
        zombies = await cleanup.zombie_parts(session, SYSTEM, months=12)
        assert [z.code for z in zombies] == ["FLT-0099-C"]  # FLT-0001-C has stock
        assert await cleanup.retire_parts(session, SYSTEM, ["FLT-0099-C", "FLT-0001-C"]) == ["FLT-0099-C"]
    async with sessions() as session:
        items, totals = await cleanup.completeness_report(session, SYSTEM)
    assert totals["parts"] == 4 and totals["missing"]["photo"] == 4 and totals["missing"]["safety_stock"] == 4
    assert all(set(i.missing) >= {"photo", "manual", "safety_stock"} for i in items)
