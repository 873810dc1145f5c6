"""QC rejects return goods to the supplier at ledger cost; putaway respects zones and capacity."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.purchasing import putaway, qc
from domain.stock.check import check_ledger
from tests.domain.purchasing.helpers import HQ, avg_cost, on_hand, scalar, scan, sent_order, start


async def _inspect(sessions, receipt_id: int, accepted: str, rejected: str = "0", reason: str | None = None):
    async with sessions() as s, s.begin():
        return await qc.inspect_receipt(
            s, HQ, receipt_id, accepted=Decimal(accepted), rejected=Decimal(rejected), reason=reason
        )


async def test_reject_returns_to_vendor_and_reopens_the_line(sessions) -> None:
    await sent_order(sessions, [("BRK-0002-A", "10", "250", "S-BJ01")])  # a FIFO part
    session_id = await start(sessions, "S-BJ01")
    receipt = (await scan(sessions, session_id, "BRK-0002-A", "10", "k1", lot_no="L2411")).lines[0]
    assert await scalar(sessions, "SELECT status FROM purchase_order") == "received"
    with pytest.raises(DomainError) as err:
        await _inspect(sessions, receipt.id, "7", "3")
    assert err.value.code == ErrorCode.INVALID_INPUT  # a rejection needs a reason
    result = await _inspect(sessions, receipt.id, "7", "3", "wrong size")
    assert result.return_to_vendor is not None and result.receipt.rejected_qty == 3
    rtv_value = await scalar(
        sessions,
        "SELECT sum(quantity * unit_cost) FROM stock_move WHERE doc_type = 'return_to_vendor' "
        "AND to_location_id = (SELECT id FROM location WHERE code = 'V-SUPPLIER')",
    )
    assert rtv_value == Decimal("750")  # the FIFO lot cost
    assert await on_hand(sessions, "BRK-0002-A", "S-BJ01-QC") == 7
    # Three are owed again: the order reopens and a replacement is received against it.
    assert await scalar(sessions, "SELECT status FROM purchase_order") == "partially_received"
    replacement = await scan(sessions, session_id, "BRK-0002-A", "3", "k2", lot_no="L2412")
    assert replacement.lines[0].quantity == 3
    assert await scalar(sessions, "SELECT status FROM purchase_order") == "received"
    assert await scalar(sessions, "SELECT topic FROM outbox_event WHERE topic LIKE 'return%'") == (
        "return_to_vendor.created"
    )
    with pytest.raises(DomainError) as err:
        await _inspect(sessions, receipt.id, "1")
    assert err.value.code == ErrorCode.INVALID_QUANTITY
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_moving_average_receipts_and_returns(sessions) -> None:
    await sent_order(sessions, [("FLT-0001-C", "50", "30", "S-BJ01")])
    session_id = await start(sessions, "S-BJ01")
    receipt = (await scan(sessions, session_id, "FLT-0001-C", "50", "k")).lines[0]
    assert await avg_cost(sessions, "FLT-0001-C") == Decimal(29)  # 50 at 28 and 50 at 30
    await _inspect(sessions, receipt.id, "40", "10", "leaking")
    assert await avg_cost(sessions, "FLT-0001-C") == Decimal(29)  # returns leave at the average
    credit = await scalar(sessions, "SELECT quantity * unit_price FROM return_to_vendor_line")
    assert credit == Decimal(300)  # the supplier owes the order price


async def test_putaway_prefers_the_part_then_its_zone_within_capacity(sessions) -> None:
    # WH-A-01-01 holds 200 pads (capacity 500); WH-A-01-02 is empty.
    await sent_order(sessions, [("BRK-0001-A", "400", "190", "WH"), ("FLT-0001-C", "20", "28", "WH")])
    session_id = await start(sessions, "WH")
    pads = (await scan(sessions, session_id, "BRK-0001-A", "400", "k1")).lines[0]
    filters = (await scan(sessions, session_id, "FLT-0001-C", "20", "k2")).lines[0]
    await _inspect(sessions, pads.id, "400")
    await _inspect(sessions, filters.id, "20")
    async with sessions() as s:
        plan = await putaway.suggest_putaway(s, HQ, pads.id)
        c_plan = await putaway.suggest_putaway(s, HQ, filters.id)
    assert [(x.location.code, x.quantity, x.reason) for x in plan.suggestions] == [
        ("WH-A-01-01", 300, "already holds this part"),
        ("WH-A-01-02", 100, "zone for class A parts"),
    ]
    assert [(x.location.code, x.quantity) for x in c_plan.suggestions] == [("WH-C-01-01", 20)]

    async def confirm(receipt_id: int, bin_code: str, qty: str, key: str):  # type: ignore[no-untyped-def]
        try:
            async with sessions() as s, s.begin():
                await putaway.confirm_putaway(s, HQ, receipt_id, bin_code, Decimal(qty), key)
            return "ok"
        except DomainError as error:
            return error.code

    assert await confirm(pads.id, "WH-A-01-01", "301", "p0") == ErrorCode.CAPACITY_EXCEEDED
    # Two operators race for the last 300 places of one bin: one wins.
    results = await asyncio.gather(
        confirm(pads.id, "WH-A-01-01", "200", "p1"), confirm(pads.id, "WH-A-01-01", "200", "p2")
    )
    assert sorted(map(str, results)) == sorted(["ok", str(ErrorCode.CAPACITY_EXCEEDED)])
    assert await on_hand(sessions, "BRK-0001-A", "WH-A-01-01") == 400
    assert await confirm(pads.id, "WH-QC", "10", "p3") == ErrorCode.INVALID_LOCATION
    assert await confirm(pads.id, "WH-A-01-02", "201", "p4") == ErrorCode.INVALID_QUANTITY  # only 200 waiting
    assert await confirm(pads.id, "WH-A-01-02", "200", "p5") == "ok"
    assert await confirm(pads.id, "WH-A-01-02", "200", "p5") == "ok"  # a retried confirmation
    assert await on_hand(sessions, "BRK-0001-A", "WH-A-01-02") == 200
    async with sessions() as s:
        full = await putaway.suggest_putaway(s, HQ, filters.id)
        assert full.unplaced == 0
        await s.execute(text("UPDATE location SET bin_capacity = 0 WHERE kind = 'bin' AND code <> 'WH-QC'"))
        none = await putaway.suggest_putaway(s, HQ, filters.id)
        assert none.suggestions == [] and none.unplaced == 20
        await s.rollback()
    assert await on_hand(sessions, "BRK-0001-A", "WH-QC") == 0
    async with sessions() as s:
        assert await check_ledger(s) == []
