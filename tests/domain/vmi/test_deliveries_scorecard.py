"""Delivery timelines on ship notices (shipped → in transit → delivered → received, discrepancies,
late flag) and the supplier scorecard, each only for the supplier concerned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.integration.tracking import TrackingUpdate, record_tracking
from domain.purchasing import orders, qc, receiving, ship_notices
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput
from domain.vmi import deliveries, proposals, scorecard
from domain.vmi.deliveries import DeliveryStage
from tests.domain.vmi.helpers import BJ01_STAFF, HQ, make_agreement, supplier_ids, supplier_user


async def _sent(sessions, qty: str = "10") -> orders.OrderView:  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s,
            HQ,
            "SUP-01",
            [
                orders.OrderLineInput(
                    "BRK-0001-A", Decimal(qty), "S-BJ01", Decimal(180), date.today() + timedelta(days=5)
                )
            ],
        )
        for step in (orders.submit_purchase_order, orders.approve_purchase_order, orders.send_purchase_order):
            await step(s, HQ, view.order.id)
        return view


async def _notice(sessions, supplier, number: str, po: str, qty: str, **kw):  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        return await ship_notices.create_ship_notice(
            s, supplier, ShipNoticeInput(number=number, lines=[ShipNoticeLineInput(po, 1, Decimal(qty))], **kw)
        )


async def test_timeline_from_shipment_to_shelf_with_discrepancies(sessions) -> None:
    a, b = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    view = await _sent(sessions)
    today = date.today()
    notice = await _notice(
        sessions, supplier, "DN-100", view.order.number, "10", carrier="SF Express", tracking_number="SF1001",
        shipped_on=today, expected_arrival=today + timedelta(days=2),
    )  # fmt: skip
    sid = notice.notice.id
    async with sessions() as s:
        first = await deliveries.delivery_timeline(s, supplier, sid)
    assert first is not None and first.stage is DeliveryStage.SHIPPED and not first.late
    now = datetime.now(UTC)
    for status, hours in (("picked_up", -3), ("in_transit", -2), ("delivered", -1)):
        async with sessions() as s, s.begin():
            await record_tracking(
                s, supplier, TrackingUpdate("DN-100", status, now + timedelta(hours=hours), location="廊坊分拨中心")
            )
    async with sessions() as s:
        mid = await deliveries.delivery_timeline(s, supplier, sid)
    assert mid is not None and mid.stage is DeliveryStage.DELIVERED
    # The dock receives 8 of 10, QC rejects 1, and closing the session records the shortfall.
    async with sessions() as s, s.begin():
        rs = await receiving.start_receiving(s, BJ01_STAFF, "S-BJ01", notice.notice.label)
    async with sessions() as s, s.begin():
        scanned = await receiving.scan_receipt(
            s, BJ01_STAFF, receiving.ScanCommand(rs.id, notice.lines[0].label, Decimal(8), "scan-1")
        )
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(
            s, BJ01_STAFF, scanned.lines[0].id, accepted=Decimal(7), rejected=Decimal(1), reason="cracked"
        )
        await receiving.close_receiving_session(s, BJ01_STAFF, rs.id)
    async with sessions() as s:
        done = await deliveries.delivery_timeline(s, supplier, sid)
        hidden = await deliveries.delivery_timeline(s, supplier_user(b, "b"), sid)
    assert hidden is None
    assert done is not None and done.stage is DeliveryStage.RECEIVED and not done.late
    assert (done.shipped_qty, done.received_qty) == (10, 8)
    stages = [e.stage for e in done.events]
    assert stages[:4] == ["shipped", "in_transit", "in_transit", "delivered"]
    assert "received" in stages and stages.count("discrepancy") == 2
    assert {d.kind for d in done.discrepancies} == {"SHORT_RECEIPT", "QC_REJECT"}
    assert done.events[1].location == "廊坊分拨中心"


async def test_late_when_expected_arrival_passed_and_not_received(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    view = await _sent(sessions)
    today = date.today()
    await _notice(
        sessions, supplier, "DN-LATE", view.order.number, "4",
        shipped_on=today - timedelta(days=6), expected_arrival=today - timedelta(days=2),
    )  # fmt: skip
    await _notice(sessions, supplier, "DN-SOON", view.order.number, "4", expected_arrival=today + timedelta(days=2))
    async with sessions() as s:
        rows, has_next = await deliveries.list_delivery_timelines(s, supplier)
        late_only, _ = await deliveries.list_delivery_timelines(s, supplier, late_only=True)
    assert [(t.notice.number, t.late) for t in rows] == [("DN-SOON", False), ("DN-LATE", True)] and not has_next
    assert [t.notice.number for t in late_only] == ["DN-LATE"]


async def test_scorecard_counts_deliveries_and_proposals_for_its_supplier_only(sessions) -> None:
    a, b = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    view = await _sent(sessions)
    notice = await _notice(sessions, supplier, "DN-200", view.order.number, "10")
    async with sessions() as s, s.begin():
        rs = await receiving.start_receiving(s, BJ01_STAFF, "S-BJ01", notice.notice.label)
    async with sessions() as s, s.begin():
        scanned = await receiving.scan_receipt(
            s, BJ01_STAFF, receiving.ScanCommand(rs.id, notice.lines[0].label, Decimal(10), "scan-2")
        )
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(
            s, BJ01_STAFF, scanned.lines[0].id, accepted=Decimal(8), rejected=Decimal(2), reason="wrong spec"
        )
    agreement = await make_agreement(sessions, part="FLT-0001-C", min_qty="10", max_qty="80")
    async with sessions() as s, s.begin():
        drafted = await proposals.draft_proposal(s, supplier, agreement.id)
        await proposals.submit_proposal(s, supplier, drafted.view.proposal.id)
    async with sessions() as s:
        card = await scorecard.supplier_scorecard(s, supplier)
        for_hq = await scorecard.supplier_scorecard(s, HQ, supplier_id=a)
        other = await scorecard.supplier_scorecard(s, supplier_user(b, "b"), supplier_id=a)
        own_b = await scorecard.supplier_scorecard(s, supplier_user(b, "b"))
    assert other is None
    assert card is not None and for_hq is not None and card == for_hq
    assert (card.deliveries, card.on_time_deliveries, card.on_time_rate) == (1, 1, Decimal(1))
    assert (card.inspected_qty, card.rejected_qty, card.reject_rate) == (10, 2, Decimal("0.2"))
    assert card.avg_lead_time_days == 0
    assert (card.proposals_submitted, card.proposals_auto_approved, card.proposals_buyer_approved) == (1, 1, 0)
    assert card.auto_approval_rate == 1 and card.late_open_notices == 0
    assert own_b is not None and own_b.supplier_id == b and own_b.deliveries == 0 and own_b.proposals_submitted == 0
