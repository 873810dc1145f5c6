"""Counter-sale money math, pure: line totals, VAT contained in a VAT-inclusive amount, refunds.

Prices are VAT-inclusive (what the customer pays). Each line is rounded to the fen (0.01 CNY,
half up) on its own and the sale sums its lines, so a receipt's lines add up to its total and a
line's refunds add up to exactly what was paid for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive amount: amount × rate / (1 + rate)."""
    return money(amount * rate / (1 + rate))


@dataclass(frozen=True)
class LinePrice:
    gross: Decimal  # quantity × list price
    discount: Decimal
    total: Decimal  # what the customer pays for the line (VAT included)
    tax: Decimal  # VAT contained in `total`

    @property
    def net(self) -> Decimal:
        return self.total - self.tax


def price_line(quantity: Decimal, unit_price: Decimal, discount_pct: Decimal, vat_rate: Decimal) -> LinePrice:
    gross = money(quantity * unit_price)
    discount = money(gross * discount_pct / HUNDRED)
    total = gross - discount
    return LinePrice(gross=gross, discount=discount, total=total, tax=vat_included(total, vat_rate))


@dataclass(frozen=True)
class SaleTotals:
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    tax: Decimal


def sale_totals(lines: Iterable[LinePrice]) -> SaleTotals:
    items = list(lines)
    return SaleTotals(
        subtotal=sum((x.gross for x in items), ZERO),
        discount=sum((x.discount for x in items), ZERO),
        total=sum((x.total for x in items), ZERO),
        tax=sum((x.tax for x in items), ZERO),
    )


def refund_amount(
    line_total: Decimal, line_quantity: Decimal, returned: Decimal, refunded: Decimal, quantity: Decimal
) -> Decimal:
    """What returning `quantity` more of a line gives back, at the price actually paid (the
    discount included). The last unit gets the remainder, so a fully returned line refunds exactly
    its total whatever the rounding of earlier partial returns."""
    if returned + quantity >= line_quantity:
        return line_total - refunded
    return min(money(line_total * quantity / line_quantity), line_total - refunded)


def margin(total: Decimal, tax: Decimal, cost: Decimal) -> Decimal:
    """Revenue without VAT minus the cost of goods."""
    return money(total - tax - cost)
