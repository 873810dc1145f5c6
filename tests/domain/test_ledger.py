"""The ledger under concurrency: no oversell, one effect per idempotency key, invariants intact."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.stock import ledger
from domain.stock.check import check_ledger
from domain.stock.service import MoveStockCommand, move_stock

SYSTEM = Principal.system("test")


async def _on_hand(sessions, part: str, loc: str) -> Decimal:
    async with sessions() as s:
        return (
            await s.execute(
                text(
                    "SELECT coalesce(sum(on_hand),0) FROM stock_balance b JOIN part p ON p.id=b.part_id "
                    "JOIN location l ON l.id=b.location_id WHERE p.code=:p AND l.code=:l"
                ),
                {"p": part, "l": loc},
            )
        ).scalar_one()


async def _move(sessions, cmd: MoveStockCommand):
    async with sessions() as s, s.begin():
        return await move_stock(s, SYSTEM, cmd)


async def test_oversell_race_200_against_50(sessions) -> None:
    async def one(n: int) -> str:
        try:
            await _move(sessions, MoveStockCommand("BRK-0001-A", "S-TJ01", "V-WORKSHOP", Decimal(1)))
            return "ok"
        except DomainError as e:
            return e.code

    results = await asyncio.gather(*(one(n) for n in range(200)))
    assert results.count("ok") == 50
    assert results.count(ErrorCode.INSUFFICIENT_STOCK) == 150
    assert await _on_hand(sessions, "BRK-0001-A", "S-TJ01") == 0
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_same_key_100_times_concurrently_moves_once(sessions) -> None:
    cmd = MoveStockCommand("BRK-0001-A", "S-BJ03", "S-BJ01", Decimal(3), idempotency_key="scan-42")
    results = await asyncio.gather(*(_move(sessions, cmd) for _ in range(100)))
    assert len({r.moves[0].id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await _on_hand(sessions, "BRK-0001-A", "S-BJ03") == 27
    with pytest.raises(DomainError) as err:
        await _move(sessions, MoveStockCommand("BRK-0001-A", "S-BJ03", "S-BJ01", Decimal(4), idempotency_key="scan-42"))
    assert err.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_failed_request_can_be_retried_with_its_key(sessions) -> None:
    cmd = MoveStockCommand("BRK-0001-A", "S-BJ02", "S-BJ01", Decimal(16), idempotency_key="retry-1")
    with pytest.raises(DomainError):
        await _move(sessions, cmd)
    await _move(sessions, MoveStockCommand("BRK-0001-A", "S-BJ03", "S-BJ02", Decimal(1)))
    result = await _move(sessions, cmd)
    assert not result.replayed and await _on_hand(sessions, "BRK-0001-A", "S-BJ02") == 0


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (Decimal(0), ErrorCode.INVALID_QUANTITY),
        (Decimal(-1), ErrorCode.INVALID_QUANTITY),
        (Decimal("NaN"), ErrorCode.INVALID_QUANTITY),
        (Decimal("Infinity"), ErrorCode.INVALID_QUANTITY),
        (Decimal("1e12"), ErrorCode.INVALID_QUANTITY),
        (Decimal("1.5"), ErrorCode.INVALID_QUANTITY),  # brake pads come in whole sets
    ],
)
async def test_bad_quantities_write_nothing(sessions, quantity: Decimal, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as err:
        await _move(sessions, MoveStockCommand("BRK-0001-A", "S-BJ02", "S-BJ01", quantity, idempotency_key="k"))
    assert err.value.code == code
    async with sessions() as s:
        assert (await s.execute(text("SELECT count(*) FROM stock_posting WHERE idempotency_key='k'"))).scalar() == 0


async def test_litres_allow_their_precision(sessions) -> None:
    await _move(sessions, MoveStockCommand("BCL-0001-B", "S-BJ01", "V-WORKSHOP", Decimal("2.25"), lot_no="C2401"))
    with pytest.raises(DomainError) as err:
        await _move(sessions, MoveStockCommand("BCL-0001-B", "S-BJ01", "V-WORKSHOP", Decimal("0.125"), lot_no="C2401"))
    assert err.value.code == ErrorCode.INVALID_QUANTITY


async def test_unknown_codes_and_virtual_pairs(sessions) -> None:
    cases = [
        (MoveStockCommand("NOPE-1", "S-BJ01", "S-BJ02", Decimal(1)), ErrorCode.UNKNOWN_PART),
        (MoveStockCommand("BRK-0001-A", "S-XX99", "S-BJ02", Decimal(1)), ErrorCode.UNKNOWN_LOCATION),
        (MoveStockCommand("BRK-0001-A", "V-SUPPLIER", "V-WORKSHOP", Decimal(1)), ErrorCode.INVALID_LOCATION),
        (MoveStockCommand("BRK-0001-A", "S-BJ02", "R-N", Decimal(1)), ErrorCode.INVALID_LOCATION),
        (MoveStockCommand("BRK-0001-A", "S-BJ02", "S-BJ02", Decimal(1)), ErrorCode.INVALID_LOCATION),
    ]
    for cmd, code in cases:
        with pytest.raises(DomainError) as err:
            await _move(sessions, cmd)
        assert err.value.code == code, cmd


async def test_moves_are_append_only(sessions) -> None:
    async with sessions() as s:
        with pytest.raises(Exception, match="immutable"):
            await s.execute(text("UPDATE stock_move SET quantity = quantity + 1"))


async def test_moving_average_and_fifo_costs(sessions) -> None:
    # 50 filters at 28.00 on hand; 50 more at 32.00 → average 30.00.
    await _move(sessions, MoveStockCommand("FLT-0001-C", "V-SUPPLIER", "S-BJ01", Decimal(50), unit_cost=Decimal(32)))
    issued = await _move(sessions, MoveStockCommand("FLT-0001-C", "S-BJ01", "V-WORKSHOP", Decimal(10)))
    assert issued.moves[0].unit_cost == Decimal(30)
    # FIFO part: the lot keeps its own cost.
    await _move(
        sessions,
        MoveStockCommand("BRK-0002-A", "V-SUPPLIER", "S-BJ01", Decimal(5), lot_no="L2402", unit_cost=Decimal(300)),
    )
    old = await _move(sessions, MoveStockCommand("BRK-0002-A", "S-BJ01", "V-WORKSHOP", Decimal(1), lot_no="L2401"))
    new = await _move(sessions, MoveStockCommand("BRK-0002-A", "S-BJ01", "V-WORKSHOP", Decimal(1), lot_no="L2402"))
    assert old.moves[0].unit_cost == Decimal(260) and new.moves[0].unit_cost == Decimal(300)


async def test_frozen_location_refuses_moves(sessions) -> None:
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE location SET frozen_by = 'COUNT-1' WHERE code = 'S-BJ02'"))
    with pytest.raises(DomainError) as err:
        await _move(sessions, MoveStockCommand("BRK-0001-A", "S-BJ02", "S-BJ01", Decimal(1)))
    assert err.value.code == ErrorCode.LOCATION_FROZEN


async def test_multi_line_postings_in_opposite_orders_do_not_deadlock(sessions) -> None:
    async with sessions() as s:
        ids = dict((await s.execute(text("SELECT code, id FROM location"))).all())
        part = (await s.execute(text("SELECT id FROM part WHERE code='BRK-0001-A'"))).scalar_one()

    def line(a: str, b: str) -> ledger.MoveLine:
        return ledger.MoveLine(part_id=part, from_location_id=ids[a], to_location_id=ids[b], quantity=Decimal(1))

    async def post(order: list[ledger.MoveLine]) -> None:
        async with sessions() as s, s.begin():
            await ledger.post(s, SYSTEM, ledger.Posting(doc_type="transfer", lines=order))

    forward = [line("S-BJ02", "S-BJ03"), line("S-BJ03", "S-BJ02")]
    backward = list(reversed(forward))
    await asyncio.gather(*(post(forward if n % 2 else backward) for n in range(40)))
    assert await _on_hand(sessions, "BRK-0001-A", "S-BJ02") == 15
    async with sessions() as s:
        assert await check_ledger(s) == []
