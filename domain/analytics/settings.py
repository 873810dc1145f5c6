"""Analytics settings, read once from the environment like domain.settings (kept here so this
context's knobs live with it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class AnalyticsSettings:
    # Business days (today's receipts, daily snapshots) follow the company's clock, not the server's.
    timezone: str = "Asia/Shanghai"
    period_days: int = 30
    dead_stock_days: int = 180
    # Annual turnover an A item should reach (turnover-outlier report).
    turnover_target_a: Decimal = Decimal(6)
    # Stock received this recently can still go back to the vendor (dead-stock action).
    return_window_days: int = 365
    # Lifetime of a signed export link.
    export_link_seconds: int = 300

    @classmethod
    def from_env(cls) -> AnalyticsSettings:
        return cls(
            timezone=os.environ.get("IMS_TIMEZONE", "Asia/Shanghai"),
            period_days=int(os.environ.get("IMS_KPI_PERIOD_DAYS", "30")),
            dead_stock_days=int(os.environ.get("IMS_DEAD_STOCK_DAYS", "180")),
            turnover_target_a=Decimal(os.environ.get("IMS_TURNOVER_TARGET_A", "6")),
            return_window_days=int(os.environ.get("IMS_RETURN_WINDOW_DAYS", "365")),
            export_link_seconds=int(os.environ.get("IMS_EXPORT_LINK_SECONDS", "300")),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_analytics_settings() -> AnalyticsSettings:
    return AnalyticsSettings.from_env()


def business_now(settings: AnalyticsSettings | None = None) -> datetime:
    return datetime.now((settings or get_analytics_settings()).zone)


def business_today(settings: AnalyticsSettings | None = None) -> date:
    return business_now(settings).date()


def day_start(day: date, settings: AnalyticsSettings | None = None) -> datetime:
    """The instant a business day begins (timezone-aware), for index-friendly range filters."""
    return datetime.combine(day, time(0), (settings or get_analytics_settings()).zone)


def day_range(day: date, settings: AnalyticsSettings | None = None) -> tuple[datetime, datetime]:
    return day_start(day, settings), day_start(day + timedelta(days=1), settings)
