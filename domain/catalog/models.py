"""Part master data and suppliers. Prices are Decimal CNY; quantities follow the unit's precision."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

MONEY = Numeric(14, 4)
QTY = Numeric(18, 6)


class CostingMethod(StrEnum):
    MOVING_AVERAGE = "moving_average"
    FIFO = "fifo"


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(80))
    lead_time_days_mean: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    lead_time_days_std: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Declared on-time rate from the contract/onboarding; measured performance lives in purchasing.
    on_time_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    active: Mapped[bool] = mapped_column(default=True)


class SupplierContact(Base):
    __tablename__ = "supplier_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(80))


class Part(Base):
    __tablename__ = "part"
    __table_args__ = (
        CheckConstraint("uom_precision BETWEEN 0 AND 6", name="uom_precision_range"),
        CheckConstraint("costing_method IN ('moving_average','fifo')", name="costing_method_valid"),
        CheckConstraint("abc_class IS NULL OR abc_class IN ('A','B','C')", name="abc_class_valid"),
        CheckConstraint("moq >= 1 AND pack_size >= 1", name="moq_pack_positive"),
        CheckConstraint("purchase_price >= 0 AND sale_price >= 0", name="prices_non_negative"),
        CheckConstraint("superseded_by_id IS NULL OR superseded_by_id <> id", name="not_self_superseded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16), index=True)
    spec: Mapped[str | None] = mapped_column(Text)
    uom: Mapped[str] = mapped_column(String(8))
    uom_precision: Mapped[int] = mapped_column(SmallInteger, default=0)
    photo_url: Mapped[str | None] = mapped_column(Text)
    manual_url: Mapped[str | None] = mapped_column(Text)
    purchase_price: Mapped[Decimal] = mapped_column(MONEY)
    sale_price: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    costing_method: Mapped[str] = mapped_column(String(16), default=CostingMethod.MOVING_AVERAGE.value)
    # Moving-average unit cost, updated by the ledger on valued inbound moves.
    avg_cost: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(0))
    abc_class: Mapped[str | None] = mapped_column(String(1))
    abc_manual: Mapped[bool] = mapped_column(default=False)
    primary_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    backup_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    lead_time_days: Mapped[int] = mapped_column(default=7)
    moq: Mapped[int] = mapped_column(default=1)
    pack_size: Mapped[int] = mapped_column(default=1)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PartAlias(Base):
    __tablename__ = "part_alias"
    __table_args__ = (UniqueConstraint("part_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))


class SynonymTerm(Base):
    """Terms of one group are interchangeable in search: 刹车片 = 制动片 = brake pad."""

    __tablename__ = "synonym_term"
    __table_args__ = (UniqueConstraint("group_no", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_no: Mapped[int] = mapped_column(index=True)
    term: Mapped[str] = mapped_column(String(200), index=True)


class VehicleModel(Base):
    __tablename__ = "vehicle_model"
    __table_args__ = (
        UniqueConstraint("make", "model", "year_from", "engine"),
        CheckConstraint("year_from <= year_to", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    make: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(120))
    year_from: Mapped[int]
    year_to: Mapped[int]
    engine: Mapped[str] = mapped_column(String(80))


class PartFitment(Base):
    __tablename__ = "part_fitment"

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)
    vehicle_model_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle_model.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PartSubstitute(Base):
    """Interchangeable parts, stored in both directions so a lookup is one index probe."""

    __tablename__ = "part_substitute"
    __table_args__ = (CheckConstraint("part_id <> substitute_id", name="not_self"),)

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)


class SupplierPart(Base):
    __tablename__ = "supplier_part"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True, index=True)
    supplier_part_no: Mapped[str | None] = mapped_column(String(80))
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)
    lead_time_days: Mapped[int | None]
    moq: Mapped[int | None]
    pack_size: Mapped[int | None]


class PartLocationPolicy(Base):
    """Per part × site stocking parameters; planning rewrites them, a buyer may pin them."""

    __tablename__ = "part_location_policy"
    __table_args__ = (
        CheckConstraint("safety_stock >= 0 AND reorder_point >= 0 AND max_stock >= 0", name="policy_non_negative"),
        Index("ix_part_location_policy_location", "location_id"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    safety_stock: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    reorder_point: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    max_stock: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
