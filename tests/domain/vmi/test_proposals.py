"""Supplier proposals: pre-filled drafts, automatic approval within the agreement's bounds (a sent
purchase order at once), the buyer's decision otherwise, and one order however often it is submitted."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders
from domain.purchasing.models import PurchaseOrder, PurchaseOrderApproval
from domain.stock.check import check_ledger
from domain.vmi import proposals, shared_stock
from domain.vmi.proposals import ProposalLineInput
from tests.domain.vmi.helpers import HQ, SYSTEM, make_agreement, move, scalar, supplier_ids, supplier_user


async def _draft(sessions, principal, agreement_id, **kw):  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        return await proposals.draft_proposal(s, principal, agreement_id, **kw)


async def _submit(sessions, principal, proposal_id):  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        return await proposals.submit_proposal(s, principal, proposal_id)


async def _order(sessions, po_id: int | None) -> tuple[PurchaseOrder, list]:  # type: ignore[type-arg]
    assert po_id is not None
    async with sessions() as s:
        order = await s.get(PurchaseOrder, po_id)
        assert order is not None
        lines = (await orders.order_lines(s, [po_id]))[po_id]
        return order, lines


async def test_draft_is_prefilled_up_to_max_and_is_returned_while_open(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    # S-BJ01 holds 0 BRK-0001-A; an order of 5 is already open (submitted): position 5, max 60.
    agreement = await make_agreement(sessions)
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s, HQ, "SUP-01", [orders.OrderLineInput("BRK-0001-A", Decimal(5), "S-BJ01")]
        )
        await orders.submit_purchase_order(s, HQ, view.order.id)
    first = await _draft(sessions, supplier, agreement.id, comment="weekly review", idempotency_key="k-1")
    assert first.created and first.view.proposal.status == "draft" and first.view.proposal.origin == "supplier"
    assert [(x.quantity, x.suggested_qty) for x in first.view.lines] == [(Decimal(55), Decimal(55))]
    again = await _draft(sessions, supplier, agreement.id)
    assert not again.created and again.view.proposal.id == first.view.proposal.id
    replay = await _draft(sessions, supplier, agreement.id, idempotency_key="k-1")
    assert replay.view.proposal.id == first.view.proposal.id
    other = await make_agreement(sessions, part="FLT-0001-C")
    with pytest.raises(DomainError) as caught:
        await _draft(sessions, supplier, other.id, idempotency_key="k-1")
    assert caught.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


async def test_within_bounds_is_approved_automatically_and_ordered(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions)
    drafted = await _draft(sessions, supplier, agreement.id)
    requested = date.today() + timedelta(days=3)
    async with sessions() as s, s.begin():
        await proposals.update_proposal(
            s, supplier, drafted.view.proposal.id, lines=[ProposalLineInput(agreement.id, Decimal(40), requested)]
        )
    result = await _submit(sessions, supplier, drafted.view.proposal.id)
    proposal = result.view.proposal
    assert result.auto_approved and not result.replayed
    assert proposal.status == "ordered" and proposal.approval == "automatic"
    line = result.view.lines[0]
    assert (line.position_qty, line.max_qty, line.within_bounds) == (Decimal(0), Decimal(60), True)
    order, po_lines = await _order(sessions, proposal.purchase_order_id)
    assert (order.status, order.source, order.supplier_id) == ("sent", "vmi", a)
    assert order.notes == f"VMI {proposal.number}"
    assert [(x.quantity, x.unit_price, x.requested_date) for x in po_lines] == [
        (Decimal(40), Decimal("180.0000"), requested)
    ]
    async with sessions() as s:
        approvals = (await s.execute(PurchaseOrderApproval.__table__.select())).all()
        figures = (await shared_stock.compute(s, [agreement]))[agreement.id]
    assert [(x.decision, x.actor) for x in approvals] == [("approved", "system:vmi")]
    assert figures.on_order == 40 and figures.position == 40
    # Submitting again is harmless: the same outcome, no second order.
    replay = await _submit(sessions, supplier, proposal.id)
    assert replay.replayed and replay.view.proposal.purchase_order_id == proposal.purchase_order_id
    assert await scalar(sessions, "SELECT count(*) FROM purchase_order WHERE source = 'vmi'") == 1
    events = await scalar(sessions, "SELECT string_agg(topic, ',' ORDER BY id) FROM outbox_event")
    assert events == "purchase_order.sent,vmi.proposal.ordered"


async def test_consignment_orders_go_to_the_supplier_zone_at_the_consignment_price(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions, consignment=True, price="150.5")
    drafted = await _draft(sessions, supplier, agreement.id)
    result = await _submit(sessions, supplier, drafted.view.proposal.id)
    _, po_lines = await _order(sessions, result.view.proposal.purchase_order_id)
    assert [(x.quantity, x.unit_price, x.destination_location_id) for x in po_lines] == [
        (Decimal(60), Decimal("150.5000"), agreement.consignment_location_id)
    ]


async def test_outside_bounds_waits_for_a_buyer_who_approves_or_rejects(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions)
    flt = await make_agreement(sessions, part="FLT-0001-C", min_qty="10", max_qty="100")
    drafted = await _draft(sessions, supplier, agreement.id)
    async with sessions() as s, s.begin():
        await proposals.update_proposal(
            s,
            supplier,
            drafted.view.proposal.id,
            lines=[ProposalLineInput(agreement.id, Decimal(70)), ProposalLineInput(flt.id, Decimal(10))],
        )
    result = await _submit(sessions, supplier, drafted.view.proposal.id)
    assert not result.auto_approved and result.view.proposal.status == "submitted"
    assert [x.within_bounds for x in result.view.lines] == [False, True]  # 0 + 70 > 60; 50 + 10 <= 100
    assert await scalar(sessions, "SELECT count(*) FROM purchase_order") == 0
    with pytest.raises(DomainError) as caught:
        async with sessions() as s, s.begin():
            await proposals.decide_proposal(s, supplier, drafted.view.proposal.id, approve=True)
    assert caught.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as caught:
        async with sessions() as s, s.begin():
            await proposals.decide_proposal(s, HQ, drafted.view.proposal.id, approve=False)
    assert caught.value.field == ["comment"]
    async with sessions() as s, s.begin():
        view = await proposals.decide_proposal(s, HQ, drafted.view.proposal.id, approve=True, comment="ok for promo")
    assert view.proposal.status == "ordered" and view.proposal.approval == "buyer"
    order, po_lines = await _order(sessions, view.proposal.purchase_order_id)
    assert order.status == "sent" and order.approved_by == "user:hq"
    assert [(x.quantity, x.destination_location_id) for x in po_lines] == [
        (Decimal(70), agreement.location_id),
        (Decimal(10), flt.location_id),
    ]


async def test_rejected_with_a_comment_and_buyers_need_authority(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions, min_qty="5", max_qty="10")
    drafted = await _draft(sessions, supplier, agreement.id)
    async with sessions() as s, s.begin():
        await proposals.update_proposal(
            s, supplier, drafted.view.proposal.id, lines=[ProposalLineInput(agreement.id, Decimal(500))]
        )
    await _submit(sessions, supplier, drafted.view.proposal.id)
    # 500 × 180 = 90,000 needs a regional manager or above: a store manager of the site may not approve.
    manager = Principal(
        PrincipalKind.USER,
        "mgr",
        frozenset({Role.STORE_MANAGER}),
        ("HQ/R-N/S-BJ01",),
        scopes=HQ.scopes,
    )
    with pytest.raises(DomainError) as caught:
        async with sessions() as s, s.begin():
            await proposals.decide_proposal(s, manager, drafted.view.proposal.id, approve=True)
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert await scalar(sessions, "SELECT count(*) FROM purchase_order") == 0
    async with sessions() as s, s.begin():
        view = await proposals.decide_proposal(s, manager, drafted.view.proposal.id, approve=False, comment="too many")
    assert view.proposal.status == "rejected" and view.proposal.decision_comment == "too many"
    # A new proposal may be drafted once the old one is closed.
    again = await _draft(sessions, supplier, agreement.id)
    assert again.created and again.view.proposal.id != drafted.view.proposal.id


async def test_another_supplier_never_reaches_a_proposal(sessions) -> None:
    a, b = await supplier_ids(sessions)
    agreement = await make_agreement(sessions)
    drafted = await _draft(sessions, supplier_user(a, "a"), agreement.id)
    other = supplier_user(b, "b")
    for call in (
        lambda s: proposals.submit_proposal(s, other, drafted.view.proposal.id),
        lambda s: proposals.update_proposal(s, other, drafted.view.proposal.id, comment="x"),
        lambda s: proposals.cancel_proposal(s, other, drafted.view.proposal.id),
        lambda s: proposals.draft_proposal(s, other, agreement.id),
    ):
        with pytest.raises(DomainError) as caught:
            async with sessions() as s, s.begin():
                await call(s)
        assert caught.value.code == ErrorCode.NOT_FOUND
    async with sessions() as s:
        assert await proposals.get_proposal(s, other, drafted.view.proposal.id) is None
        assert await proposals.list_proposals(s, other) == ([], False)
    # Lines may only name agreements of the same supplier at the same site.
    theirs = await make_agreement(sessions, supplier="SUP-02", part="FLT-0001-C")
    with pytest.raises(DomainError) as caught:
        async with sessions() as s, s.begin():
            await proposals.update_proposal(
                s, supplier_user(a, "a"), drafted.view.proposal.id, lines=[ProposalLineInput(theirs.id, Decimal(1))]
            )
        assert caught.value.code == ErrorCode.NOT_FOUND


async def test_two_concurrent_submits_place_one_order(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions)
    drafted = await _draft(sessions, supplier, agreement.id)

    async def submit() -> tuple[int | None, bool]:
        result = await _submit(sessions, supplier, drafted.view.proposal.id)
        return result.view.proposal.purchase_order_id, result.replayed

    outcomes = await asyncio.gather(*(submit() for _ in range(4)))
    assert len({po for po, _ in outcomes}) == 1 and None not in {po for po, _ in outcomes}
    assert sorted(replayed for _, replayed in outcomes) == [False, True, True, True]
    assert await scalar(sessions, "SELECT count(*) FROM purchase_order") == 1


async def test_two_proposals_cannot_both_fill_the_same_room(sessions) -> None:
    """Proposals of two agreements that share a line: bounds are checked one after the other."""
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    brk = await make_agreement(sessions)
    flt = await make_agreement(sessions, part="FLT-0001-C", min_qty="10", max_qty="100")
    # FLT at S-BJ01 holds 50: room 50. Both proposals want 40 of it.
    p1 = await _draft(sessions, supplier, brk.id)
    p2 = await _draft(sessions, supplier, flt.id)
    async with sessions() as s, s.begin():
        await proposals.update_proposal(
            s,
            supplier,
            p1.view.proposal.id,
            lines=[ProposalLineInput(brk.id, Decimal(1)), ProposalLineInput(flt.id, Decimal(40))],
        )
        await proposals.update_proposal(
            s, supplier, p2.view.proposal.id, lines=[ProposalLineInput(flt.id, Decimal(40))]
        )
    results = await asyncio.gather(
        _submit(sessions, supplier, p1.view.proposal.id), _submit(sessions, supplier, p2.view.proposal.id)
    )
    assert sorted(r.auto_approved for r in results) == [False, True]


async def test_days_of_cover_uses_the_consumption_rate(sessions) -> None:
    await supplier_ids(sessions)
    # FLT-0001-C at S-BJ01: 50 on hand; 45 issued to the workshop (5 come back): 40 net in 90 days.
    await move(sessions, "FLT-0001-C", "S-BJ01", "V-WORKSHOP", "45")
    await move(sessions, "FLT-0001-C", "V-WORKSHOP", "S-BJ01", "5")
    agreement = await make_agreement(sessions, part="FLT-0001-C", mode="days_of_cover", min_days="30", max_days="90")
    async with sessions() as s:
        figures = (await shared_stock.compute(s, [agreement]))[agreement.id]
    rate = Decimal(40) / 90
    assert figures.daily_rate == rate and figures.consumption_90 == 40 and figures.consumption_30 == 40
    assert (figures.min_qty, figures.max_qty) == (Decimal(14), Decimal(40))  # ceil(13.3), floor(40)
    assert figures.on_hand == 10 and figures.status == "below_min"
    assert figures.days_of_cover == Decimal("22.5")
    drafted = await _draft(sessions, SYSTEM, agreement.id)
    assert drafted.view.proposal.origin == "trigger"
    assert [x.quantity for x in drafted.view.lines] == [Decimal(30)]
    async with sessions() as s:
        assert await check_ledger(s) == []
