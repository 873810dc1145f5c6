"""Planning tables: the demand history that forecasting reads.

Demand is stored as events (a customer or workshop asked for a quantity on a day), not one row per
day per part: most part-locations sell nothing on most days, so events are ~50× smaller. Unfilled
demand is kept too (`filled` < `quantity`), because a forecast built from sales alone learns the
stockouts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class DemandEvent(Base):
    __tablename__ = "demand_event"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("filled >= 0 AND filled <= quantity", name="filled_range"),
        Index("ix_demand_event_part_location_day", "part_id", "location_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign keys on purpose: this is a fact table of millions of rows filled by loaders that
    # resolve ids themselves; per-row FK triggers made the demo load 4× slower.
    part_id: Mapped[int]
    location_id: Mapped[int]
    occurred_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    filled: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    source: Mapped[str] = mapped_column(String(16), default="history")


class PlanningRun(Base):
    """One execution of the daily planning run: what it saw and what it produced."""

    __tablename__ = "planning_run"
    __table_args__ = (CheckConstraint("status IN ('running','succeeded','failed')", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    series: Mapped[int] = mapped_column(default=0)
    suggestions: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    actor: Mapped[str] = mapped_column(String(200))


class DemandForecast(Base):
    """The latest forecast per part × site, replaced by every run."""

    __tablename__ = "demand_forecast"

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("planning_run.id"))
    daily_rate: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    lead_time_days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    ltd_mean: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    ltd_var: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    demand_class: Mapped[str] = mapped_column(String(16))
    routed: Mapped[bool] = mapped_column(default=False)


class ForecastSnapshot(Base):
    """Forecast of a month taken at its first run, so accuracy is measured against what we said
    before the month happened, never against a forecast revised with hindsight."""

    __tablename__ = "forecast_snapshot"

    period: Mapped[date] = mapped_column(Date, primary_key=True)
    part_id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(primary_key=True)
    forecast: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    method: Mapped[str] = mapped_column(String(24))


class ReplenishmentSuggestion(Base):
    __tablename__ = "replenishment_suggestion"
    __table_args__ = (
        CheckConstraint("priority IN ('red','orange','yellow','green')", name="priority_valid"),
        CheckConstraint(
            "status IN ('open','approved','rejected','converted','superseded')", name="status_valid"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_replenishment_suggestion_open", "status", "priority_rank", "stockout_probability"),
        Index("ix_replenishment_suggestion_part_location", "part_id", "location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("planning_run.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    priority: Mapped[str] = mapped_column(String(8))
    priority_rank: Mapped[int]
    stockout_probability: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    on_hand: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    reserved: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    on_order: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    in_transit: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    safety_stock: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    reorder_point: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    max_stock: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    source: Mapped[str] = mapped_column(String(12), default="supplier")  # supplier | transfer
    transfer_from_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PolicyHistory(Base):
    """Every change of a part-location's stocking parameters: who or which run, old and new."""

    __tablename__ = "policy_history"
    __table_args__ = (Index("ix_policy_history_part_location", "part_id", "location_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    safety_stock: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    reorder_point: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    max_stock: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    source: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("planning_run.id"))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
