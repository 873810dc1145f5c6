"""The sent-log of the daily operations report: one row per store × business day × address.

The row is claimed before the e-mail goes out and marked sent after, so a retried or duplicated
job skips what is already sent; a claim left by a worker that died mid-send goes stale and is
taken again (at least once; the stable Message-ID lets mail clients fold a rare duplicate)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class OpsReportDelivery(Base):
    __tablename__ = "ops_report_delivery"
    __table_args__ = (
        UniqueConstraint("store_id", "day", "address"),
        CheckConstraint("status IN ('sending','sent','failed')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    address: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
