"""Work orders at the domain level: creation (idempotent for the DMS), kit check with sources and
substitutes, FIFO reservation, scan-confirmed picks, issue at cost, returns, and refusals."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.stock import ledger
from domain.stock.check import check_ledger
from domain.workshop import issuing, kit, picking, service
from domain.workshop.service import CreateWorkOrder, PartQuantity, Vehicle

SYSTEM = Principal.system("test")
VEHICLE = Vehicle(vin="LSVAU2180N2183294", make="Volkswagen", model="Lavida", year=2022)


def staff(path: str, name: str = "li") -> Principal:
    return Principal(PrincipalKind.USER, name, frozenset({Role.STORE_STAFF}), location_paths=(path,))


async def _create(sessions, lines, store="S-BJ01", external_id=None, principal=SYSTEM):
    async with sessions() as s, s.begin():
        return await service.create_work_order(
            s,
            principal,
            CreateWorkOrder(
                store, VEHICLE, "front brakes squeal", [PartQuantity(c, Decimal(q)) for c, q in lines], external_id
            ),
        )


async def _balance(sessions, part: str, location: str) -> tuple[Decimal, Decimal]:
    async with sessions() as s:
        row = (
            await s.execute(
                text(
                    "SELECT coalesce(sum(on_hand), 0), coalesce(sum(reserved), 0) FROM stock_balance b "
                    "JOIN part p ON p.id = b.part_id JOIN location l ON l.id = b.location_id "
                    "WHERE p.code = :p AND l.code = :l"
                ),
                {"p": part, "l": location},
            )
        ).one()
    return row[0], row[1]


async def _ledger_ok(sessions) -> None:
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_create_validates_and_replays_on_external_id(sessions) -> None:
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await service.create_work_order(
                s,
                SYSTEM,
                CreateWorkOrder(
                    "S-BJ01",
                    Vehicle("LSVAU2180N218329O", "VW", "Lavida"),
                    "x",
                    [PartQuantity("FLT-0001-C", Decimal(1)), PartQuantity("flt-0001-c", Decimal(2))],
                ),
            )
    fields = {tuple(e.field) for e in err.value.errors}
    assert ("vehicle", "vin") in fields and ("lines", "1", "partCode") in fields

    first = await _create(sessions, [("FLT-0001-C", 2)], external_id="DMS-77")
    again = await _create(sessions, [("FLT-0001-C", 2)], external_id="DMS-77")
    assert not first.replayed and again.replayed
    assert again.work_order.id == first.work_order.id and first.work_order.number.startswith("WO-")
    with pytest.raises(DomainError) as err:
        await _create(sessions, [("FLT-0001-C", 3)], external_id="DMS-77")
    assert err.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


async def test_full_flow_reserve_pick_issue_return_close(sessions) -> None:
    created = await _create(sessions, [("FLT-0001-C", 4), ("BCL-0001-B", "3.5")])
    wo = created.work_order.id

    async with sessions() as s, s.begin():
        checked = await picking.reserve_work_order(s, SYSTEM, wo)
    assert checked.complete and checked.fully_reserved
    assert await _balance(sessions, "FLT-0001-C", "S-BJ01") == (50, 4)

    async with sessions() as s:
        tasks = await picking.pick_list(s, SYSTEM, wo)
    assert [(t.location_code, t.lot_no, t.to_pick) for t in tasks] == [
        ("S-BJ01", "", 4),
        ("S-BJ01", "C2401", Decimal("3.5")),
    ]

    async def pick(part, location, qty, key=None, lot=None):
        async with sessions() as s, s.begin():
            return await picking.confirm_pick(
                s, SYSTEM, picking.ConfirmPick(wo, part, location, Decimal(qty), lot_no=lot, idempotency_key=key)
            )

    with pytest.raises(DomainError) as err:
        await pick("FLT-0001-C", "S-BJ02", 1)
    assert err.value.code == ErrorCode.INVALID_LOCATION and "S-BJ01" in err.value.message
    with pytest.raises(DomainError) as err:
        await pick("FLT-0001-C", "S-BJ01", 5)
    assert err.value.code == ErrorCode.INVALID_QUANTITY
    assert not (await pick("6901234567922", "S-BJ01", 4, key="scan-1")).replayed  # by barcode
    assert (await pick("FLT-0001-C", "S-BJ01", 4, key="scan-1")).replayed
    await pick("BCL-0001-B", "S-BJ01", "3.5", lot="C2401")

    # More than reserved: typed error, nothing moves.
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await issuing.issue_work_order_parts(
                s, SYSTEM, issuing.IssueParts(wo, [PartQuantity("FLT-0001-C", Decimal(5))])
            )
    assert err.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert await _balance(sessions, "FLT-0001-C", "S-BJ01") == (50, 4)

    async with sessions() as s, s.begin():
        issued = await issuing.issue_work_order_parts(s, SYSTEM, issuing.IssueParts(wo, idempotency_key="issue-1"))
    costs = {(m.part_id, m.lot_no): (m.quantity, m.unit_cost) for m in issued.moves}
    assert sorted(costs.values()) == [(Decimal("3.5"), Decimal("45.5")), (Decimal(4), Decimal(28))]
    async with sessions() as s, s.begin():
        replay = await issuing.issue_work_order_parts(s, SYSTEM, issuing.IssueParts(wo, idempotency_key="issue-1"))
    assert replay.replayed and [m.id for m in replay.moves] == [m.id for m in issued.moves]
    assert await _balance(sessions, "FLT-0001-C", "S-BJ01") == (46, 0)
    assert await _balance(sessions, "BCL-0001-B", "S-BJ01") == (Decimal("29"), 0)

    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await issuing.return_work_order_parts(s, SYSTEM, issuing.ReturnParts(wo, "FLT-0001-C", Decimal(5)))
    assert err.value.code == ErrorCode.INVALID_QUANTITY
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await issuing.return_work_order_parts(
                s, SYSTEM, issuing.ReturnParts(wo, "FLT-0001-C", Decimal(1), to_location_code="V-SCRAP")
            )
    assert err.value.code == ErrorCode.INVALID_LOCATION
    async with sessions() as s, s.begin():
        returned = await issuing.return_work_order_parts(
            s, SYSTEM, issuing.ReturnParts(wo, "BCL-0001-B", Decimal("1.5"), idempotency_key="ret-1")
        )
    assert [(m.lot_no, m.quantity, m.unit_cost) for m in returned.moves] == [("C2401", Decimal("1.5"), Decimal("45.5"))]
    assert await _balance(sessions, "BCL-0001-B", "S-BJ01") == (Decimal("30.5"), 0)

    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await service.cancel_work_order(s, SYSTEM, wo)
    assert err.value.code == ErrorCode.INVALID_STATE
    async with sessions() as s, s.begin():
        closed = await service.close_work_order(s, SYSTEM, wo)
    assert closed.status == "completed"
    await _ledger_ok(sessions)


async def test_kit_check_shows_sources_and_substitutes(sessions) -> None:
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO part (code, name_zh, name_en, category, uom, uom_precision, purchase_price, sale_price, "
                "currency, costing_method, avg_cost, lead_time_days, moq, pack_size, active, abc_manual) "
                "VALUES ('BRK-0003-A', '前刹车片（新）', 'Front Brake Pad v3', 'BRK', 'SET', 0, 200, 400, 'CNY', "
                "'moving_average', 0, 5, 1, 1, true, false)"
            )
        )
        await s.execute(
            text(
                "UPDATE part SET superseded_by_id = (SELECT id FROM part WHERE code = 'BRK-0003-A') "
                "WHERE code = 'BRK-0002-A';"
            )
        )
        await s.execute(
            text(
                "UPDATE part SET superseded_by_id = (SELECT id FROM part WHERE code = 'BRK-0002-A') "
                "WHERE code = 'BRK-0001-A'"
            )
        )
        ids = dict((await s.execute(text("SELECT code, id FROM location"))).all())
        new_part = (await s.execute(text("SELECT id FROM part WHERE code = 'BRK-0003-A'"))).scalar_one()
        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                "opening_balance",
                [ledger.MoveLine(new_part, ids["V-ADJUSTMENT"], ids["S-BJ01"], Decimal(25), unit_cost=Decimal(200))],
            ),
        )
    created = await _create(sessions, [("BRK-0001-A", 20), ("FLT-0001-C", 2)])
    async with sessions() as s:
        checked = await kit.kit_check(s, SYSTEM, created.work_order.id)
    assert not checked.complete
    brake, filters = checked.lines
    assert (brake.status, brake.missing, brake.available_at_store) == ("short", 20, 0)
    assert [(x.code, x.distance_km, x.usable) for x in brake.elsewhere] == [
        ("S-BJ02", 8, 15),
        ("S-BJ03", 15, 30),
        ("S-TJ01", 120, 50),
        ("WH", 180, 200),
    ]
    offers = [(o.relation, o.available_at_store, o.covers_shortage) for o in brake.substitutes]
    assert offers == [("supersession", 25, True), ("interchangeable", 10, False)]
    assert filters.status == "available" and filters.elsewhere == ()

    # All or nothing when asked: nothing is reserved while the brakes are short.
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await picking.reserve_work_order(s, SYSTEM, created.work_order.id, require_complete=True)
    assert err.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert await _balance(sessions, "FLT-0001-C", "S-BJ01") == (50, 0)
    async with sessions() as s:
        offers_direct = await kit.substitutes_for(s, SYSTEM, "BRK-0001-A", "S-BJ01", Decimal(20))
    assert [o.relation for o in offers_direct] == ["supersession", "interchangeable"]


async def test_fefo_then_fifo_across_bins_and_scope(sessions) -> None:
    """Lots with an expiry go first (FEFO), then the earliest received (FIFO), whichever bin holds them."""
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO location (code, name_zh, name_en, kind, parent_id, site_id, path, active) "
                "SELECT 'S-BJ01-B1', '货架1', 'Shelf 1', 'bin', id, id, path || '/S-BJ01-B1', true "
                "FROM location WHERE code = 'S-BJ01'"
            )
        )
        ids = dict((await s.execute(text("SELECT code, id FROM location"))).all())
        part = (await s.execute(text("SELECT id FROM part WHERE code = 'FLT-0001-C'"))).scalar_one()

        def receipt(location: str, qty: int, lot: str, received: date, expiry: date | None = None) -> ledger.MoveLine:
            return ledger.MoveLine(
                part,
                ids["V-SUPPLIER"],
                ids[location],
                Decimal(qty),
                lot,
                Decimal(28),
                received_on=received,
                expiry_date=expiry,
            )

        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                "receipt",
                [
                    receipt("S-BJ01", 3, "F-NEW", date(2026, 5, 1), expiry=date(2027, 1, 1)),
                    receipt("S-BJ01-B1", 2, "F-OLD", date(2025, 1, 1)),
                ],
            ),
        )
    created = await _create(sessions, [("FLT-0001-C", 54)])
    async with sessions() as s, s.begin():
        await picking.reserve_work_order(s, SYSTEM, created.work_order.id)
    async with sessions() as s:
        tasks = await picking.pick_list(s, SYSTEM, created.work_order.id)
    # Expiring lot first; then the untracked lot (no receipt date counts as oldest); then the bin's old lot.
    assert [(t.location_code, t.lot_no, t.to_pick) for t in tasks] == [
        ("S-BJ01", "F-NEW", 3),
        ("S-BJ01", "", 50),
        ("S-BJ01-B1", "F-OLD", 1),
    ]

    other_store = staff("HQ/R-N/S-BJ02")
    with pytest.raises(DomainError) as err:
        async with sessions() as s:
            await kit.kit_check(s, other_store, created.work_order.id)
    assert err.value.code == ErrorCode.NOT_FOUND
    dms = Principal(PrincipalKind.CLIENT, "dms", scopes=frozenset({"stock:read"}))
    with pytest.raises(DomainError) as err:
        await _create(sessions, [("FLT-0001-C", 1)], principal=dms)
    assert err.value.code == ErrorCode.FORBIDDEN
    await _ledger_ok(sessions)


async def test_concurrent_retries_issue_once(sessions) -> None:
    """A scanner re-sending the same issue (and pick) many times at once moves the stock once."""
    created = await _create(sessions, [("FLT-0001-C", 6)])
    wo = created.work_order.id
    async with sessions() as s, s.begin():
        await picking.reserve_work_order(s, SYSTEM, wo)

    async def pick() -> bool:
        async with sessions() as s, s.begin():
            cmd = picking.ConfirmPick(wo, "FLT-0001-C", "S-BJ01", Decimal(6), idempotency_key="gun-9")
            return (await picking.confirm_pick(s, SYSTEM, cmd)).replayed

    async def issue() -> bool:
        async with sessions() as s, s.begin():
            return (
                await issuing.issue_work_order_parts(s, SYSTEM, issuing.IssueParts(wo, idempotency_key="x"))
            ).replayed

    assert sorted(await asyncio.gather(*(pick() for _ in range(8)))) == [False] + [True] * 7
    assert sorted(await asyncio.gather(*(issue() for _ in range(8)))) == [False] + [True] * 7
    assert await _balance(sessions, "FLT-0001-C", "S-BJ01") == (44, 0)
    await _ledger_ok(sessions)
