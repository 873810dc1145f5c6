"""Counting tables.

A `count_plan` (cycle, full or sample) owns `count_task`s, one per part × location. A task keeps
the book quantity snapshotted when it starts and its final result; every scan is a `count_entry`
(so recounts and retries are auditable); a final non-zero difference becomes a `count_variance`
that is reviewed (reason code) and approved into a ledger posting against V-ADJUSTMENT."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

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
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.catalog import models as _catalog  # noqa: F401
from domain.db import Base
from domain.org import models as _org  # noqa: F401
from domain.stock import models as _stock  # noqa: F401

# The imports above register the tables our foreign keys point at (part, location, stock_posting),
# so the mappers resolve wherever counting is imported, not only after `domain.models`.

QTY = Numeric(18, 6)
COST = Numeric(18, 6)
VALUE = Numeric(16, 2)


class CountKind(StrEnum):
    CYCLE = "cycle"
    FULL = "full"
    SAMPLE = "sample"


class PlanStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    OPEN = "open"  # not started: no snapshot yet
    COUNTING = "counting"  # started: the book quantity is snapshotted
    RECOUNT = "recount"  # the first count was outside tolerance; count again
    COUNTED = "counted"  # final count accepted
    CANCELLED = "cancelled"  # the plan closed before it was counted


class VarianceStatus(StrEnum):
    PENDING = "pending"  # awaiting a reason code
    REVIEWED = "reviewed"  # reason given, awaiting approval
    APPROVED = "approved"  # adjustment posted through the ledger


class ReasonCode(StrEnum):
    RECEIVING_ERROR = "receiving_error"
    UNRECORDED_ISSUE = "unrecorded_issue"
    THEFT_DAMAGE = "theft_damage"
    MISLABELLED = "mislabelled"
    UNKNOWN = "unknown"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class CountPlan(Base):
    __tablename__ = "count_plan"
    __table_args__ = (
        CheckConstraint(_in("kind", CountKind), name="kind_valid"),
        CheckConstraint(_in("status", PlanStatus), name="status_valid"),
        CheckConstraint("recount_pct >= 0 AND recount_value >= 0 AND max_recounts >= 0", name="tolerance_valid"),
        CheckConstraint("sample_fraction IS NULL OR (sample_fraction > 0 AND sample_fraction <= 1)", name="fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Also written to `location.frozen_by` while a full count freezes its locations.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default=PlanStatus.OPEN.value)
    name: Mapped[str] = mapped_column(String(200))
    # Root of the counted subtree (a store, the warehouse, a zone or a bin).
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    # Recount (and accuracy) tolerance: outside when |variance| > pct × expected or |value| > value.
    recount_pct: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    recount_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    max_recounts: Mapped[int] = mapped_column(SmallInteger, default=1)
    # Selection parameters kept so a plan's task list can be reproduced and audited.
    sample_fraction: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    cadence_months: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    window_days: Mapped[int | None] = mapped_column(SmallInteger)
    assignees: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CountTask(Base):
    __tablename__ = "count_task"
    __table_args__ = (
        UniqueConstraint("plan_id", "part_id", "location_id"),
        CheckConstraint(_in("status", TaskStatus), name="status_valid"),
        Index("ix_count_task_assignee_status", "assignee", "status"),
        Index("ix_count_task_part_location", "part_id", "location_id"),
        Index("ix_count_task_counted_at", "counted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("count_plan.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    # The counter's login name (a user id once identity lands); None = anyone in scope.
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.OPEN.value)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Book quantity when the task started; never shown to the counter (blind counting).
    snapshot_qty: Mapped[Decimal | None] = mapped_column(QTY)
    snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[str | None] = mapped_column(String(200))
    # Final result: counted − expected, expected = snapshot + net moves since the snapshot.
    counted_qty: Mapped[Decimal | None] = mapped_column(QTY)
    expected_qty: Mapped[Decimal | None] = mapped_column(QTY)
    variance_qty: Mapped[Decimal | None] = mapped_column(QTY)
    within_tolerance: Mapped[bool | None]
    counted_by: Mapped[str | None] = mapped_column(String(200))
    counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CountEntry(Base):
    """One scan. The idempotency key makes a scanner's retry return the first answer."""

    __tablename__ = "count_entry"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_task.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(SmallInteger)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    snapshot_qty: Mapped[Decimal] = mapped_column(QTY)
    net_moves: Mapped[Decimal] = mapped_column(QTY)
    expected_qty: Mapped[Decimal] = mapped_column(QTY)
    variance_qty: Mapped[Decimal] = mapped_column(QTY)
    within_tolerance: Mapped[bool]
    scanned_code: Mapped[str] = mapped_column(String(64))
    location_code: Mapped[str] = mapped_column(String(40))
    counter: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CountVariance(Base):
    __tablename__ = "count_variance"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_non_zero"),
        CheckConstraint(_in("status", VarianceStatus), name="status_valid"),
        CheckConstraint(f"reason_code IS NULL OR {_in('reason_code', ReasonCode)}", name="reason_valid"),
        CheckConstraint("status <> 'approved' OR posting_id IS NOT NULL", name="approved_has_posting"),
        Index("ix_count_variance_plan_status", "plan_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_task.id", ondelete="CASCADE"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("count_plan.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    # Signed: a gain is positive, a loss negative.
    quantity: Mapped[Decimal] = mapped_column(QTY)
    # Moving-average estimate until approval, then what the ledger actually posted.
    unit_cost: Mapped[Decimal] = mapped_column(COST)
    value: Mapped[Decimal] = mapped_column(VALUE)
    status: Mapped[str] = mapped_column(String(10), default=VarianceStatus.PENDING.value)
    reason_code: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("stock_posting.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
