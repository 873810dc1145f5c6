"""Selling over the counter against the real ledger: stock leaves at cost to V-CUSTOMER in one
posting, FIFO lots first, discounts within the seller's role, credit within the account's limit,
and nothing written when anything is wrong."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain.analytics.settings import business_today
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.principal import Role
from domain.sales import accounts, selling
from tests.domain.alerts.helpers import move
from tests.domain.sales.helpers import (
    add_user,
    ledger_clean,
    line,
    on_hand,
    open_account,
    rows,
    scalar,
    sell,
    user,
)


async def test_a_sale_posts_store_to_customer_at_cost_once(sessions) -> None:
    # A later, dearer lot of coolant: FIFO sells the older lots first, at their own cost.
    await move(sessions, "BCL-0001-B", "V-SUPPLIER", "S-BJ01", "10", lot="C2403", cost="50.00")
    staff = await user(sessions, "staff.bj01")
    result = await sell(
        sessions,
        staff,
        [line("FLT-0001-C", "2"), line("6901234567915", "21")],  # the coolant by its barcode
        payment_method="wechat_pay",
        payment_reference="4200001234202611250001",
    )
    sale = result.sale
    assert sale.number == f"S-BJ01-{business_today():%Y%m%d}-0001" and not result.replayed
    # List prices (VAT included): filter 56.00, coolant 91.00 per litre.
    assert (sale.subtotal, sale.discount_total, sale.total) == (
        Decimal("112.00") + Decimal("1911.00"),
        0,
        Decimal("2023.00"),
    )
    assert [x.tax for x in result.lines] == [Decimal("12.88"), Decimal("219.85")]
    assert sale.tax == Decimal("232.73")

    moves = await rows(
        sessions,
        """
        SELECT p.code, m.lot_no, m.quantity, m.unit_cost, f.code AS source, t.code AS target, m.doc_ref
          FROM stock_move m JOIN part p ON p.id = m.part_id JOIN location f ON f.id = m.from_location_id
          JOIN location t ON t.id = m.to_location_id
         WHERE m.posting_id = :p ORDER BY m.id
        """,
        p=sale.posting_id,
    )
    assert [(m["code"], m["lot_no"], m["quantity"], m["unit_cost"]) for m in moves] == [
        ("FLT-0001-C", "", Decimal(2), Decimal("28")),
        ("BCL-0001-B", "C2401", Decimal(20), Decimal("45.5")),
        ("BCL-0001-B", "C2402", Decimal(1), Decimal("45.5")),
    ]
    assert {(m["source"], m["target"], m["doc_ref"]) for m in moves} == {("S-BJ01", "V-CUSTOMER", sale.number)}
    assert sale.cost == Decimal("56") + Decimal("21") * Decimal("45.5")
    assert await scalar(sessions, "SELECT count(*) FROM stock_posting WHERE doc_type = 'counter_sale'") == 1
    assert await on_hand(sessions, "BCL-0001-B", "S-BJ01", "C2402") == Decimal("11.5")
    assert await on_hand(sessions, "BCL-0001-B", "S-BJ01", "C2403") == Decimal(10)
    lots = await rows(sessions, "SELECT lot_no, quantity, unit_cost FROM counter_sale_lot ORDER BY id")
    assert [(x["lot_no"], x["quantity"]) for x in lots] == [("", 2), ("C2401", 20), ("C2402", 1)]
    await ledger_clean(sessions)

    second = await sell(sessions, staff, [line("FLT-0001-C", "1")])
    assert second.sale.number.endswith("-0002")


async def test_lot_suggestion_is_fifo_and_a_scanned_lot_is_sold_from_exactly_there(sessions) -> None:
    await move(sessions, "BCL-0001-B", "V-SUPPLIER", "S-BJ01", "10", lot="C2403", cost="50.00")
    staff = await user(sessions, "staff.bj01")
    async with sessions() as s:
        suggestion = await selling.suggest_lots(s, staff, "S-BJ01", "BCL-0001-B", Decimal("25"))
    assert [(p.lot_no, p.quantity) for p in suggestion.picks] == [("C2401", 20), ("C2402", 5)]
    assert suggestion.available == Decimal("42.5") and suggestion.short == 0

    result = await sell(sessions, staff, [line("BCL-0001-B", "2", lot_no="C2403")])
    assert result.lines[0].cost == Decimal("100")
    assert await on_hand(sessions, "BCL-0001-B", "S-BJ01", "C2403") == Decimal(8)


async def test_discounts_are_limited_by_role_at_the_store(sessions) -> None:
    staff, manager, hq = [await user(sessions, u) for u in ("staff.bj01", "manager.bj01", "hq.ops")]
    assert (await sell(sessions, staff, [line("FLT-0001-C", "1")], discount_pct=Decimal(5))).sale.total == Decimal(
        "53.20"
    )
    with pytest.raises(DomainErrors) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1", discount_pct=Decimal("5.5"))])
    assert refused.value.code is ErrorCode.DISCOUNT_LIMIT_EXCEEDED
    assert refused.value.field == ["lines", "0", "discountPct"]
    await sell(sessions, manager, [line("FLT-0001-C", "1", discount_pct=Decimal(15))])
    with pytest.raises(DomainErrors, match="up to 15%"):
        await sell(sessions, manager, [line("FLT-0001-C", "1", discount_pct=Decimal(16))])
    assert (await sell(sessions, hq, [line("FLT-0001-C", "1")], discount_pct=Decimal(40))).sale.total == Decimal(
        "33.60"
    )

    # The trade account's agreed 20% may be given by any clerk; a point more may not.
    await open_account(sessions, manager, "TA-0001", discount_pct=Decimal(20), home_store_code="S-BJ01")
    deal = await sell(sessions, staff, [line("FLT-0001-C", "2")], trade_account_code="TA-0001")
    assert (deal.sale.customer_kind, deal.sale.discount_total, deal.sale.total) == (
        "trade",
        Decimal("22.40"),
        Decimal("89.60"),
    )
    with pytest.raises(DomainErrors) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], trade_account_code="TA-0001", discount_pct=Decimal(21))
    assert refused.value.code is ErrorCode.DISCOUNT_LIMIT_EXCEEDED
    await ledger_clean(sessions)


async def test_insufficient_stock_leaves_nothing_written(sessions) -> None:
    staff = await user(sessions, "staff.bj01")
    before = await rows(sessions, "SELECT part_id, location_id, lot_no, on_hand FROM stock_balance ORDER BY 1, 2, 3")
    moves = await scalar(sessions, "SELECT count(*) FROM stock_move")
    with pytest.raises(DomainErrors) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "5"), line("BRK-0002-A", "11"), line("BRK-0001-A", "1")])
    problems = {(e.code, tuple(e.field)) for e in refused.value.errors}
    assert problems == {
        (ErrorCode.INSUFFICIENT_STOCK, ("lines", "1", "quantity")),
        (ErrorCode.INSUFFICIENT_STOCK, ("lines", "2", "quantity")),  # none at all at S-BJ01
    }
    assert "only 10 SET of BRK-0002-A available at S-BJ01" in str(refused.value.errors[0].message)
    # Two lines of one part share the stock: 30 + 25 > 50 filters.
    with pytest.raises(DomainErrors):
        await sell(sessions, staff, [line("FLT-0001-C", "30"), line("FLT-0001-C", "25")])
    assert (
        await rows(sessions, "SELECT part_id, location_id, lot_no, on_hand FROM stock_balance ORDER BY 1, 2, 3")
        == before
    )
    assert await scalar(sessions, "SELECT count(*) FROM stock_move") == moves
    assert await scalar(sessions, "SELECT count(*) FROM counter_sale") == 0
    assert await scalar(sessions, "SELECT count(*) FROM counter_sale_sequence") == 0
    # The next good sale still gets number 0001.
    assert (await sell(sessions, staff, [line("FLT-0001-C", "5")])).sale.number.endswith("-0001")


async def test_a_retried_sale_is_answered_not_sold_twice(sessions) -> None:
    staff = await user(sessions, "staff.bj01")
    first = await sell(sessions, staff, [line("FLT-0001-C", "3")], idempotency_key="till-1-0001")
    again = await sell(sessions, staff, [line("FLT-0001-C", "3")], idempotency_key="till-1-0001")
    assert again.replayed and again.sale.number == first.sale.number
    assert [m.id for m in again.moves] == [m.id for m in first.moves]
    assert await on_hand(sessions, "FLT-0001-C", "S-BJ01") == Decimal(47)
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "4")], idempotency_key="till-1-0001")
    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await scalar(sessions, "SELECT count(*) FROM counter_sale") == 1


async def test_a_clerk_of_one_store_cannot_sell_at_another(sessions) -> None:
    await add_user(sessions, "staff.bj02", Role.STORE_STAFF, "S-BJ02")
    for name in ("staff.bj01", "manager.bj01", "finance"):
        with pytest.raises(DomainError) as refused:
            await sell(sessions, await user(sessions, name), [line("BRK-0001-A", "1")], store_code="S-BJ02")
        assert refused.value.code is ErrorCode.FORBIDDEN
    sold = await sell(sessions, await user(sessions, "staff.bj02"), [line("BRK-0001-A", "1")], store_code="S-BJ02")
    assert sold.sale.number.startswith("S-BJ02-")
    with pytest.raises(DomainError) as refused:
        await sell(sessions, await user(sessions, "staff.bj02"), [line("FLT-0001-C", "1")])
    assert refused.value.code is ErrorCode.FORBIDDEN


async def test_sales_on_account_stay_within_the_credit_limit(sessions) -> None:
    manager = await user(sessions, "manager.bj01")
    staff = await user(sessions, "staff.bj01")
    await open_account(sessions, manager, "FLEET-7", credit_limit=Decimal(300), home_store_code="S-BJ01")
    await open_account(sessions, manager, "CASH-ONLY", home_store_code="S-BJ01")
    first = await sell(
        sessions, staff, [line("FLT-0001-C", "5")], trade_account_code="FLEET-7", payment_method="account"
    )
    assert first.sale.total == Decimal("280.00")
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], trade_account_code="FLEET-7", payment_method="account")
    assert refused.value.code is ErrorCode.CREDIT_LIMIT_EXCEEDED and "may take 20.00 more" in refused.value.message
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], trade_account_code="CASH-ONLY", payment_method="account")
    assert refused.value.code is ErrorCode.CREDIT_LIMIT_EXCEEDED
    async with sessions() as s, s.begin():
        paid = await accounts.record_payment(s, manager, "FLEET-7", Decimal(200), "bank 0042", "pay-1")
    assert paid.account.balance == Decimal("80.00")
    async with sessions() as s, s.begin():
        again = await accounts.record_payment(s, manager, "FLEET-7", Decimal(200), "bank 0042", "pay-1")
    assert again.replayed and again.account.balance == Decimal("80.00")
    await sell(sessions, staff, [line("FLT-0001-C", "1")], trade_account_code="FLEET-7", payment_method="account")
    entries = await rows(sessions, "SELECT kind, amount FROM trade_account_entry ORDER BY id")
    assert [(e["kind"], e["amount"]) for e in entries] == [
        ("sale", Decimal("280.00")),
        ("payment", Decimal("-200.00")),
        ("sale", Decimal("56.00")),
    ]
    assert await scalar(sessions, "SELECT balance FROM trade_account WHERE code = 'FLEET-7'") == Decimal("136.00")


async def test_payment_references_and_accounts_are_checked(sessions) -> None:
    staff = await user(sessions, "staff.bj01")
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], payment_method="alipay")
    assert refused.value.field == ["paymentReference"]
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], payment_method="account")
    assert refused.value.field == ["tradeAccountCode"]
    # A store's account buys only at its store; company-wide ones (head office) everywhere.
    await open_account(sessions, await user(sessions, "manager.bj01"), "BJ01-ONLY", home_store_code="S-BJ01")
    await open_account(sessions, await user(sessions, "hq.ops"), "NATIONAL")
    await add_user(sessions, "staff.bj02", Role.STORE_STAFF, "S-BJ02")
    other = await user(sessions, "staff.bj02")
    with pytest.raises(DomainError) as refused:
        await sell(sessions, other, [line("BRK-0001-A", "1")], store_code="S-BJ02", trade_account_code="BJ01-ONLY")
    assert refused.value.code is ErrorCode.NOT_FOUND
    await sell(sessions, other, [line("BRK-0001-A", "1")], store_code="S-BJ02", trade_account_code="NATIONAL")


async def test_trade_accounts_are_kept_by_their_store_managers_and_head_office(sessions) -> None:
    manager, staff, hq = [await user(sessions, u) for u in ("manager.bj01", "staff.bj01", "hq.ops")]
    with pytest.raises(DomainError) as refused:
        await open_account(sessions, staff, "TA-1", home_store_code="S-BJ01")
    assert refused.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as refused:
        await open_account(sessions, manager, "TA-1", home_store_code="S-BJ02")
    assert refused.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError, match="head office"):
        await open_account(sessions, manager, "TA-1")
    await open_account(sessions, manager, "ta-1", home_store_code="s-bj01", discount_pct=Decimal("7.5"))
    with pytest.raises(DomainError) as refused:
        await open_account(sessions, hq, "TA-1")
    assert refused.value.code is ErrorCode.DUPLICATE
    async with sessions() as s, s.begin():
        changed = await accounts.update_trade_account(
            s, manager, "TA-1", accounts.TradeAccountChanges(credit_limit=Decimal(1000), active=False)
        )
    assert (changed.discount_pct, changed.credit_limit, changed.active) == (Decimal("7.50"), Decimal(1000), False)
    with pytest.raises(DomainError) as refused:
        await sell(sessions, staff, [line("FLT-0001-C", "1")], trade_account_code="TA-1")
    assert refused.value.code is ErrorCode.INVALID_STATE
    async with sessions() as s:
        found, _ = await accounts.list_trade_accounts(s, staff, search="ta-", first=10)
    assert [a.code for a in found] == ["TA-1"]


async def test_concurrent_tills_neither_double_sell_nor_oversell(sessions) -> None:
    staff = await user(sessions, "staff.bj01")
    # The same request sent twice at once (a phone retrying while the first is still running).
    twins = await asyncio.gather(
        *(sell(sessions, staff, [line("FLT-0001-C", "5")], idempotency_key="twin") for _ in range(2))
    )
    assert sorted(t.replayed for t in twins) == [False, True] and twins[0].sale.number == twins[1].sale.number
    # Two tills selling the last filters: one sale goes through, the other is refused whole.
    outcomes = await asyncio.gather(
        *(sell(sessions, staff, [line("FLT-0001-C", "30")]) for _ in range(2)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code is ErrorCode.INSUFFICIENT_STOCK
    assert await on_hand(sessions, "FLT-0001-C", "S-BJ01") == Decimal(15)
    numbers = await rows(sessions, "SELECT number FROM counter_sale ORDER BY id")
    assert [n["number"][-4:] for n in numbers] == ["0001", "0002"]
    await ledger_clean(sessions)
