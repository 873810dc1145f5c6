"""Consignment on the ledger: delivered into the supplier-owned zone (V-SUPPLIER → zone at the
consignment price), counted in the site's stock, and every move out of the zone to a location the
supplier does not own is consumption the supplier invoices (a move back in is a reversal)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.analytics.settings import business_today
from domain.purchasing import qc, receiving, ship_notices
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput
from domain.stock.check import check_ledger
from domain.vmi import consignment, proposals, shared_stock
from domain.vmi.consignment import consignment_consumption_moves
from tests.domain.vmi.helpers import (
    BJ01_STAFF,
    HQ,
    location_id,
    make_agreement,
    move,
    scalar,
    site_on_hand_from_ledger,
    supplier_ids,
    supplier_user,
)


async def _delivered(sessions, supplier_id: int):  # type: ignore[no-untyped-def]
    """A consignment agreement, its proposal ordered, shipped and scanned in: 60 in the zone."""
    supplier = supplier_user(supplier_id, "a")
    agreement = await make_agreement(sessions, consignment=True, price="150.5")
    async with sessions() as s, s.begin():
        drafted = await proposals.draft_proposal(s, supplier, agreement.id)
        result = await proposals.submit_proposal(s, supplier, drafted.view.proposal.id)
    po_number = await scalar(
        sessions, "SELECT number FROM purchase_order WHERE id = :i", i=result.view.proposal.purchase_order_id
    )
    async with sessions() as s, s.begin():
        notice = await ship_notices.create_ship_notice(
            s,
            supplier,
            ShipNoticeInput(number="DN-CSG-1", lines=[ShipNoticeLineInput(str(po_number), 1, Decimal(60))]),
        )
    async with sessions() as s, s.begin():
        rs = await consignment.start_consignment_receiving(s, BJ01_STAFF, notice.notice.label)
    assert rs.qc_location_id == agreement.consignment_location_id
    async with sessions() as s, s.begin():
        scanned = await receiving.scan_receipt(
            s, BJ01_STAFF, receiving.ScanCommand(rs.id, notice.lines[0].label, Decimal(60), "csg-scan-1")
        )
    assert scanned.scan.status == "posted"
    return agreement, scanned.lines[0]


async def test_consignment_receipt_lands_in_the_supplier_zone(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    agreement, receipt = await _delivered(sessions, a)
    zone = "S-BJ01-CSG-SUP-01"
    move_row = await scalar(
        sessions,
        "SELECT lf.code || '>' || lt.code || '@' || m.unit_cost::text FROM stock_move m "
        "JOIN location lf ON lf.id = m.from_location_id JOIN location lt ON lt.id = m.to_location_id "
        "WHERE m.doc_type = 'po_receipt'",
    )
    assert move_row == f"V-SUPPLIER>{zone}@150.500000"
    async with sessions() as s:
        figures = (await shared_stock.compute(s, [agreement]))[agreement.id]
        assert await check_ledger(s) == []
    assert figures.on_hand == 60 == await site_on_hand_from_ledger(sessions, "BRK-0001-A", "S-BJ01")
    assert figures.consignment_on_hand == 60 and figures.on_order == 0 and figures.in_transit == 0
    # The delivery itself is not consumption.
    today = business_today()
    async with sessions() as s:
        assert await consignment_consumption_moves(s, a, today, today + timedelta(days=1)) == []
    assert receipt.unit_cost == Decimal("150.5")


async def test_moves_out_of_the_zone_are_consumption_and_back_in_a_reversal(sessions) -> None:
    a, b = await supplier_ids(sessions)
    _, receipt = await _delivered(sessions, a)
    zone = "S-BJ01-CSG-SUP-01"
    # QC rejects 2: back to the supplier, not consumption.
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(
            s, BJ01_STAFF, receipt.id, accepted=Decimal(58), rejected=Decimal(2), reason="damaged", idempotency_key="q1"
        )
    taken = await move(sessions, "BRK-0001-A", zone, "S-BJ01", "5", doc="stock_move")
    issued = await move(sessions, "BRK-0001-A", zone, "V-WORKSHOP", "3", doc="work_order_issue")
    back = await move(sessions, "BRK-0001-A", "S-BJ01", zone, "1", doc="stock_move")
    await move(sessions, "BRK-0001-A", "S-BJ01", "V-WORKSHOP", "2", doc="work_order_issue")  # our own stock
    today = business_today()
    async with sessions() as s:
        found = await consignment_consumption_moves(s, a, today, today + timedelta(days=1))
        others = await consignment_consumption_moves(s, b, today, today + timedelta(days=1))
        assert await check_ledger(s) == []
    zone_id = await location_id(sessions, zone)
    assert [(c.move_id, c.quantity, c.unit_price, c.amount, c.location_id) for c in found] == [
        (taken, Decimal(5), Decimal("150.5"), Decimal("752.50"), zone_id),
        (issued, Decimal(3), Decimal("150.5"), Decimal("451.50"), zone_id),
        (back, Decimal(-1), Decimal("150.5"), Decimal("-150.50"), zone_id),
    ]
    assert {c.part_code for c in found} == {"BRK-0001-A"}
    assert [c.doc_type for c in found] == ["stock_move", "work_order_issue", "stock_move"]
    assert sum(c.amount for c in found) == Decimal("1053.50")
    assert others == []
    # The period is half-open: yesterday's window holds nothing.
    async with sessions() as s:
        assert await consignment_consumption_moves(s, a, today - timedelta(days=1), today) == []
    # The zone still holds what was not consumed: 60 − 2 − 5 − 3 + 1.
    on_zone = await scalar(sessions, "SELECT sum(on_hand) FROM stock_balance WHERE location_id = :l", l=zone_id)
    assert on_zone == 51


async def test_ordinary_deliveries_are_refused_by_the_consignment_dock(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    from domain.errors import DomainError, ErrorCode
    from domain.purchasing import orders

    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s, HQ, "SUP-01", [orders.OrderLineInput("BRK-0001-A", Decimal(5), "S-BJ01")]
        )
        await orders.submit_purchase_order(s, HQ, view.order.id)
        await orders.approve_purchase_order(s, HQ, view.order.id)
        await orders.send_purchase_order(s, HQ, view.order.id)
        notice = await ship_notices.create_ship_notice(
            s,
            supplier_user(a, "a"),
            ShipNoticeInput(number="DN-1", lines=[ShipNoticeLineInput(view.order.number, 1, Decimal(5))]),
        )
    try:
        async with sessions() as s, s.begin():
            await consignment.start_consignment_receiving(s, BJ01_STAFF, notice.notice.label)
    except DomainError as error:
        assert error.code == ErrorCode.INVALID_STATE
    else:
        raise AssertionError("an ordinary delivery was accepted as consignment")
