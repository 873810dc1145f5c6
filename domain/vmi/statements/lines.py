"""Pure statement arithmetic: line amounts, ordering, totals, periods and numbers. No I/O, so the
money rules are testable (and property-testable) without a database.

Sign convention: a line's `amount` is its effect on what we owe the supplier. Receipts and
consignment consumption are positive, returns and credits negative, price differences either.
The totals show returns and credits as positive figures that are subtracted:

    closing = opening + receipts − returns ± price differences + consignment − credits
            = opening + Σ line amounts"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import DomainError, ErrorCode
from domain.vmi.statements.models import StatementKind, StatementSection

CENT = Decimal("0.01")
ZERO = Decimal(0)
MAX_PERIOD_DAYS = 366
Section = StatementSection

SECTION_ORDER: tuple[Section, ...] = (
    Section.RECEIPT,
    Section.RETURN,
    Section.PRICE_DIFFERENCE,
    Section.CONSIGNMENT,
    Section.CREDIT,
)
# Sections whose amounts lower the closing amount (their totals are shown positive and subtracted).
SUBTRACTED = frozenset({Section.RETURN, Section.CREDIT})

SECTION_TITLES: dict[Section, tuple[str, str]] = {
    Section.RECEIPT: ("收货", "Receipts"),
    Section.RETURN: ("退货", "Returns to supplier"),
    Section.PRICE_DIFFERENCE: ("价格差异", "Price differences"),
    Section.CONSIGNMENT: ("寄售消耗", "Consignment consumption"),
    Section.CREDIT: ("贷项", "Credits"),
}


@dataclass(frozen=True)
class LineData:
    """One statement line before it is stored: what happened and where it came from."""

    section: Section
    occurred_at: datetime
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    doc_type: str
    doc_ref: str | None = None
    move_id: int | None = None
    posting_id: int | None = None
    po_number: str | None = None
    po_line_no: int | None = None
    part_id: int | None = None
    part_code: str | None = None
    part_name_zh: str | None = None
    part_name_en: str | None = None
    location_code: str | None = None
    note: str | None = None
    source_id: int | None = None
    line_no: int = 0


@dataclass(frozen=True)
class Totals:
    opening: Decimal
    receipts: Decimal
    returns: Decimal
    price_differences: Decimal
    consignment: Decimal
    credits: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.receipts - self.returns + self.price_differences + self.consignment - self.credits

    @property
    def net(self) -> Decimal:
        """The period's activity: closing − opening."""
        return self.closing - self.opening


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def signed_amount(section: Section, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price in cents, negative for the sections that lower the balance. A price
    difference carries its sign in the unit price (delivery-note price − order price); a
    consignment reversal in its quantity."""
    value = money(quantity * unit_price)
    return -value if section in SUBTRACTED else value


def ordered(lines: Iterable[LineData]) -> list[LineData]:
    """Section by section, then in time order (ledger order for ties), numbered from 1."""
    rank = {s: n for n, s in enumerate(SECTION_ORDER)}
    key = sorted(
        lines, key=lambda x: (rank[x.section], x.occurred_at, x.move_id or 0, x.source_id or 0, x.part_code or "")
    )
    return [replace(line, line_no=n) for n, line in enumerate(key, start=1)]


def section_total(lines: Iterable[LineData], section: Section) -> Decimal:
    total = sum((x.amount for x in lines if x.section == section), ZERO)
    return -total if section in SUBTRACTED else total


def totals(opening: Decimal, lines: Sequence[LineData]) -> Totals:
    return Totals(
        opening=money(opening),
        receipts=section_total(lines, Section.RECEIPT),
        returns=section_total(lines, Section.RETURN),
        price_differences=section_total(lines, Section.PRICE_DIFFERENCE),
        consignment=section_total(lines, Section.CONSIGNMENT),
        credits=section_total(lines, Section.CREDIT),
    )


def carried_balance(previous_closing: Decimal, previous_settled: Decimal | None, gap_net: Decimal) -> Decimal:
    """Opening balance = the previous monthly statement's closing amount − what finance settled
    of it + the net activity of any days between that statement and this one (months never
    issued). Nothing is lost when a month is skipped, nothing counted twice."""
    return money(previous_closing - (previous_settled or ZERO) + gap_net)


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def kind_of(start: date, end: date) -> StatementKind:
    return StatementKind.MONTHLY if (start, end) == month_of(start) else StatementKind.RANGE


def validate_period(start: date, end: date) -> None:
    if end < start:
        raise DomainError(ErrorCode.INVALID_INPUT, "the period ends before it starts", ["periodEnd"])
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"a statement covers at most {MAX_PERIOD_DAYS} days", ["periodEnd"])


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def statement_number(supplier_code: str, start: date, end: date) -> str:
    """ST-SUP01-2026-10 for a month; ST-SUP01-20261001-20261015 for any other range."""
    code = re.sub(r"[^A-Z0-9]", "", supplier_code.upper()) or "X"
    if kind_of(start, end) is StatementKind.MONTHLY:
        return f"ST-{code}-{start:%Y-%m}"
    return f"ST-{code}-{start:%Y%m%d}-{end:%Y%m%d}"
