"""Consignment goods in the ordinary purchasing flow: an ordinary receiving session posts a line
destined to the supplier's consignment zone straight into that zone (not the site's QC bin), the
three-way match never releases it for invoicing, and putaway leaves it where it is — while an
ordinary line scanned in the same session goes through QC bin, match and putaway as before."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.analytics.settings import business_today
from domain.errors import DomainError, ErrorCode
from domain.purchasing import orders, putaway, qc
from domain.purchasing.orders import OrderLineInput
from domain.stock.check import check_ledger
from domain.vmi import proposals
from domain.vmi.consignment import consignment_consumption_moves
from tests.domain.purchasing.helpers import HQ, on_hand, scalar, scan, sent_order, start
from tests.domain.vmi.helpers import make_agreement, supplier_ids, supplier_user

ZONE = "WH-CSG-SUP-01"
FILTER_BARCODE = "6901234567922"  # FLT-0001-C
PAD_BARCODE = "6901234567892"  # BRK-0001-A


async def _consignment_order(sessions, supplier_id: int) -> str:  # type: ignore[no-untyped-def]
    """A consignment agreement for oil filters at the warehouse; the supplier's proposal (60, within
    bounds) becomes a sent order to the consignment zone."""
    agreement = await make_agreement(sessions, "FLT-0001-C", "WH", consignment=True, price="25")
    supplier = supplier_user(supplier_id, "sup")
    async with sessions() as s, s.begin():
        drafted = await proposals.draft_proposal(s, supplier, agreement.id)
        result = await proposals.submit_proposal(s, supplier, drafted.view.proposal.id)
    assert result.view.proposal.status == "ordered"
    number = await scalar(
        sessions, "SELECT number FROM purchase_order WHERE id = :i", i=result.view.proposal.purchase_order_id
    )
    assert isinstance(number, str)
    return number


async def test_ordinary_session_routes_consignment_lines_and_keeps_them_out_of_match_and_putaway(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    consignment_po = await _consignment_order(sessions, a)
    ordinary = await sent_order(sessions, [("BRK-0001-A", "5", "180", "WH")])

    rs = await start(sessions, "WH")  # the ordinary dock session, not startConsignmentReceiving
    filters = await scan(sessions, rs, FILTER_BARCODE, "60", "csg-route-1")
    pads = await scan(sessions, rs, PAD_BARCODE, "5", "csg-route-2")
    assert filters.scan.status == pads.scan.status == "posted"

    # Receiving: the consignment line into the supplier's zone at the consignment price, the other into QC.
    assert await on_hand(sessions, "FLT-0001-C", ZONE) == 60
    assert await on_hand(sessions, "FLT-0001-C", "WH-QC") == 0
    assert await on_hand(sessions, "BRK-0001-A", "WH-QC") == 5
    zone_id = await scalar(sessions, "SELECT id FROM location WHERE code = :c", c=ZONE)
    assert [r.qc_location_id for r in filters.lines] == [zone_id]
    assert (
        await scalar(
            sessions,
            "SELECT lt.code || '@' || m.unit_cost::text FROM stock_move m JOIN location lt ON lt.id = m.to_location_id "
            "WHERE m.doc_type = 'po_receipt' AND m.doc_ref = :po",
            po=consignment_po,
        )
        == f"{ZONE}@25.000000"
    )

    # QC accepts everything: both lines are complete and inspected.
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(s, HQ, filters.lines[0].id, accepted=Decimal(60), rejected=None)
        await qc.inspect_receipt(s, HQ, pads.lines[0].id, accepted=Decimal(5), rejected=None)

    # Three-way match: the ordinary line is released for invoicing, the consignment line is not matched.
    assert (
        await scalar(
            sessions,
            "SELECT string_agg(o.number || ':' || mr.status, ',') FROM match_result mr "
            "JOIN purchase_order_line l ON l.id = mr.po_line_id JOIN purchase_order o ON o.id = l.purchase_order_id",
        )
        == f"{ordinary.order.number}:released"
    )
    assert (
        await scalar(
            sessions,
            "SELECT string_agg(payload->>'purchaseOrder', ',') FROM outbox_event "
            "WHERE topic = 'purchase_order_line.released_for_invoicing'",
        )
        == ordinary.order.number
    )

    # Putaway: nothing to put away for the consignment receipt, and no way into our own bins.
    async with sessions() as s:
        plan = await putaway.suggest_putaway(s, HQ, filters.lines[0].id)
        ours = await putaway.suggest_putaway(s, HQ, pads.lines[0].id)
    assert plan.suggestions == [] and plan.unplaced == 0
    assert [x.location.code for x in ours.suggestions] == ["WH-A-01-01"]  # ordinary goods still put away
    assert await scalar(sessions, "SELECT put_away_qty FROM receipt_line WHERE id = :i", i=filters.lines[0].id) == 60
    with pytest.raises(DomainError) as refused:
        async with sessions() as s, s.begin():
            await putaway.confirm_putaway(s, HQ, filters.lines[0].id, "WH-A-01-01", Decimal(60), "csg-put-1")
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert await on_hand(sessions, "FLT-0001-C", ZONE) == 60
    assert await on_hand(sessions, "FLT-0001-C", "WH-A-01-01") == 0
    today = business_today()
    async with sessions() as s:
        assert await consignment_consumption_moves(s, a, today, today + timedelta(days=1)) == []
        assert await check_ledger(s) == []


async def test_an_order_cannot_deliver_into_another_suppliers_consignment_zone(sessions) -> None:
    await supplier_ids(sessions)
    await make_agreement(sessions, "FLT-0001-C", "WH", supplier="SUP-02", consignment=True, price="20")
    with pytest.raises(DomainError) as refused:
        async with sessions() as s, s.begin():
            await orders.create_purchase_order(
                s, HQ, "SUP-01", [OrderLineInput("FLT-0001-C", Decimal(5), "WH-CSG-SUP-02")]
            )
    assert refused.value.code == ErrorCode.INVALID_LOCATION
    assert refused.value.field == ["lines", "0", "destinationCode"]
