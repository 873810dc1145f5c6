"""Scan receiving: holds, idempotent retries, concurrency on one order line, all-or-nothing posting."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.purchasing import orders, receiving, ship_notices
from domain.purchasing.policy import PurchasingSettings
from domain.purchasing.receiving import HoldDecision, ScanCommand
from domain.stock.check import check_ledger
from tests.domain.purchasing.helpers import (
    BJ01_MANAGER,
    BJ01_STAFF,
    HQ,
    on_hand,
    scalar,
    scan,
    sent_order,
    start,
)

EXACT = PurchasingSettings(over_receipt_tolerance=Decimal(0))


async def _line_received(sessions, po_id: int, line_no: int = 1) -> Decimal:
    return await scalar(
        sessions,
        "SELECT received_qty FROM purchase_order_line WHERE purchase_order_id = :p AND line_no = :n",
        p=po_id,
        n=line_no,
    )


async def test_concurrent_scans_never_over_receive(sessions) -> None:
    view = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    session_id = await start(sessions, "S-BJ01")

    async def one(n: int) -> str:
        async with sessions() as s, s.begin():
            result = await receiving.scan_receipt(
                s, BJ01_STAFF, ScanCommand(session_id, "6901234567892", Decimal(1), f"gun-{n}"), EXACT
            )
            return result.scan.hold_code or result.scan.status

    results = await asyncio.gather(*(one(n) for n in range(30)))
    assert results.count("posted") == 10 and results.count(ErrorCode.OVER_RECEIPT) == 20
    assert await _line_received(sessions, view.order.id) == 10
    assert await on_hand(sessions, "BRK-0001-A", "S-BJ01-QC") == 10
    assert await scalar(sessions, "SELECT status FROM purchase_order WHERE id = :i", i=view.order.id) == "received"
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_replayed_scans_never_double_count(sessions) -> None:
    view = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    session_id = await start(sessions, "S-BJ01")

    async def one() -> receiving.ScanResult:
        async with sessions() as s, s.begin():
            return await receiving.scan_receipt(
                s, BJ01_STAFF, ScanCommand(session_id, "BRK-0001-A", Decimal(3), "retry")
            )

    results = await asyncio.gather(*(one() for _ in range(20)))
    assert len({r.scan.id for r in results}) == 1 and sum(not r.replayed for r in results) == 1
    assert all(r.lines and r.lines[0].quantity == 3 for r in results)
    assert await _line_received(sessions, view.order.id) == 3
    assert await on_hand(sessions, "BRK-0001-A", "S-BJ01-QC") == 3
    with pytest.raises(DomainError) as err:
        await scan(sessions, session_id, "BRK-0001-A", "4", "retry")
    assert err.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    # A held scan replays as held, and is not held twice.
    held = [await scan(sessions, session_id, "0000000000000", "1", "junk") for _ in range(2)]
    assert held[1].replayed and held[0].scan.id == held[1].scan.id and held[1].hold.code == ErrorCode.UNKNOWN_BARCODE
    assert await scalar(sessions, "SELECT count(*) FROM receipt_scan WHERE status = 'held'") == 1


async def test_a_receipt_failing_midway_posts_nothing(sessions) -> None:
    view = await sent_order(
        sessions, [("BRK-0001-A", "4", "190", "S-BJ01"), ("BRK-0001-A", "6", "195", "S-BJ01")], days=3
    )
    session_id = await start(sessions, "S-BJ01")
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE location SET frozen_by = 'COUNT-7' WHERE code = 'S-BJ01-QC'"))
    moves_before = await scalar(sessions, "SELECT count(*) FROM stock_move")
    with pytest.raises(DomainError) as err:  # 10 split over both lines; the ledger refuses the frozen bin
        await scan(sessions, session_id, "BRK-0001-A", "10", "k")
    assert err.value.code == ErrorCode.LOCATION_FROZEN
    assert await scalar(sessions, "SELECT count(*) FROM stock_move") == moves_before
    assert await scalar(sessions, "SELECT count(*) FROM receipt_scan") == 0
    assert await scalar(sessions, "SELECT count(*) FROM purchasing_command") == 0
    assert await scalar(sessions, "SELECT sum(received_qty) FROM purchase_order_line") == 0
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE location SET frozen_by = NULL WHERE code = 'S-BJ01-QC'"))
    result = await scan(sessions, session_id, "BRK-0001-A", "10", "k")  # the retry goes through
    assert sorted((r.quantity, r.unit_cost) for r in result.lines) == [(4, Decimal("190")), (6, Decimal("195"))]
    assert await scalar(sessions, "SELECT status FROM purchase_order WHERE id = :i", i=view.order.id) == "received"


async def test_holds_and_decisions(sessions) -> None:
    await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01"), ("FLT-0001-C", "5", "28", "WH")])
    session_id = await start(sessions, "S-BJ01", BJ01_STAFF)
    not_ordered = await scan(sessions, session_id, "BCL-0001-B", "2.5", "a", BJ01_STAFF)
    assert not_ordered.hold.code == ErrorCode.NOT_ON_ORDER
    elsewhere = await scan(sessions, session_id, "FLT-0001-C", "5", "b", BJ01_STAFF)
    assert elsewhere.hold.code == ErrorCode.WRONG_ITEM and "another site" in elsewhere.hold.message
    over = await scan(sessions, session_id, "BRK-0001-A", "11", "c", BJ01_STAFF)  # tolerance 5%: 10.5
    assert over.hold.code == ErrorCode.OVER_RECEIPT
    unknown = await scan(sessions, session_id, "ABC", "1", "d", BJ01_STAFF)
    assert unknown.hold.code == ErrorCode.UNKNOWN_BARCODE
    assert await on_hand(sessions, "BRK-0001-A", "S-BJ01-QC") == 0

    async def decide(scan_id: int, decision: HoldDecision, principal=BJ01_MANAGER, po_line_id: int | None = None):
        async with sessions() as s, s.begin():
            return await receiving.resolve_receiving_hold(s, principal, scan_id, decision, po_line_id=po_line_id)

    with pytest.raises(DomainError) as err:
        await decide(over.scan.id, HoldDecision.POST, BJ01_STAFF)
    assert err.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        await decide(over.scan.id, HoldDecision.CLOSE_SHORT)
    assert err.value.code == ErrorCode.INVALID_INPUT
    accepted = await decide(over.scan.id, HoldDecision.POST)  # the manager accepts the over-delivery
    assert accepted.scan.status == "accepted" and accepted.lines[0].quantity == 11
    with pytest.raises(DomainError) as err:
        await decide(over.scan.id, HoldDecision.POST)
    assert err.value.code == ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as err:  # an unknown barcode needs the order line
        await decide(unknown.scan.id, HoldDecision.POST)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert (await decide(not_ordered.scan.id, HoldDecision.DISCARD)).scan.status == "discarded"
    assert await on_hand(sessions, "BRK-0001-A", "S-BJ01-QC") == 11
    assert await on_hand(sessions, "BCL-0001-B", "S-BJ01-QC") == 0
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_scope_of_receiving(sessions) -> None:
    await sent_order(sessions, [("BRK-0001-A", "10", "190", "WH")])
    with pytest.raises(DomainError) as err:
        await start(sessions, "WH", BJ01_STAFF)
    assert err.value.code == ErrorCode.UNKNOWN_LOCATION
    wh_session = await start(sessions, "WH-A-01-01")  # a bin means its site
    with pytest.raises(DomainError) as err:
        await scan(sessions, wh_session, "BRK-0001-A", "1", "x", BJ01_STAFF)
    assert err.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as err:
        await start(sessions, "V-SUPPLIER")
    assert err.value.code == ErrorCode.INVALID_LOCATION
    async with sessions() as s, s.begin():
        qc_again = await receiving.ensure_qc_location(s, await _location(s, "WH"))
    assert qc_again.code == "WH-QC" and qc_again.path == "HQ/WH/WH-QC" and qc_again.kind == "bin"
    assert await scalar(sessions, "SELECT count(*) FROM location WHERE code = 'WH-QC'") == 1


async def _location(session, code: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from domain.org.models import Location

    return (await session.execute(select(Location).where(Location.code == code))).scalar_one()


async def test_ship_notice_lots_short_receipt_and_backorder(sessions) -> None:
    view = await sent_order(sessions, [("BCL-0001-B", "40", "44", "S-BJ01"), ("BRK-0001-A", "10", "190", "S-BJ01")])
    expiry = date.today() + timedelta(days=400)
    async with sessions() as s, s.begin():
        notice = await ship_notices.create_ship_notice(
            s,
            HQ,
            ship_notices.ShipNoticeInput(
                number="ASN-77",
                carrier="德邦",
                lines=[
                    ship_notices.ShipNoticeLineInput(view.order.number, 1, Decimal("40"), "C2411", expiry),
                    ship_notices.ShipNoticeLineInput(view.order.number, 2, Decimal("10")),
                ],
            ),
        )
    with pytest.raises(DomainError) as err:  # the same notice twice
        async with sessions() as s, s.begin():
            await ship_notices.create_ship_notice(
                s,
                HQ,
                ship_notices.ShipNoticeInput("asn-77", [ship_notices.ShipNoticeLineInput(view.order.number, 2, 1)]),
            )
    assert err.value.code == ErrorCode.DUPLICATE
    session_id = await start(sessions, "S-BJ01", BJ01_STAFF)
    attached = await scan(sessions, session_id, notice.notice.label, None, "n", BJ01_STAFF)
    assert attached.scan.status == "attached"
    wrong = await scan(sessions, session_id, "FLT-0001-C", "1", "w", BJ01_STAFF)
    assert wrong.hold.code == ErrorCode.WRONG_ITEM and "ASN-77" in wrong.hold.message
    coolant = await scan(sessions, session_id, "6901234567915", "25.25", "c", BJ01_STAFF)
    assert [(r.lot_no, r.expiry_date, r.quantity) for r in coolant.lines] == [("C2411", expiry, Decimal("25.25"))]
    pads = await scan(sessions, session_id, notice.lines[1].label, "10", "p", BJ01_STAFF)
    assert pads.lines[0].ship_notice_line_id == notice.lines[1].id
    lot = await scalar(
        sessions,
        "SELECT expiry_date || '|' || unit_cost::text || '|' || supplier_id FROM lot WHERE lot_no = 'C2411'",
    )
    assert lot == f"{expiry.isoformat()}|44.000000|{view.order.supplier_id}"

    async with sessions() as s, s.begin():
        _, holds = await receiving.close_receiving_session(s, BJ01_STAFF, session_id)
    assert [(h.hold_code, h.quantity) for h in holds] == [(ErrorCode.SHORT_RECEIPT, Decimal("14.75"))]
    async with sessions() as s, s.begin():
        decided = await receiving.resolve_receiving_hold(s, BJ01_MANAGER, holds[0].id, HoldDecision.BACKORDER)
    assert decided.scan.status == "backordered"
    assert await scalar(sessions, "SELECT status FROM ship_notice") == "received"
    assert await scalar(sessions, "SELECT status FROM purchase_order") == "partially_received"
    # The rest is still on order: a later delivery without a notice is received against it.
    later = await start(sessions, "S-BJ01", BJ01_STAFF)
    rest = await scan(sessions, later, "BCL-0001-B", "14.75", "r", BJ01_STAFF)
    assert rest.lines[0].ship_notice_line_id is None and rest.lines[0].lot_no == f"{view.order.number}-1"
    assert await scalar(sessions, "SELECT status FROM purchase_order") == "received"
    async with sessions() as s:
        assert await check_ledger(s) == []
        with pytest.raises(DomainError) as err:
            await orders.close_purchase_order(s, HQ, view.order.id)
        assert err.value.code == ErrorCode.INVALID_STATE  # goods still wait for QC
