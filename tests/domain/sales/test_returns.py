"""Returns of counter sales: against the original lines, back into the lot at the original cost,
refunds at the price paid, the return window and who may override it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.principal import Role
from tests.domain.sales.helpers import (
    add_user,
    ledger_clean,
    line,
    on_hand,
    open_account,
    rows,
    scalar,
    sell,
    take_back,
    user,
)


async def _sale(sessions):  # type: ignore[no-untyped-def]
    staff = await user(sessions, "staff.bj01")
    result = await sell(sessions, staff, [line("FLT-0001-C", "3"), line("BCL-0001-B", "2.5")], discount_pct=Decimal(5))
    return staff, result.sale


async def test_returns_put_stock_back_at_cost_and_refund_what_was_paid(sessions) -> None:
    staff, sale = await _sale(sessions)
    assert sale.total == Decimal("159.60") + Decimal("216.12")

    first = await take_back(sessions, staff, sale.number, [(1, "1"), (2, "1.25")])
    assert first.sale_return.number == f"{sale.number}-R1"
    assert [(x.quantity, x.refund, x.tax) for x in first.lines] == [
        (Decimal(1), Decimal("53.20"), Decimal("6.12")),
        (Decimal("1.25"), Decimal("108.06"), Decimal("12.43")),
    ]
    assert first.sale_return.total == Decimal("161.26") and first.sale_return.refund_method == "cash"
    moves = await rows(
        sessions,
        """
        SELECT p.code, m.lot_no, m.quantity, m.unit_cost, f.code AS source, t.code AS target
          FROM stock_move m JOIN part p ON p.id = m.part_id JOIN location f ON f.id = m.from_location_id
          JOIN location t ON t.id = m.to_location_id WHERE m.posting_id = :p ORDER BY m.id
        """,
        p=first.sale_return.posting_id,
    )
    assert [(m["code"], m["lot_no"], m["quantity"], m["unit_cost"], m["source"], m["target"]) for m in moves] == [
        ("FLT-0001-C", "", Decimal(1), Decimal(28), "V-CUSTOMER", "S-BJ01"),
        ("BCL-0001-B", "C2401", Decimal("1.25"), Decimal("45.5"), "V-CUSTOMER", "S-BJ01"),
    ]
    assert await on_hand(sessions, "FLT-0001-C", "S-BJ01") == Decimal(48)
    assert await on_hand(sessions, "BCL-0001-B", "S-BJ01", "C2401") == Decimal("18.75")
    assert await scalar(sessions, "SELECT avg_cost FROM part WHERE code = 'FLT-0001-C'") == Decimal(28)

    # The rest of the filters: the last units refund the remainder, so the line refunds its total.
    second = await take_back(sessions, staff, sale.number, [(1, "2")])
    assert (second.lines[0].refund, second.lines[0].tax) == (Decimal("106.40"), Decimal("12.24"))
    line_row = (await rows(sessions, "SELECT returned, refunded, total FROM counter_sale_line WHERE line_no = 1"))[0]
    assert line_row["returned"] == 3 and line_row["refunded"] == line_row["total"] == Decimal("159.60")

    with pytest.raises(DomainErrors) as refused:
        await take_back(sessions, staff, sale.number, [(1, "1")])
    assert refused.value.code is ErrorCode.INVALID_QUANTITY and "only 0 PCS" in refused.value.message
    with pytest.raises(DomainErrors) as refused:
        await take_back(sessions, staff, sale.number, [(2, "0.75"), (2, "0.75")])  # 1.5 > 1.25 left
    assert refused.value.code is ErrorCode.INVALID_QUANTITY
    with pytest.raises(DomainErrors) as refused:
        await take_back(sessions, staff, sale.number, [(3, "1")])
    assert refused.value.field == ["lines", "0", "lineNo"]
    await ledger_clean(sessions)


async def test_a_retried_return_is_answered_not_taken_twice(sessions) -> None:
    staff, sale = await _sale(sessions)
    first = await take_back(sessions, staff, sale.number, [(1, "1")], idempotency_key="ret-1")
    again = await take_back(sessions, staff, sale.number, [(1, "1")], idempotency_key="ret-1")
    assert again.replayed and again.sale_return.number == first.sale_return.number
    assert await on_hand(sessions, "FLT-0001-C", "S-BJ01") == Decimal(48)
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, staff, sale.number, [(1, "2")], idempotency_key="ret-1")
    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT


async def test_the_return_window_and_the_managers_override(sessions) -> None:
    staff, sale = await _sale(sessions)
    manager = await user(sessions, "manager.bj01")
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE counter_sale SET business_day = business_day - 31"))
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, staff, sale.number, [(1, "1")])
    assert refused.value.code is ErrorCode.RETURN_WINDOW_EXPIRED
    assert "31 days ago" in refused.value.message and "a store manager may override it" in refused.value.message
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, staff, sale.number, [(1, "1")], override_window=True)  # staff cannot override
    assert refused.value.code is ErrorCode.RETURN_WINDOW_EXPIRED
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, manager, sale.number, [(1, "1")])  # must say so explicitly
    assert refused.value.code is ErrorCode.RETURN_WINDOW_EXPIRED
    taken = await take_back(sessions, manager, sale.number, [(1, "1")], override_window=True, reason="goodwill")
    assert taken.sale_return.outside_window and taken.sale_return.created_by == "user:manager.bj01"

    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE counter_sale SET business_day = business_day + 1"))  # 30 days: inside
    inside = await take_back(sessions, staff, sale.number, [(1, "1")])
    assert not inside.sale_return.outside_window


async def test_a_clerk_of_another_store_cannot_take_the_return(sessions) -> None:
    _, sale = await _sale(sessions)
    await add_user(sessions, "staff.bj02", Role.STORE_STAFF, "S-BJ02")
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, await user(sessions, "staff.bj02"), sale.number, [(1, "1")])
    assert refused.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as refused:  # finance reads every sale but does not work the counter
        await take_back(sessions, await user(sessions, "finance"), sale.number, [(1, "1")])
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert await scalar(sessions, "SELECT count(*) FROM counter_sale_return") == 0


async def test_a_refund_on_account_lowers_the_balance(sessions) -> None:
    manager = await user(sessions, "manager.bj01")
    await open_account(sessions, manager, "FLEET-9", credit_limit=Decimal(1000), home_store_code="S-BJ01")
    sold = await sell(
        sessions, manager, [line("FLT-0001-C", "2")], trade_account_code="FLEET-9", payment_method="account"
    )
    await take_back(sessions, manager, sold.sale.number, [(1, "1")])
    assert await scalar(sessions, "SELECT balance FROM trade_account WHERE code = 'FLEET-9'") == Decimal("56.00")
    cash = await sell(sessions, manager, [line("FLT-0001-C", "1")])
    with pytest.raises(DomainError) as refused:
        await take_back(sessions, manager, cash.sale.number, [(1, "1")], refund_method="account")
    assert refused.value.field == ["refundMethod"]
