"""Integration tables. Outbound deliveries and ship-notice events refer to rows of other contexts
(outbox_event, ship_notice) by id without a foreign key, so this migration depends only on the
foundation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class IntegrationPartner(Base):
    """A system we exchange signed messages with: "dms", "erp", "supplier:SUP-01". The shared
    secret signs both directions (HMAC needs the secret itself, so it cannot be stored hashed)."""

    __tablename__ = "integration_partner"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)  # where outbound webhooks go
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class InboundMessage(Base):
    """One accepted inbound message per (source, external id): a retry replays the stored answer."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DmsPartMap(Base):
    __tablename__ = "dms_part_map"

    dms_part_no: Mapped[str] = mapped_column(String(80), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), index=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OutboundDelivery(Base):
    """Delivery state of one outbox event to one endpoint; `dead` rows are the dead-letter list."""

    __tablename__ = "outbound_delivery"
    __table_args__ = (Index("ix_outbound_delivery_due", "endpoint", "status", "next_attempt_at"),)

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(60), primary_key=True)
    topic: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExchangeFile(Base):
    """A file seen in the watched exchange folder, by content hash, so a re-dropped file is skipped."""

    __tablename__ = "exchange_file"

    file_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # processing | processed | failed
    batch_id: Mapped[int | None]
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ShipNoticeEvent(Base):
    """A carrier tracking update for a ship notice, as the supplier's system reported it."""

    __tablename__ = "ship_notice_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ship_notice_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
