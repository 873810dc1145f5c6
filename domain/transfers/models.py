"""Transfer orders, their shipments, and rebalance plans.

Stock promised to a transfer sits in `reservation` (doc_type "transfer", doc_ref
"<number>/<line_no>"); what left and arrived is in the ledger (doc_ref = the order number). The
shipped / received / discrepancy figures here are the document's own view for reading and status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

QTY = Numeric(18, 6)
MONEY = Numeric(14, 2)

TRANSFER_NUMBER_SEQ = Sequence("transfer_order_number_seq", metadata=Base.metadata)
PLAN_NUMBER_SEQ = Sequence("rebalance_plan_number_seq", metadata=Base.metadata)


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


OPEN_TRANSFER_STATUSES = (
    TransferStatus.REQUESTED,
    TransferStatus.APPROVED,
    TransferStatus.PARTIALLY_SHIPPED,
    TransferStatus.SHIPPED,
    TransferStatus.PARTIALLY_RECEIVED,
)


class ShipmentStatus(StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


class TransferOrder(Base):
    __tablename__ = "transfer_order"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested','approved','rejected','partially_shipped','shipped','partially_received',"
            "'received','cancelled')",
            name="status_valid",
        ),
        CheckConstraint("from_site_id <> to_site_id", name="distinct_sites"),
        Index("ix_transfer_order_from_status", "from_site_id", "status"),
        Index("ix_transfer_order_to_status", "to_site_id", "status"),
    )
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'TO-' || lpad(nextval('transfer_order_number_seq')::text, 6, '0')"),
    )
    from_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.REQUESTED.value)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    # Set when the source declares it will ship no more: the unshipped rest is released.
    shipping_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    rebalance_plan_id: Mapped[int | None] = mapped_column(ForeignKey("rebalance_plan.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class TransferLine(Base):
    __tablename__ = "transfer_line"
    __table_args__ = (
        UniqueConstraint("transfer_order_id", "line_no"),
        UniqueConstraint("transfer_order_id", "part_id", name="uq_transfer_line_part"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("shipped >= 0 AND shipped <= quantity", name="shipped_range"),
        CheckConstraint("received >= 0 AND discrepancy >= 0 AND received + discrepancy <= shipped", name="arrived"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    shipped: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    received: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    # Shipped but not received (lost or damaged in transit); stays in V-TRANSIT for finance.
    discrepancy: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))


class TransferShipment(Base):
    __tablename__ = "transfer_shipment"
    __table_args__ = (
        UniqueConstraint("transfer_order_id", "shipment_no"),
        UniqueConstraint("transfer_order_id", "ship_key", name="uq_transfer_shipment_ship_key"),
        UniqueConstraint("transfer_order_id", "receive_key", name="uq_transfer_shipment_receive_key"),
        CheckConstraint("status IN ('in_transit','received')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id", ondelete="CASCADE"), index=True)
    shipment_no: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(12), default=ShipmentStatus.IN_TRANSIT.value)
    ship_key: Mapped[str | None] = mapped_column(String(200))
    receive_key: Mapped[str | None] = mapped_column(String(200))
    ship_posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    receive_posting_id: Mapped[int | None] = mapped_column(ForeignKey("stock_posting.id"))
    shipped_by: Mapped[str] = mapped_column(String(200))
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    received_by: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receive_note: Mapped[str | None] = mapped_column(Text)


class TransferShipmentLine(Base):
    __tablename__ = "transfer_shipment_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received >= 0 AND received <= quantity", name="received_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("transfer_shipment.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("transfer_line.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    received: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    discrepancy: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))


class RebalancePlan(Base):
    """A proposed network plan, kept so it can be reviewed and turned into transfers later."""

    __tablename__ = "rebalance_plan"
    __table_args__ = (CheckConstraint("status IN ('proposed','accepted','discarded')", name="status_valid"),)
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'RB-' || lpad(nextval('rebalance_plan_number_seq')::text, 6, '0')"),
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    status: Mapped[str] = mapped_column(String(12), default=PlanStatus.PROPOSED.value)
    target: Mapped[str] = mapped_column(String(16))
    dead_stock_days: Mapped[int] = mapped_column(Integer)
    units_moved: Mapped[Decimal] = mapped_column(QTY)
    unmet_need: Mapped[Decimal] = mapped_column(QTY)
    total_cost: Mapped[Decimal] = mapped_column(MONEY)
    shipments: Mapped[int] = mapped_column(Integer)
    solve_ms: Mapped[int] = mapped_column(Integer)
    # [{"part_id": .., "site_id": .., "quantity": ".."}]: needs no surplus could cover (buy instead).
    unmet: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_key: Mapped[str | None] = mapped_column(String(200))


class RebalanceLane(Base):
    """Everything one plan sends from one site to another: one shipment, one transfer order."""

    __tablename__ = "rebalance_lane"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rebalance_plan.id", ondelete="CASCADE"), index=True)
    from_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    distance_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    daily_run: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    fixed_cost: Mapped[Decimal] = mapped_column(MONEY)
    variable_cost: Mapped[Decimal] = mapped_column(MONEY)
    total_cost: Mapped[Decimal] = mapped_column(MONEY)
    transfer_order_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_order.id"))


class RebalancePlanLine(Base):
    __tablename__ = "rebalance_plan_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("reason IN ('above_max','dead_stock')", name="reason_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rebalance_plan.id", ondelete="CASCADE"), index=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("rebalance_lane.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    cost_share: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(12))
    # What the transfer order finally carries (stock may have moved since the plan); null until then.
    ordered_quantity: Mapped[Decimal | None] = mapped_column(QTY)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
