"""When a count is "accurate": the one rule behind automatic recounts and accuracy figures, so the
report measures exactly what triggered recounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEFAULT_RECOUNT_PCT = Decimal("0.05")
DEFAULT_RECOUNT_VALUE = Decimal("500")
DEFAULT_MAX_RECOUNTS = 1


@dataclass(frozen=True)
class Tolerance:
    # Outside tolerance when |variance| > pct × expected, or when |variance| × unit cost > value.
    pct: Decimal = DEFAULT_RECOUNT_PCT
    value: Decimal = DEFAULT_RECOUNT_VALUE

    def within(self, variance: Decimal, expected: Decimal, unit_cost: Decimal) -> bool:
        if variance == 0:
            return True
        if abs(variance) > self.pct * abs(expected):
            return False
        return abs(variance) * unit_cost <= self.value
