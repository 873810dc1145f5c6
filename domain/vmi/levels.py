"""The arithmetic of an agreement's levels: pure functions, no I/O.

In days-of-cover mode the levels are days × the daily demand rate (the planning forecast for the
part at the site, else the last 90 days' net consumption / 90). The minimum is rounded up and the
maximum down to the unit's precision, so a proposal never plans past what the agreement allows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from domain.vmi.models import LevelMode

ZERO = Decimal(0)
CONSUMPTION_DAYS = 90


class StockStatus(StrEnum):
    BELOW_MIN = "below_min"
    OK = "ok"
    ABOVE_MAX = "above_max"


@dataclass(frozen=True)
class Levels:
    min_qty: Decimal
    max_qty: Decimal


def _step(precision: int) -> Decimal:
    return Decimal(1).scaleb(-precision)


def daily_rate(forecast: Decimal | None, consumption_90: Decimal) -> Decimal:
    """Units per day: the forecast when planning made one, else recent net consumption."""
    if forecast is not None and forecast > 0:
        return forecast
    return max(consumption_90, ZERO) / CONSUMPTION_DAYS


def effective_levels(
    mode: str,
    *,
    min_qty: Decimal | None,
    max_qty: Decimal | None,
    min_days: Decimal | None,
    max_days: Decimal | None,
    rate: Decimal,
    precision: int,
) -> Levels:
    if mode == LevelMode.QUANTITY:
        assert min_qty is not None and max_qty is not None
        return Levels(min_qty, max_qty)
    assert min_days is not None and max_days is not None
    step = _step(precision)
    low = (min_days * rate).quantize(step, rounding=ROUND_CEILING)
    high = (max_days * rate).quantize(step, rounding=ROUND_FLOOR)
    return Levels(low, max(high, low))


def status(position: Decimal, levels: Levels) -> StockStatus:
    if position < levels.min_qty:
        return StockStatus.BELOW_MIN
    if position > levels.max_qty:
        return StockStatus.ABOVE_MAX
    return StockStatus.OK


def suggested_quantity(position: Decimal, levels: Levels, precision: int, pack_size: int = 1) -> Decimal:
    """Up to the maximum: max − position, in whole packs when the pack fits, never negative."""
    room = levels.max_qty - position
    if room <= 0:
        return ZERO
    if pack_size > 1 and room >= pack_size:
        return Decimal(int(room // pack_size) * pack_size)
    return room.quantize(_step(precision), rounding=ROUND_FLOOR)


def days_of_cover(on_hand: Decimal, rate: Decimal) -> Decimal | None:
    """How many days the stock on hand lasts at the rate; None without demand (it lasts for ever)."""
    if rate <= 0:
        return None
    return (max(on_hand, ZERO) / rate).quantize(Decimal("0.1"))


def within_bounds(position: Decimal, quantity: Decimal, levels: Levels) -> bool:
    """A proposal line the agreement itself approves: something, and not past the maximum."""
    return quantity > 0 and position + quantity <= levels.max_qty
