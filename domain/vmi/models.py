"""VMI tables: agreements (supplier × part × site with min/max or days-of-cover levels), the
supplier's replenishment proposals and their lines.

An agreement is never deleted: a deactivated one keeps its history (proposals, consignment price
for statements). At most one proposal per agreement is open (draft or submitted) at a time — a
partial unique index, so two trigger runs or two supplier clicks cannot both draft one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
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
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

QTY = Numeric(18, 6)
DAYS = Numeric(8, 2)
PRICE = Numeric(14, 4)


class LevelMode(StrEnum):
    """How an agreement states its levels: quantities, or days of cover × the daily demand rate."""

    QUANTITY = "quantity"
    DAYS_OF_COVER = "days_of_cover"


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # outside the agreement's bounds: waits for a buyer
    APPROVED = "approved"  # approved; becomes `ordered` once its purchase order is sent
    REJECTED = "rejected"
    ORDERED = "ordered"
    CANCELLED = "cancelled"


OPEN_PROPOSAL_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)


class ProposalOrigin(StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"
    TRIGGER = "trigger"  # drafted by the below-min trigger


class ApprovalKind(StrEnum):
    AUTOMATIC = "automatic"  # within the agreement's bounds: the agreement is the standing approval
    BUYER = "buyer"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({','.join(repr(v.value) for v in values)})"


class VmiAgreement(Base):
    __tablename__ = "vmi_agreement"
    __table_args__ = (
        UniqueConstraint("supplier_id", "part_id", "location_id", name="uq_vmi_agreement_supplier_part_location"),
        CheckConstraint(_in("mode", LevelMode), name="mode_valid"),
        CheckConstraint(
            "mode <> 'quantity' OR (min_qty IS NOT NULL AND max_qty IS NOT NULL AND min_qty > 0 "
            "AND max_qty >= min_qty)",
            name="quantity_levels",
        ),
        CheckConstraint(
            "mode <> 'days_of_cover' OR (min_days IS NOT NULL AND max_days IS NOT NULL AND min_days > 0 "
            "AND max_days >= min_days)",
            name="cover_levels",
        ),
        CheckConstraint("review_days BETWEEN 1 AND 365", name="review_days_range"),
        CheckConstraint(
            "NOT consignment OR (consignment_unit_price IS NOT NULL AND consignment_location_id IS NOT NULL)",
            name="consignment_complete",
        ),
        CheckConstraint("consignment_unit_price IS NULL OR consignment_unit_price >= 0", name="price_non_negative"),
        Index("ix_vmi_agreement_location", "location_id"),
        Index("ix_vmi_agreement_part", "part_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    # The store or warehouse (a site); its zones and bins, the consignment zone included, count.
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    mode: Mapped[str] = mapped_column(String(16))
    min_qty: Mapped[Decimal | None] = mapped_column(QTY)
    max_qty: Mapped[Decimal | None] = mapped_column(QTY)
    min_days: Mapped[Decimal | None] = mapped_column(DAYS)
    max_days: Mapped[Decimal | None] = mapped_column(DAYS)
    review_days: Mapped[int] = mapped_column(SmallInteger, default=7)
    consignment: Mapped[bool] = mapped_column(default=False)
    consignment_unit_price: Mapped[Decimal | None] = mapped_column(PRICE)
    # The supplier-owned zone under the site that holds the consignment stock (see consignment.py).
    consignment_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    last_triggered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class VmiProposal(Base):
    """A supplier's replenishment proposal for one site: lines for one or more of its agreements
    there. `agreement_id` is the agreement it was drafted for (the one-open-proposal key)."""

    __tablename__ = "vmi_proposal"
    __table_args__ = (
        CheckConstraint(_in("status", ProposalStatus), name="status_valid"),
        CheckConstraint(_in("origin", ProposalOrigin), name="origin_valid"),
        CheckConstraint(f"approval IS NULL OR {_in('approval', ApprovalKind)}", name="approval_valid"),
        Index(
            "uq_vmi_proposal_open_agreement",
            "agreement_id",
            unique=True,
            postgresql_where=text("status IN ('draft', 'submitted')"),
        ),
        Index("ix_vmi_proposal_supplier_status", "supplier_id", "status"),
        Index("ix_vmi_proposal_location", "location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("vmi_agreement.id"))
    status: Mapped[str] = mapped_column(String(12), default=ProposalStatus.DRAFT.value)
    origin: Mapped[str] = mapped_column(String(12))
    approval: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VmiProposalLine(Base):
    __tablename__ = "vmi_proposal_line"
    __table_args__ = (
        UniqueConstraint("proposal_id", "line_no"),
        UniqueConstraint("proposal_id", "agreement_id", name="uq_vmi_proposal_line_agreement"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_vmi_proposal_line_agreement", "agreement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("vmi_proposal.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(SmallInteger)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("vmi_agreement.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    requested_date: Mapped[date | None] = mapped_column(Date)
    # What the system suggested when the line was drafted (max − position, or cover × rate).
    suggested_qty: Mapped[Decimal | None] = mapped_column(QTY)
    # Stamped on submit: the position and maximum the bounds were checked against.
    position_qty: Mapped[Decimal | None] = mapped_column(QTY)
    max_qty: Mapped[Decimal | None] = mapped_column(QTY)
    within_bounds: Mapped[bool | None]
