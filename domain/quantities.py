"""Validation of quantities and money coming from outside: Decimal only, finite, bounded, and no
more decimal places than the unit allows (3.5 bolts is a typo, 3.5 litres is not)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import DomainError, ErrorCode

MAX_QUANTITY = Decimal("1000000000")
MAX_MONEY = Decimal("1000000000000")


def parse_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID_QUANTITY, f"{value!r} is not a number", [field]) from None
    if not number.is_finite():
        raise DomainError(ErrorCode.INVALID_QUANTITY, "quantity must be a finite number", [field])
    return number


def validate_quantity(value: object, precision: int, field: str = "quantity") -> Decimal:
    """A positive quantity within the unit's precision, or INVALID_QUANTITY."""
    number = parse_decimal(value, field)
    if number <= 0:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "quantity must be greater than zero", [field])
    if number > MAX_QUANTITY:
        raise DomainError(ErrorCode.INVALID_QUANTITY, f"quantity must not exceed {MAX_QUANTITY}", [field])
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > precision:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"quantity allows at most {precision} decimal place(s) for this unit",
            [field],
        )
    return number


def validate_money(value: object, field: str, *, allow_zero: bool = True) -> Decimal:
    number = parse_decimal(value, field)
    if number < 0 or (number == 0 and not allow_zero):
        raise DomainError(ErrorCode.INVALID_INPUT, "amount must not be negative", [field])
    if number > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID_INPUT, "amount is too large", [field])
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > 4:
        raise DomainError(ErrorCode.INVALID_INPUT, "amount allows at most 4 decimal places", [field])
    return number


def tidy(value: Decimal) -> Decimal:
    """Drop storage padding (30.000000 → 30, 2.250000 → 2.25) without scientific notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
