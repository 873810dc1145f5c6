"""Planning tables: the demand history that forecasting reads.

Demand is stored as events (a customer or workshop asked for a quantity on a day), not one row per
day per part: most part-locations sell nothing on most days, so events are ~50× smaller. Unfilled
demand is kept too (`filled` < `quantity`), because a forecast built from sales alone learns the
stockouts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Numeric, String
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
