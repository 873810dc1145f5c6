"""The stock ledger tables.

A `stock_posting` is one business transaction (the journal entry) and owns the idempotency key;
its `stock_move` rows are the immutable lines. `stock_balance` caches on-hand and reserved per
(part, location, lot) for physical locations only: virtual locations (supplier, workshop, ...)
stand for the outside world, their position is the ledger sum and needs no hot row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

QTY = Numeric(18, 6)
COST = Numeric(18, 6)


class Lot(Base):
    """A batch of one part; `lot_no` "" is the untracked lot so keys never hold NULL."""

    __tablename__ = "lot"

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)
    lot_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_on: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    unit_cost: Mapped[Decimal | None] = mapped_column(COST)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))


class StockPosting(Base):
    __tablename__ = "stock_posting"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StockMove(Base):
    __tablename__ = "stock_move"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_non_negative"),
        Index("ix_stock_move_part_created", "part_id", "created_at"),
        Index("ix_stock_move_from_created", "from_location_id", "created_at"),
        Index("ix_stock_move_to_created", "to_location_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    unit_cost: Mapped[Decimal] = mapped_column(COST)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StockBalance(Base):
    __tablename__ = "stock_balance"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_stock_balance_location", "location_id"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    lot_no: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    on_hand: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    last_move_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Reservation(Base):
    """Stock promised to a document (work order, transfer); allocated to lots FIFO when made."""

    __tablename__ = "reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("consumed >= 0 AND consumed <= quantity", name="consumed_range"),
        CheckConstraint("status IN ('active','consumed','released')", name="status_valid"),
        Index("ix_reservation_doc", "doc_type", "doc_ref"),
        Index("ix_reservation_balance", "part_id", "location_id", "lot_no"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    consumed: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(12), default="active")
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str] = mapped_column(String(120))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
