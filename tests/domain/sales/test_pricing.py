"""The money rules of a counter sale (pure): VAT inside inclusive prices, discounts, and refunds
that add up to exactly what was paid however a line is returned in parts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.sales.pricing import margin, price_line, refund_amount, sale_totals, vat_included


def test_a_line_with_a_discount_and_vat_included() -> None:
    line = price_line(Decimal(3), Decimal("56.00"), Decimal(5), Decimal("0.13"))
    assert (line.gross, line.discount, line.total, line.tax, line.net) == (
        Decimal("168.00"),
        Decimal("8.40"),
        Decimal("159.60"),
        Decimal("18.36"),
        Decimal("141.24"),
    )
    assert vat_included(Decimal("113.00"), Decimal("0.13")) == Decimal("13.00")
    totals = sale_totals([line, price_line(Decimal("2.5"), Decimal("91"), Decimal(0), Decimal("0.13"))])
    assert (totals.subtotal, totals.total, totals.tax) == (Decimal("395.50"), Decimal("387.10"), Decimal("44.53"))
    assert margin(Decimal("159.60"), Decimal("18.36"), Decimal("84.000001")) == Decimal("57.24")


@given(
    quantity=st.integers(min_value=1, max_value=500),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
    pct=st.decimals(min_value=0, max_value=100, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=50), max_size=8),
)
def test_refunds_of_a_line_add_up_to_what_was_paid(
    quantity: int, price: Decimal, pct: Decimal, cuts: list[int]
) -> None:
    line = price_line(Decimal(quantity), price, pct, Decimal("0.13"))
    returned, refunded = Decimal(0), Decimal(0)
    for cut in [*cuts, quantity]:  # some partial returns, then whatever is left
        take = min(Decimal(cut), Decimal(quantity) - returned)
        if take <= 0:
            break
        refund = refund_amount(line.total, Decimal(quantity), returned, refunded, take)
        assert Decimal(0) <= refund <= line.total - refunded
        returned, refunded = returned + take, refunded + refund
    assert returned == quantity and refunded == line.total
