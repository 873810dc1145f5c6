"""Daily KPI snapshots per site.

The dashboard must answer in well under 100 ms for head office (25 sites), but the stock-state
figures (inventory value, stockouts, dead stock) need a pass over every balance and policy row
(~150 ms on the demo data). A job writes one row per site and day instead: today's row is refreshed
every few minutes, past rows keep the last state of their day (the trend baseline) and the day's
flows (issues, receipts, demand lines). See docs/analytics.md."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

VALUE = Numeric(18, 2)


class KpiSiteDay(Base):
    __tablename__ = "kpi_site_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    # State at `state_at` (the last refresh of that day); NULL when only flows were back-filled.
    state_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    inventory_value: Mapped[Decimal | None] = mapped_column(VALUE)
    stocked_skus: Mapped[int | None] = mapped_column(Integer)
    stockout_skus: Mapped[int | None] = mapped_column(Integer)
    dead_stock_skus: Mapped[int | None] = mapped_column(Integer)
    dead_stock_value: Mapped[Decimal | None] = mapped_column(VALUE)
    overstock_skus: Mapped[int | None] = mapped_column(Integer)
    pending_suggestions: Mapped[int | None] = mapped_column(Integer)
    pending_transfers: Mapped[int | None] = mapped_column(Integer)
    pending_variances: Mapped[int | None] = mapped_column(Integer)
    # Flows of the day (business time zone).
    demand_lines: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    demand_lines_filled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    issue_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    issue_value: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0), server_default="0")
    receipt_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    receipt_value: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0), server_default="0")
    # Value of everything that entered minus everything that left the site that day.
    net_flow_value: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0), server_default="0")
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
