"""Issued → confirmed or disputed (with a thread) → re-issued → settled: every transition checked,
audited and announced; the settled remainder opens the next month."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.catalog.models import SupplierContact
from domain.errors import DomainError, ErrorCode
from domain.vmi.statements import service
from tests.domain.vmi.statements.helpers import (
    FINANCE,
    past_month,
    second_supplier,
    supplier_id,
    supplier_principal,
    this_month,
)


async def _refused(sessions, code: ErrorCode, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await call(s)
    assert err.value.code is code, err.value


async def _rows(sessions, sql: str, **params: object) -> list[dict]:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return [dict(r._mapping) for r in await s.execute(text(sql), params)]


async def test_the_life_of_a_statement(sessions) -> None:
    sup = supplier_principal(await supplier_id(sessions))
    other = supplier_principal(await second_supplier(sessions), "other")
    start, end = past_month(2)
    async with sessions() as s, s.begin():
        s.add(SupplierContact(supplier_id=sup.supplier_id, name="王经理", email="ar@sup01.example"))
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        await service.add_statement_credit(s, FINANCE, st.id, Decimal("100.00"), "返利 rebate")
    sid = st.id

    await _refused(sessions, ErrorCode.NOT_FOUND, lambda s: service.confirm_statement(s, sup, sid))  # a draft
    await _refused(sessions, ErrorCode.FORBIDDEN, lambda s: service.issue_statement(s, sup, sid))
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.settle_statement(s, FINANCE, sid))
    cur_start, cur_end = this_month()
    async with sessions() as s, s.begin():
        current = await service.generate_statement(s, FINANCE, "SUP-01", cur_start, cur_end)
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.issue_statement(s, FINANCE, current.id))

    async with sessions() as s, s.begin():
        st = await service.issue_statement(s, FINANCE, sid, comment="请核对 Please check")
    assert st.status == "issued" and st.closing_amount == Decimal("-100.00") and st.issued_at is not None
    await _refused(
        sessions, ErrorCode.INVALID_STATE, lambda s: service.generate_statement(s, FINANCE, "SUP-01", start, end)
    )
    await _refused(sessions, ErrorCode.FORBIDDEN, lambda s: service.confirm_statement(s, FINANCE, sid))
    await _refused(sessions, ErrorCode.NOT_FOUND, lambda s: service.confirm_statement(s, other, sid))
    await _refused(sessions, ErrorCode.NOT_FOUND, lambda s: service.comment_statement(s, other, sid, "hi"))
    await _refused(sessions, ErrorCode.INVALID_INPUT, lambda s: service.dispute_statement(s, sup, sid, "  "))
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.reissue_statement(s, FINANCE, sid))

    async with sessions() as s, s.begin():
        st = await service.dispute_statement(s, sup, sid, "返利应为 150 元 The rebate was 150")
    assert st.status == "disputed"
    async with sessions() as s, s.begin():
        await service.comment_statement(s, FINANCE, sid, "同意，追加 50 元 Agreed, 50 more", idempotency_key="f-1")
        await service.comment_statement(s, FINANCE, sid, "同意，追加 50 元 Agreed, 50 more", idempotency_key="f-1")
        await service.comment_statement(s, sup, sid, "谢谢 Thanks")
        await service.add_statement_credit(s, FINANCE, sid, Decimal("50.00"), "争议更正 dispute correction")
    async with sessions() as s, s.begin():
        st = await service.reissue_statement(s, FINANCE, sid, comment="已更正 Corrected")
    assert (st.status, st.revision, st.credits_amount, st.closing_amount) == (
        "issued",
        2,
        Decimal("150.00"),
        Decimal("-150.00"),
    )
    async with sessions() as s, s.begin():
        st = await service.confirm_statement(s, sup, sid, comment="确认 OK")
    assert st.status == "confirmed" and st.confirmed_by == sup.actor
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.dispute_statement(s, sup, sid, "late"))
    await _refused(sessions, ErrorCode.FORBIDDEN, lambda s: service.settle_statement(s, sup, sid))
    async with sessions() as s, s.begin():
        st = await service.settle_statement(s, FINANCE, sid, amount=Decimal("-100.00"), reference="PAY-77")
    assert st.status == "settled" and st.settled_amount == Decimal("-100.00")
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.reissue_statement(s, FINANCE, sid))

    async with sessions() as s:
        thread = await service.statement_comments(s, sup, sid)
    assert [(c.author_side, c.action) for c in thread] == [
        ("internal", "issue"),
        ("supplier", "dispute"),
        ("internal", None),  # the retried comment was stored once
        ("supplier", None),
        ("internal", "reissue"),
        ("supplier", "confirm"),
    ]
    events = await _rows(sessions, "SELECT topic, payload FROM outbox_event WHERE topic LIKE 'statement.%' ORDER BY id")
    assert [e["topic"] for e in events] == [
        "statement.issued",
        "statement.disputed",
        "statement.commented",
        "statement.commented",
        "statement.reissued",
        "statement.confirmed",
        "statement.settled",
    ]
    assert all(e["payload"]["supplierCode"] == "SUP-01" and e["payload"]["number"] == st.number for e in events)
    # The supplier hears about finance's moves (its contacts, on the notification queue), not its own.
    mails = await _rows(
        sessions, "SELECT topic, address, subject, body FROM notification WHERE channel = 'email' ORDER BY id"
    )
    assert [(m["topic"], m["address"]) for m in mails] == [
        ("statement.issued", "ar@sup01.example"),
        ("statement.commented", "ar@sup01.example"),
        ("statement.reissued", "ar@sup01.example"),
        ("statement.settled", "ar@sup01.example"),
    ]
    assert st.number in mails[0]["subject"] and "-100.00" in mails[0]["body"] and "请核对" in mails[0]["body"]
    audit = await _rows(
        sessions,
        "SELECT action, actor FROM audit_log WHERE target_type = 'statement' AND target_id = :t ORDER BY id",
        t=str(sid),
    )
    assert [a["action"] for a in audit] == [
        "statement.generate",
        "statement.credit",
        "statement.issue",
        "statement.dispute",
        "statement.comment",
        "statement.comment",
        "statement.credit",
        "statement.reissue",
        "statement.confirm",
        "statement.settle",
    ]

    # The next month opens with what was not settled: −150 − (−100) = −50.
    n_start, n_end = past_month(1)
    async with sessions() as s, s.begin():
        following = await service.generate_statement(s, FINANCE, "SUP-01", n_start, n_end)
    assert following.opening_balance == Decimal("-50.00") and following.previous_statement_id == sid
    assert following.closing_amount == Decimal("-50.00")


async def test_a_skipped_month_still_carries_and_ranges_are_not_settled(sessions) -> None:
    sup = supplier_principal(await supplier_id(sessions))
    start, end = past_month(3)
    async with sessions() as s, s.begin():
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        await service.add_statement_credit(s, FINANCE, st.id, Decimal("40.00"), "rebate")
        await service.issue_statement(s, FINANCE, st.id)
    n_start, n_end = past_month(1)  # month −2 never got a statement
    async with sessions() as s, s.begin():
        later = await service.generate_statement(s, FINANCE, "SUP-01", n_start, n_end)
    assert later.opening_balance == Decimal("-40.00") and later.previous_statement_id == st.id

    r_start, r_end = n_start + timedelta(days=2), n_start + timedelta(days=9)
    async with sessions() as s, s.begin():
        ranged = await service.generate_statement(s, FINANCE, "SUP-01", r_start, r_end)
        await service.issue_statement(s, FINANCE, ranged.id)
        await service.confirm_statement(s, sup, ranged.id)
    assert ranged.kind == "range" and ranged.number.endswith(f"{r_start:%Y%m%d}-{r_end:%Y%m%d}")
    await _refused(sessions, ErrorCode.INVALID_STATE, lambda s: service.settle_statement(s, FINANCE, ranged.id))
