"""Purchasing tables: orders and approvals, ship notices, receiving (scans, receipt lines, holds), QC,
putaway, returns to vendor, three-way match results, and the idempotency keys of retried commands.

Quantities on order lines are running totals (`shipped_qty`, `received_qty`, `rejected_qty`) kept
under a row lock, so a receipt checks tolerance against the truth and concurrent scans serialise on
the line they fill. The stock itself only ever changes through the ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
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
PRICE = Numeric(14, 4)
AMOUNT = Numeric(16, 2)
COST = Numeric(18, 6)
ZERO = Decimal(0)


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Goods may be received against orders in these states.
RECEIVABLE = frozenset({PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED, PurchaseOrderStatus.RECEIVED})


class ScanStatus(StrEnum):
    POSTED = "posted"  # matched and posted into QC
    HELD = "held"  # waiting for a decision, nothing posted
    ATTACHED = "attached"  # a ship-notice label: the notice now guides this session
    ACCEPTED = "accepted"  # was held; a decider posted it
    DISCARDED = "discarded"  # was held; refused, nothing posted
    BACKORDERED = "backordered"  # short receipt: the rest stays on order
    CLOSED_SHORT = "closed_short"  # short receipt: the order line is closed at what arrived


class MatchStatus(StrEnum):
    RELEASED = "released"  # released for invoicing
    EXCEPTION = "exception"  # waiting in the exception queue
    DISPUTED = "disputed"  # resolved: not payable until the supplier corrects it


def _status_check(name: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ",".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"status IN ({listed})", name=name)


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"
    __table_args__ = (
        _status_check("status_valid", PurchaseOrderStatus),
        CheckConstraint("source IN ('manual','suggestion','vmi')", name="source_valid"),
        Index("ix_purchase_order_supplier_status", "supplier_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    status: Mapped[str] = mapped_column(String(20), default=PurchaseOrderStatus.DRAFT.value)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    # The role whose approval the amount requires (set on submit, from the approval rules).
    required_role: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint(
            "shipped_qty >= 0 AND received_qty >= 0 AND rejected_qty >= 0 AND rejected_qty <= received_qty",
            name="progress_valid",
        ),
        Index("ix_purchase_order_line_part_site", "part_id", "destination_site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(SmallInteger)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    requested_date: Mapped[date] = mapped_column(Date)
    # What the supplier committed to; on-time performance is measured against it.
    promised_date: Mapped[date] = mapped_column(Date)
    destination_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    # The store or warehouse of the destination: receiving sessions at that site match this line.
    destination_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    shipped_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    received_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    rejected_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    # Closed lines take no more goods (order closed, or a short receipt closed by decision).
    closed: Mapped[bool] = mapped_column(default=False)
    closed_short: Mapped[bool] = mapped_column(default=False)


class PurchaseOrderApproval(Base):
    """Every approval decision, so who approved what amount under which rule stays auditable."""

    __tablename__ = "purchase_order_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    required_role: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    actor: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ShipNotice(Base):
    """An advance ship notice or delivery note: what the supplier says is on its way."""

    __tablename__ = "ship_notice"
    __table_args__ = (
        UniqueConstraint("supplier_id", "number"),
        CheckConstraint("status IN ('open','received','cancelled')", name="status_valid"),
        CheckConstraint("source IN ('portal','api','manual')", name="source_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    # What our receiving scanners read on the shipment label.
    label: Mapped[str] = mapped_column(String(24), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_number: Mapped[str | None] = mapped_column(String(120))
    shipped_on: Mapped[date | None] = mapped_column(Date)
    expected_arrival: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ShipNoticeLine(Base):
    __tablename__ = "ship_notice_line"
    __table_args__ = (
        UniqueConstraint("ship_notice_id", "line_no"),
        CheckConstraint("quantity > 0 AND received_qty >= 0", name="quantities_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ship_notice_id: Mapped[int] = mapped_column(ForeignKey("ship_notice.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(SmallInteger)
    label: Mapped[str] = mapped_column(String(32), unique=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    expiry_date: Mapped[date | None] = mapped_column(Date)
    # The price on the delivery note, when the supplier states one (checked by the three-way match).
    unit_price: Mapped[Decimal | None] = mapped_column(PRICE)
    received_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    short_closed: Mapped[bool] = mapped_column(default=False)


class ReceivingSession(Base):
    __tablename__ = "receiving_session"
    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    qc_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    ship_notice_id: Mapped[int | None] = mapped_column(ForeignKey("ship_notice.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceiptScan(Base):
    """One scan at the dock, posted or held. Holds are the decision queue: nothing of a held scan
    reaches stock until a decider accepts it."""

    __tablename__ = "receipt_scan"
    __table_args__ = (
        _status_check("status_valid", ScanStatus),
        Index("ix_receipt_scan_session", "session_id", "id"),
        Index("ix_receipt_scan_held", "status", postgresql_where=text("status = 'held'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("receiving_session.id"))
    barcode: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal | None] = mapped_column(QTY)
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    expiry_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    hold_code: Mapped[str | None] = mapped_column(String(40))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    part_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"))
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    ship_notice_line_id: Mapped[int | None] = mapped_column(ForeignKey("ship_notice_line.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class ReceiptLine(Base):
    """Goods posted into QC against one order line; QC and putaway count down from here."""

    __tablename__ = "receipt_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "accepted_qty >= 0 AND rejected_qty >= 0 AND accepted_qty + rejected_qty <= quantity", name="qc_range"
        ),
        CheckConstraint("put_away_qty >= 0 AND put_away_qty <= accepted_qty", name="putaway_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("receipt_scan.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("receiving_session.id"), index=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    ship_notice_line_id: Mapped[int | None] = mapped_column(ForeignKey("ship_notice_line.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    unit_cost: Mapped[Decimal] = mapped_column(COST)
    site_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    qc_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    received_on: Mapped[date] = mapped_column(Date)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    accepted_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    rejected_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    put_away_qty: Mapped[Decimal] = mapped_column(QTY, default=ZERO)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QcInspection(Base):
    __tablename__ = "qc_inspection"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    accepted_qty: Mapped[Decimal] = mapped_column(QTY)
    rejected_qty: Mapped[Decimal] = mapped_column(QTY)
    reason: Mapped[str | None] = mapped_column(Text)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("return_to_vendor.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Putaway(Base):
    __tablename__ = "putaway"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReturnToVendor(Base):
    """Rejected goods going back: the move out of stock plus what the supplier owes us."""

    __tablename__ = "return_to_vendor"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReturnToVendorLine(Base):
    __tablename__ = "return_to_vendor_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_to_vendor.id", ondelete="CASCADE"), index=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("receipt_line.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    # Credit claimed from the supplier (PO price) vs the value the ledger took out of stock.
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    stock_unit_cost: Mapped[Decimal] = mapped_column(COST)


class MatchResult(Base):
    """Three-way match of one order line: order vs ship notice vs receipt."""

    __tablename__ = "match_result"
    __table_args__ = (_status_check("status_valid", MatchStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    ordered_qty: Mapped[Decimal] = mapped_column(QTY)
    shipped_qty: Mapped[Decimal | None] = mapped_column(QTY)
    received_qty: Mapped[Decimal] = mapped_column(QTY)
    accepted_qty: Mapped[Decimal] = mapped_column(QTY)
    order_price: Mapped[Decimal] = mapped_column(PRICE)
    shipped_price: Mapped[Decimal | None] = mapped_column(PRICE)
    invoice_qty: Mapped[Decimal] = mapped_column(QTY)
    invoice_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    # [{"code": ErrorCode, "message": str}], empty when the line matched.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class PurchasingCommand(Base):
    """Idempotency keys of retried commands (scan, QC, putaway): the first request claims the key,
    a concurrent duplicate waits on the primary key and then replays `result_id`."""

    __tablename__ = "purchasing_command"

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    request_hash: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
