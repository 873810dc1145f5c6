"""Location tree: company > region > store | warehouse > zone > bin, plus virtual locations.

`path` is the materialised path of codes ("HQ/R-N/S-BJ01") so a role scoped to a subtree is one
prefix test, and `site_id` points at the store or warehouse a zone or bin belongs to, so distances
and per-site figures need no recursive query."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class LocationKind(StrEnum):
    COMPANY = "company"
    REGION = "region"
    STORE = "store"
    WAREHOUSE = "warehouse"
    ZONE = "zone"
    BIN = "bin"
    VIRTUAL = "virtual"


class VirtualKind(StrEnum):
    SUPPLIER = "supplier"
    WORKSHOP = "workshop"
    ADJUSTMENT = "adjustment"
    TRANSIT = "transit"
    SCRAP = "scrap"
    CUSTOMER = "customer"


# Kinds that may hold physical stock (balances); the others are grouping or outside-world nodes.
STOCK_HOLDING_KINDS = frozenset({LocationKind.STORE, LocationKind.WAREHOUSE, LocationKind.ZONE, LocationKind.BIN})
SITE_KINDS = frozenset({LocationKind.STORE, LocationKind.WAREHOUSE})


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint("kind IN ('company','region','store','warehouse','zone','bin','virtual')", name="kind_valid"),
        CheckConstraint("(kind = 'virtual') = (virtual_kind IS NOT NULL)", name="virtual_kind_iff_virtual"),
        CheckConstraint("owner_supplier_id IS NULL OR kind <> 'virtual'", name="virtual_not_owned"),
        Index("ix_location_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    virtual_kind: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(Text)
    bin_capacity: Mapped[int | None]
    # Set while a full count freezes this location; the ledger refuses moves in or out.
    frozen_by: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    # Consignment: stock here belongs to this supplier until it leaves for a location the supplier
    # does not own; that move is the consumption the supplier invoices (see domain.vmi).
    owner_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)

    @property
    def is_virtual(self) -> bool:
        return self.kind == LocationKind.VIRTUAL

    @property
    def holds_stock(self) -> bool:
        return self.kind in STOCK_HOLDING_KINDS


class SiteDistance(Base):
    """Road distance between two sites (stores, warehouse), stored in both directions."""

    __tablename__ = "site_distance"
    __table_args__ = (CheckConstraint("km >= 0", name="km_non_negative"),)

    from_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    to_site_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
