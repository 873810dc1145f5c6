"""Work order tables.

Reserved quantities are not stored here: they live in `reservation` (doc_type "work_order",
doc_ref "<number>/<line_no>"), so the ledger check that reserved == open reservations also covers
work orders. Issued and returned quantities are kept on the line for reading; the moves themselves
are in the ledger under doc_ref = the work order number."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

QTY = Numeric(18, 6)

WORK_ORDER_NUMBER_SEQ = Sequence("work_order_number_seq", metadata=Base.metadata)


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkOrder(Base):
    __tablename__ = "work_order"
    __table_args__ = (
        CheckConstraint("status IN ('open','in_progress','completed','cancelled')", name="status_valid"),
        Index("ix_work_order_store_status", "store_id", "status"),
    )
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'WO-' || lpad(nextval('work_order_number_seq')::text, 6, '0')"),
    )
    # The DMS's own id: creating twice with it returns the first order (idempotent integration).
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    vin: Mapped[str] = mapped_column(String(17))
    vehicle_make: Mapped[str] = mapped_column(String(80))
    vehicle_model: Mapped[str] = mapped_column(String(120))
    vehicle_year: Mapped[int | None] = mapped_column(SmallInteger)
    fault_description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=WorkOrderStatus.OPEN.value)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class WorkOrderLine(Base):
    __tablename__ = "work_order_line"
    __table_args__ = (
        UniqueConstraint("work_order_id", "line_no"),
        UniqueConstraint("work_order_id", "part_id", name="uq_work_order_line_part"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("picked >= 0 AND issued >= 0 AND returned >= 0", name="progress_non_negative"),
        CheckConstraint("returned <= issued", name="returned_within_issued"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    picked: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    issued: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    returned: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))


class WorkOrderPick(Base):
    """A scan-confirmed pick of reserved stock from one bin and lot; issue consumes picks."""

    __tablename__ = "work_order_pick"
    __table_args__ = (
        UniqueConstraint("work_order_id", "idempotency_key", "lot_no", name="uq_work_order_pick_key"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("issued >= 0 AND issued <= quantity", name="issued_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("work_order_line.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    issued: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
