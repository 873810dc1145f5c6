"""A statement equals the ledger: receipts through the real purchasing flow, a QC return, a price
difference finance released and consignment consumption, each line traced to its move."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.vmi.statements import service
from domain.vmi.statements.common import default_consumption, window
from domain.vmi.statements.lines import Section
from tests.domain.vmi.statements.helpers import (
    CONSUMED,
    FINANCE,
    PRICE_DIFFERENCES,
    RECEIPTS,
    RETURNS,
    STAFF,
    business_month,
    second_supplier,
    supplier_id,
    supplier_principal,
    this_month,
)


async def _lines(sessions, statement_id: int):  # type: ignore[no-untyped-def]
    async with sessions() as s:
        rows, _ = await service.statement_lines(s, FINANCE, statement_id, first=500)
    return rows


async def test_statement_totals_equal_the_ledger(sessions) -> None:
    month = await business_month(sessions)
    start, end = this_month()
    async with sessions() as s, s.begin():
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
    supplier = await supplier_id(sessions)
    consumption = default_consumption()
    assert consumption is not None
    async with sessions() as s:
        consumed = await consumption(s, supplier, *window(start, end))
        # Independently of the statement code: what the ledger says moved in from V-SUPPLIER on this order.
        received_qty = (
            await s.execute(
                text(
                    "SELECT sum(quantity) FROM stock_move m JOIN location l ON l.id = m.from_location_id "
                    "WHERE l.code = 'V-SUPPLIER' AND m.doc_ref = :n"
                ),
                {"n": month.po_number},
            )
        ).scalar_one()
    consignment = sum((c.amount for c in consumed), Decimal(0))
    assert {c.move_id for c in consumed} == set(month.consumption_move_ids)
    assert sum(c.quantity for c in consumed) == CONSUMED

    assert st.status == "draft" and st.kind == "monthly" and st.opening_balance == 0
    assert st.receipts_amount == RECEIPTS == Decimal("2010.00")
    assert st.returns_amount == RETURNS == Decimal("51.00")
    assert st.price_differences_amount == PRICE_DIFFERENCES == Decimal("100.00")
    assert st.consignment_amount == consignment > 0
    assert st.credits_amount == 0
    assert st.closing_amount == RECEIPTS - RETURNS + PRICE_DIFFERENCES + consignment

    lines = await _lines(sessions, st.id)
    assert st.line_count == len(lines) == 2 + 1 + 1 + 2
    assert sum(x.amount for x in lines) + st.opening_balance == st.closing_amount
    by = {section: [x for x in lines if x.section == section] for section in Section}

    receipts = by[Section.RECEIPT]
    assert [x.move_id for x in receipts] == month.receipt_move_ids
    assert sum(x.quantity for x in receipts) == received_qty == 30
    assert {(x.part_code, x.part_name_zh, x.po_line_no, x.unit_price) for x in receipts} == {
        ("BRK-0001-A", "前刹车片", 1, Decimal("150.0000")),
        ("FLT-0001-C", "机油滤清器", 2, Decimal("25.5000")),
    }
    async with sessions() as s:
        postings = dict((await s.execute(text("SELECT id, posting_id FROM stock_move"))).tuples().all())
    for x in lines:
        if x.move_id is not None:
            assert x.posting_id == postings[x.move_id]
    assert all(x.po_number == month.po_number and x.doc_type == "po_receipt" for x in receipts)

    (ret,) = by[Section.RETURN]
    assert ret.move_id in month.return_move_ids and ret.doc_ref.startswith("RTV-")
    assert (ret.quantity, ret.unit_price, ret.amount) == (Decimal(2), Decimal("25.5000"), Decimal("-51.00"))
    assert ret.po_number == month.po_number and ret.po_line_no == 2 and "torn" in (ret.note or "")

    (diff,) = by[Section.PRICE_DIFFERENCE]
    assert (diff.quantity, diff.unit_price, diff.amount) == (Decimal(10), Decimal(10), Decimal("100.00"))
    assert diff.doc_ref == f"MATCH-{month.match_id}" and diff.move_id is None and "160" in (diff.note or "")

    assert {x.move_id for x in by[Section.CONSIGNMENT]} == set(month.consumption_move_ids)
    assert all(x.location_code and "CSG" in x.location_code for x in by[Section.CONSIGNMENT])
    # The consignment delivery into the supplier's own zone is neither a receipt nor anything owed.
    assert all(x.doc_type != "consignment_receipt" for x in lines)


async def test_a_draft_regenerates_in_place_and_credits_survive(sessions) -> None:
    await business_month(sessions)
    start, end = this_month()
    async with sessions() as s, s.begin():
        first = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
    async with sessions() as s, s.begin():
        credit = await service.add_statement_credit(
            s, FINANCE, first.id, Decimal("40.00"), "年度返利 annual rebate", reference="CN-1", idempotency_key="c-1"
        )
        again = await service.add_statement_credit(
            s, FINANCE, first.id, Decimal("40.00"), "年度返利 annual rebate", reference="CN-1", idempotency_key="c-1"
        )
    assert again.id == credit.id  # a retried credit is not added twice
    async with sessions() as s, s.begin():
        second = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
    assert second.id == first.id and second.number == first.number and second.revision == 2
    assert second.credits_amount == Decimal("40.00")
    assert second.closing_amount == first.closing_amount - Decimal("40.00")
    async with sessions() as s:
        count = (
            await s.execute(text("SELECT count(*) FROM vmi_statement_line WHERE statement_id = :i"), {"i": first.id})
        ).scalar_one()
        statements = (await s.execute(text("SELECT count(*) FROM vmi_statement"))).scalar_one()
    assert count == second.line_count == 7 and statements == 1
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await service.add_statement_credit(s, FINANCE, first.id, Decimal("40.00"), "other", idempotency_key="c-1")
    assert err.value.code is ErrorCode.IDEMPOTENCY_CONFLICT


async def test_who_may_generate_and_what_a_supplier_sees(sessions) -> None:
    await business_month(sessions)
    start, end = this_month()
    sup01 = supplier_principal(await supplier_id(sessions))
    other = supplier_principal(await second_supplier(sessions), "other")
    for principal in (STAFF, sup01):
        with pytest.raises(DomainError) as err:
            async with sessions() as s, s.begin():
                await service.generate_statement(s, principal, "SUP-01", start, end)
        assert err.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await service.generate_statement(s, FINANCE, "NOPE-9", start, end)
    assert err.value.code is ErrorCode.UNKNOWN_SUPPLIER
    async with sessions() as s, s.begin():
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        empty = await service.generate_statement(s, FINANCE, "SUP-02", start, end)
    assert empty.line_count == 0 and empty.closing_amount == 0  # nothing of SUP-01 leaks into SUP-02
    async with sessions() as s:
        assert await service.get_statement(s, sup01, st.id) is None  # drafts are finance's
        assert (await service.list_statements(s, other)).items == []
        assert [x.id for x in (await service.list_statements(s, FINANCE)).items] == [empty.id, st.id]
        with pytest.raises(DomainError) as err:
            await service.statement_lines(s, other, st.id)
    assert err.value.code is ErrorCode.NOT_FOUND
