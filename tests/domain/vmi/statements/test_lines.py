"""The pure statement rules: signs, rounding, totals, ordering, numbers, periods, the status machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, ErrorCode
from domain.vmi.statements.lines import (
    SECTION_ORDER,
    LineData,
    Section,
    carried_balance,
    kind_of,
    month_of,
    ordered,
    signed_amount,
    statement_number,
    totals,
    validate_period,
)
from domain.vmi.statements.models import StatementKind, StatementStatus
from domain.vmi.statements.states import TRANSITIONS, Action, next_status

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def line(section: Section, qty: str, price: str, minutes: int = 0, move: int | None = None) -> LineData:
    q, p = Decimal(qty), Decimal(price)
    return LineData(section, T0 + timedelta(minutes=minutes), q, p, signed_amount(section, q, p), "x", move_id=move)


def test_signs_and_rounding() -> None:
    assert signed_amount(Section.RECEIPT, Decimal("3"), Decimal("10.005")) == Decimal("30.02")  # 30.015 half up
    assert signed_amount(Section.RETURN, Decimal("2"), Decimal("25.5")) == Decimal("-51.00")
    assert signed_amount(Section.CREDIT, Decimal(1), Decimal("99.99")) == Decimal("-99.99")
    assert signed_amount(Section.PRICE_DIFFERENCE, Decimal(10), Decimal("-1.25")) == Decimal("-12.50")
    assert signed_amount(Section.CONSIGNMENT, Decimal(-1), Decimal("180")) == Decimal("-180.00")  # a reversal


def test_totals_follow_the_closing_formula() -> None:
    lines = [
        line(Section.RECEIPT, "10", "150"),
        line(Section.RECEIPT, "20", "25.5"),
        line(Section.RETURN, "2", "25.5"),
        line(Section.PRICE_DIFFERENCE, "10", "10"),
        line(Section.CONSIGNMENT, "3", "180"),
        line(Section.CREDIT, "1", "40"),
    ]
    t = totals(Decimal("-50"), lines)
    assert (t.opening, t.receipts, t.returns, t.price_differences, t.consignment, t.credits) == (
        Decimal("-50.00"),
        Decimal("2010.00"),
        Decimal("51.00"),
        Decimal("100.00"),
        Decimal("540.00"),
        Decimal("40.00"),
    )
    assert t.closing == Decimal("-50") + 2010 - 51 + 100 + 540 - 40 == Decimal("2509.00")
    assert t.net == sum(x.amount for x in lines)


amounts = st.decimals(min_value=Decimal("-9999"), max_value=Decimal("9999"), places=2)
lines_strategy = st.lists(
    st.builds(
        line,
        st.sampled_from(list(Section)),
        st.integers(1, 500).map(str),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=4).map(str),
        st.integers(0, 10_000),
    ),
    max_size=40,
)


@given(lines_strategy, amounts)
def test_closing_is_opening_plus_every_line(lines: list[LineData], opening: Decimal) -> None:
    t = totals(opening, lines)
    assert t.closing == opening + sum((x.amount for x in lines), Decimal(0))
    assert t.returns >= 0 and t.credits >= 0 and t.receipts >= 0


def test_lines_are_ordered_by_section_then_time_and_numbered() -> None:
    found = ordered(
        [
            line(Section.CREDIT, "1", "5", 1),
            line(Section.RECEIPT, "1", "1", 30, move=9),
            line(Section.RETURN, "1", "1", 0),
            line(Section.RECEIPT, "1", "1", 30, move=3),
            line(Section.RECEIPT, "1", "1", 5),
        ]
    )
    assert [x.section for x in found] == [Section.RECEIPT] * 3 + [Section.RETURN, Section.CREDIT]
    assert [x.move_id for x in found[:3]] == [None, 3, 9]
    assert [x.line_no for x in found] == [1, 2, 3, 4, 5]
    assert list(SECTION_ORDER) == list(Section)


def test_periods_and_numbers() -> None:
    assert month_of(date(2026, 2, 17)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert kind_of(date(2026, 10, 1), date(2026, 10, 31)) is StatementKind.MONTHLY
    assert kind_of(date(2026, 10, 1), date(2026, 10, 30)) is StatementKind.RANGE
    assert statement_number("SUP-01", date(2026, 10, 1), date(2026, 10, 31)) == "ST-SUP01-2026-10"
    assert statement_number("sup-01", date(2026, 10, 1), date(2026, 10, 15)) == "ST-SUP01-20261001-20261015"
    with pytest.raises(DomainError) as err:
        validate_period(date(2026, 10, 2), date(2026, 10, 1))
    assert err.value.code is ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError):
        validate_period(date(2025, 1, 1), date(2026, 1, 2))


def test_opening_balance_carries_what_was_not_settled() -> None:
    assert carried_balance(Decimal("1000.00"), Decimal("1000.00"), Decimal(0)) == 0
    assert carried_balance(Decimal("1000.00"), Decimal("600.00"), Decimal(0)) == Decimal("400.00")
    assert carried_balance(Decimal("1000.00"), None, Decimal("250.50")) == Decimal("1250.50")


def test_status_machine() -> None:
    S = StatementStatus
    assert next_status(S.DRAFT, Action.ISSUE) is S.ISSUED
    assert next_status(S.ISSUED, Action.CONFIRM) is S.CONFIRMED
    assert next_status(S.ISSUED, Action.DISPUTE) is S.DISPUTED
    assert next_status(S.DISPUTED, Action.REISSUE) is S.ISSUED
    assert next_status(S.CONFIRMED, Action.SETTLE) is S.SETTLED
    assert next_status(S.DISPUTED, Action.SETTLE) is S.SETTLED
    assert next_status(S.DISPUTED, Action.COMMENT) is S.DISPUTED
    refused = [
        (S.DRAFT, Action.CONFIRM),
        (S.DRAFT, Action.COMMENT),
        (S.ISSUED, Action.SETTLE),
        (S.ISSUED, Action.REGENERATE),
        (S.CONFIRMED, Action.DISPUTE),
        (S.CONFIRMED, Action.ADD_CREDIT),
        (S.SETTLED, Action.REISSUE),
        (S.SETTLED, Action.CONFIRM),
    ]
    for status, action in refused:
        with pytest.raises(DomainError) as err:
            next_status(status, action)
        assert err.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as err:
        next_status(S.ISSUED, Action.SETTLE)
    assert "possible now: comment, confirm, dispute" in err.value.message
    # Nothing leaves `settled` except a comment.
    assert [a for a, (sources, _) in TRANSITIONS.items() if S.SETTLED in sources] == [Action.COMMENT]
