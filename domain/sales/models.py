"""Counter-sale tables: trade accounts, sales with their lines and the lots each line took, returns.

Money is CNY with two decimals, VAT-inclusive (a counter price is what the customer pays); cost is
what the ledger charged, kept at full precision so a day's cost equals the ledger's value of the
moves to V-CUSTOMER. The stock itself moves only through `domain.stock.ledger`: a sale posts store →
V-CUSTOMER once (`posting_id`), a return posts V-CUSTOMER → store at the original cost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
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

QTY = Numeric(18, 6)
COST = Numeric(18, 6)
MONEY = Numeric(14, 2)
PRICE = Numeric(14, 4)
PERCENT = Numeric(5, 2)


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    WECHAT_PAY = "wechat_pay"
    ALIPAY = "alipay"
    # On the trade account's credit (挂账), settled later with a recorded payment.
    ACCOUNT = "account"


class CustomerKind(StrEnum):
    WALK_IN = "walk_in"
    TRADE = "trade"


class AccountEntryKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    PAYMENT = "payment"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({','.join(repr(v.value) for v in values)})"


class TradeAccount(Base):
    """A garage or fleet that buys at an agreed discount, optionally on credit.

    `home_store_id` NULL: a company-wide account (kept by head office), usable at every store."""

    __tablename__ = "trade_account"
    __table_args__ = (
        CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name="discount_range"),
        CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="credit_limit_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    # 纳税人识别号, printed on VAT invoices.
    tax_number: Mapped[str | None] = mapped_column(String(40))
    discount_pct: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(0))
    # NULL: no credit (pays at the counter); otherwise the most it may owe on account.
    credit_limit: Mapped[Decimal | None] = mapped_column(MONEY)
    # Open amount on account: account sales − their refunds − payments (trade_account_entry sums to it).
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    home_store_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class TradeAccountEntry(Base):
    """One change of an account's balance: a sale on account (+), its refund (−), a payment (−)."""

    __tablename__ = "trade_account_entry"
    __table_args__ = (CheckConstraint(_in("kind", AccountEntryKind), name="kind_valid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("trade_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str | None] = mapped_column(String(120))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("counter_sale.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("counter_sale_return.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CounterSaleSequence(Base):
    """Last sale number per store and business day; the upsert's row lock hands out numbers without gaps."""

    __tablename__ = "counter_sale_sequence"

    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer)


class CounterSale(Base):
    __tablename__ = "counter_sale"
    __table_args__ = (
        UniqueConstraint("store_id", "business_day", "seq"),
        CheckConstraint(_in("customer_kind", CustomerKind), name="customer_kind_valid"),
        CheckConstraint(_in("payment_method", PaymentMethod), name="payment_method_valid"),
        CheckConstraint("(customer_kind = 'trade') = (trade_account_id IS NOT NULL)", name="trade_iff_account"),
        CheckConstraint("payment_method <> 'account' OR trade_account_id IS NOT NULL", name="account_needs_trade"),
        Index("ix_counter_sale_store_day", "store_id", "business_day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # <store>-<yyyymmdd>-<nnnn>: per store and business day, printed on the receipt.
    number: Mapped[str] = mapped_column(String(60), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    business_day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    customer_kind: Mapped[str] = mapped_column(String(10))
    trade_account_id: Mapped[int | None] = mapped_column(ForeignKey("trade_account.id"), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    payment_method: Mapped[str] = mapped_column(String(12))
    payment_reference: Mapped[str | None] = mapped_column(String(120))
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount_total: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(COST)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    note: Mapped[str | None] = mapped_column(Text)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CounterSaleLine(Base):
    __tablename__ = "counter_sale_line"
    __table_args__ = (
        UniqueConstraint("sale_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("returned >= 0 AND returned <= quantity", name="returned_range"),
        CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name="discount_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("counter_sale.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    # The part's list price (VAT-inclusive) when sold.
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    discount_pct: Mapped[Decimal] = mapped_column(PERCENT)
    gross: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(COST)
    returned: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))
    refunded: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class CounterSaleLot(Base):
    """Where a line's stock came from (bin and lot) and at what cost: what a return puts back."""

    __tablename__ = "counter_sale_lot"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("returned >= 0 AND returned <= quantity", name="returned_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("counter_sale_line.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(QTY)
    unit_cost: Mapped[Decimal] = mapped_column(COST)
    returned: Mapped[Decimal] = mapped_column(QTY, default=Decimal(0))


class CounterSaleReturn(Base):
    __tablename__ = "counter_sale_return"
    __table_args__ = (
        CheckConstraint(_in("refund_method", PaymentMethod), name="refund_method_valid"),
        Index("ix_counter_sale_return_store_day", "store_id", "business_day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # <sale number>-R<n>
    number: Mapped[str] = mapped_column(String(64), unique=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("counter_sale.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    business_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    refund_method: Mapped[str] = mapped_column(String(12))
    refund_reference: Mapped[str | None] = mapped_column(String(120))
    # Taken after the return window by a manager's override.
    outside_window: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(COST)
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CounterSaleReturnLine(Base):
    __tablename__ = "counter_sale_return_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("counter_sale_return.id", ondelete="CASCADE"), index=True)
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("counter_sale_line.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    refund: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    cost: Mapped[Decimal] = mapped_column(COST)
