"""Reconciliation statement tables: the statement (one supplier, one period, its totals and
status), its lines (snapshots traceable to the ledger move, posting and document), the comment
thread between the supplier and finance, and the credit notes finance adds.

Lines are snapshots on purpose: part names, prices and document numbers are copied when the
statement is generated, so an issued statement reads the same forever even if master data
changes. They carry plain ids (move, posting, receipt line, match) rather than foreign keys: the
ledger rows they point at are immutable anyway, and the migration then depends on nothing but the
supplier and part tables."""

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
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

AMOUNT = Numeric(16, 2)
QTY = Numeric(18, 6)
PRICE = Numeric(14, 4)
ZERO = Decimal(0)


class StatementStatus(StrEnum):
    DRAFT = "draft"  # finance's working copy: may be regenerated; suppliers do not see it
    ISSUED = "issued"  # sent to the supplier
    CONFIRMED = "confirmed"  # the supplier agrees
    DISPUTED = "disputed"  # the supplier disagrees (see the comments); finance corrects and re-issues
    SETTLED = "settled"  # finance paid (or agreed the balance); final


class StatementKind(StrEnum):
    MONTHLY = "monthly"  # a calendar month: the account of record, chained by opening balances
    RANGE = "range"  # on demand, any dates: an activity statement, never settled


class StatementSection(StrEnum):
    RECEIPT = "receipt"
    RETURN = "return"
    PRICE_DIFFERENCE = "price_difference"
    CONSIGNMENT = "consignment"
    CREDIT = "credit"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({','.join(repr(v.value) for v in values)})"


class Statement(Base):
    __tablename__ = "vmi_statement"
    __table_args__ = (
        UniqueConstraint("supplier_id", "kind", "period_start", "period_end", name="uq_vmi_statement_period"),
        CheckConstraint(_in("status", StatementStatus), name="status_valid"),
        CheckConstraint(_in("kind", StatementKind), name="kind_valid"),
        CheckConstraint("period_end >= period_start", name="period_valid"),
        Index("ix_vmi_statement_supplier_end", "supplier_id", "period_end"),
        Index("ix_vmi_statement_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    status: Mapped[str] = mapped_column(String(16), default=StatementStatus.DRAFT.value)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    opening_balance: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    receipts_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    returns_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    price_differences_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    consignment_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    credits_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    closing_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    # The monthly statement the opening balance was carried from (None: the account starts here).
    previous_statement_id: Mapped[int | None] = mapped_column(ForeignKey("vmi_statement.id"))
    # Bumped on every regeneration of a draft and every re-issue after a dispute.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    generated_by: Mapped[str] = mapped_column(String(200))
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_by: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disputed_by: Mapped[str | None] = mapped_column(String(200))
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_by: Mapped[str | None] = mapped_column(String(200))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What finance paid against the closing amount; the next statement opens with the difference.
    settled_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    settlement_reference: Mapped[str | None] = mapped_column(String(120))


class StatementLine(Base):
    __tablename__ = "vmi_statement_line"
    __table_args__ = (
        UniqueConstraint("statement_id", "line_no", name="uq_vmi_statement_line_no"),
        CheckConstraint(_in("section", StatementSection), name="section_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("vmi_statement.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    move_id: Mapped[int | None] = mapped_column(BigInteger)
    posting_id: Mapped[int | None] = mapped_column(BigInteger)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str | None] = mapped_column(String(120))
    po_number: Mapped[str | None] = mapped_column(String(20))
    po_line_no: Mapped[int | None] = mapped_column(SmallInteger)
    part_id: Mapped[int | None] = mapped_column(Integer)
    part_code: Mapped[str | None] = mapped_column(String(40))
    part_name_zh: Mapped[str | None] = mapped_column(String(200))
    part_name_en: Mapped[str | None] = mapped_column(String(200))
    location_code: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    # The line's effect on the closing amount: returns and credits are negative.
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    note: Mapped[str | None] = mapped_column(Text)
    # The purchasing row behind the line: receipt line, return-to-vendor line, match result or credit.
    source_id: Mapped[int | None] = mapped_column(BigInteger)


class StatementComment(Base):
    """The thread between the supplier and finance; status changes with a note add an entry too."""

    __tablename__ = "vmi_statement_comment"
    __table_args__ = (
        CheckConstraint("author_side IN ('supplier','internal')", name="author_side_valid"),
        Index("ix_vmi_statement_comment_statement", "statement_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("vmi_statement.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    author_side: Mapped[str] = mapped_column(String(8))
    # The transition the comment came with (confirm, dispute, reissue, settle), or None.
    action: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StatementCredit(Base):
    """A credit note finance adds to a draft or disputed statement (goodwill, rebate, a correction
    agreed in a dispute); it lowers what we owe and is listed in the credits section."""

    __tablename__ = "vmi_statement_credit"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_vmi_statement_credit_statement", "statement_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("vmi_statement.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(120))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
