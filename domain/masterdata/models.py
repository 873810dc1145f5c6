"""Import batches and part merges: the trail of how master data got into the system."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class ImportBatch(Base):
    """One imported file (dry runs are not recorded). `file_hash` makes re-imports of event data
    (opening stock, demand history) refusable, and lets the exchange folder skip files it has seen."""

    __tablename__ = "import_batch"
    __table_args__ = (Index("ix_import_batch_kind_hash", "kind", "file_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # applied | partial | rejected
    rows_total: Mapped[int]
    rows_applied: Mapped[int]
    rows_rejected: Mapped[int]
    control_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    computed_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PartMerge(Base):
    """A duplicate part folded into its survivor; the duplicate stays (inactive) with its history."""

    __tablename__ = "part_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    duplicate_part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    survivor_part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    posting_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
