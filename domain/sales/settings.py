"""Counter-sale knobs, read once from the environment like the other contexts' settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache


@dataclass(frozen=True)
class SalesSettings:
    # A sale can be returned this many business days after it was made (a manager may override).
    return_window_days: int = 30
    # China's standard VAT rate on goods; list prices include it.
    vat_rate: Decimal = Decimal("0.13")

    @classmethod
    def from_env(cls) -> SalesSettings:
        return cls(
            return_window_days=int(os.environ.get("IMS_SALES_RETURN_DAYS", "30")),
            vat_rate=Decimal(os.environ.get("IMS_SALES_VAT_RATE", "0.13")),
        )


@lru_cache(maxsize=1)
def get_sales_settings() -> SalesSettings:
    return SalesSettings.from_env()
