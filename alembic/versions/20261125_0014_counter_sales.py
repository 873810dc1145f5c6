"""counter sales: trade accounts, sales, lots sold, returns; the daily-report sent-log; user e-mail

Revision ID: 0014
Revises: 0002
Create Date: 2026-11-25 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counter_sale_sequence",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["location.id"], name=op.f("fk_counter_sale_sequence_store_id_location")),
        sa.PrimaryKeyConstraint("store_id", "business_day", name=op.f("pk_counter_sale_sequence")),
    )
    op.create_table(
        "ops_report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('sending','sent','failed')", name=op.f("ck_ops_report_delivery_status_valid")),
        sa.ForeignKeyConstraint(["store_id"], ["location.id"], name=op.f("fk_ops_report_delivery_store_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_report_delivery")),
        sa.UniqueConstraint("store_id", "day", "address", name=op.f("uq_ops_report_delivery_store_id")),
    )
    op.create_index(op.f("ix_ops_report_delivery_day"), "ops_report_delivery", ["day"], unique=False)
    op.create_table(
        "trade_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("tax_number", sa.String(length=40), nullable=True),
        sa.Column("discount_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("home_store_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "credit_limit IS NULL OR credit_limit >= 0", name=op.f("ck_trade_account_credit_limit_non_negative")
        ),
        sa.CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name=op.f("ck_trade_account_discount_range")),
        sa.ForeignKeyConstraint(
            ["home_store_id"], ["location.id"], name=op.f("fk_trade_account_home_store_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_account")),
        sa.UniqueConstraint("code", name=op.f("uq_trade_account_code")),
    )
    op.create_index(op.f("ix_trade_account_home_store_id"), "trade_account", ["home_store_id"], unique=False)
    op.create_table(
        "counter_sale",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("customer_kind", sa.String(length=10), nullable=False),
        sa.Column("trade_account_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("customer_phone", sa.String(length=40), nullable=True),
        sa.Column("payment_method", sa.String(length=12), nullable=False),
        sa.Column("payment_reference", sa.String(length=120), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(customer_kind = 'trade') = (trade_account_id IS NOT NULL)", name=op.f("ck_counter_sale_trade_iff_account")
        ),
        sa.CheckConstraint("customer_kind IN ('walk_in','trade')", name=op.f("ck_counter_sale_customer_kind_valid")),
        sa.CheckConstraint(
            "payment_method <> 'account' OR trade_account_id IS NOT NULL",
            name=op.f("ck_counter_sale_account_needs_trade"),
        ),
        sa.CheckConstraint(
            "payment_method IN ('cash','card','wechat_pay','alipay','account')",
            name=op.f("ck_counter_sale_payment_method_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["stock_posting.id"], name=op.f("fk_counter_sale_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["location.id"], name=op.f("fk_counter_sale_store_id_location")),
        sa.ForeignKeyConstraint(
            ["trade_account_id"], ["trade_account.id"], name=op.f("fk_counter_sale_trade_account_id_trade_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_counter_sale_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_counter_sale_number")),
        sa.UniqueConstraint("store_id", "business_day", "seq", name=op.f("uq_counter_sale_store_id")),
    )
    op.create_index("ix_counter_sale_store_day", "counter_sale", ["store_id", "business_day"], unique=False)
    op.create_index(op.f("ix_counter_sale_trade_account_id"), "counter_sale", ["trade_account_id"], unique=False)
    op.create_table(
        "counter_sale_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sale_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("discount_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("gross", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("returned", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("refunded", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint(
            "discount_pct >= 0 AND discount_pct <= 100", name=op.f("ck_counter_sale_line_discount_range")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_counter_sale_line_quantity_positive")),
        sa.CheckConstraint("returned >= 0 AND returned <= quantity", name=op.f("ck_counter_sale_line_returned_range")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_counter_sale_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["counter_sale.id"], name=op.f("fk_counter_sale_line_sale_id_counter_sale"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale_line")),
        sa.UniqueConstraint("sale_id", "line_no", name=op.f("uq_counter_sale_line_sale_id")),
    )
    op.create_index(op.f("ix_counter_sale_line_part_id"), "counter_sale_line", ["part_id"], unique=False)
    op.create_index(op.f("ix_counter_sale_line_sale_id"), "counter_sale_line", ["sale_id"], unique=False)
    op.create_table(
        "counter_sale_return",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("sale_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refund_method", sa.String(length=12), nullable=False),
        sa.Column("refund_reference", sa.String(length=120), nullable=True),
        sa.Column("outside_window", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "refund_method IN ('cash','card','wechat_pay','alipay','account')",
            name=op.f("ck_counter_sale_return_refund_method_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["stock_posting.id"], name=op.f("fk_counter_sale_return_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["counter_sale.id"], name=op.f("fk_counter_sale_return_sale_id_counter_sale")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["location.id"], name=op.f("fk_counter_sale_return_store_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale_return")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_counter_sale_return_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_counter_sale_return_number")),
    )
    op.create_index(op.f("ix_counter_sale_return_sale_id"), "counter_sale_return", ["sale_id"], unique=False)
    op.create_index(
        "ix_counter_sale_return_store_day", "counter_sale_return", ["store_id", "business_day"], unique=False
    )
    op.create_table(
        "counter_sale_lot",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("returned", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_counter_sale_lot_quantity_positive")),
        sa.CheckConstraint("returned >= 0 AND returned <= quantity", name=op.f("ck_counter_sale_lot_returned_range")),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["counter_sale_line.id"],
            name=op.f("fk_counter_sale_lot_line_id_counter_sale_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_counter_sale_lot_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale_lot")),
    )
    op.create_index(op.f("ix_counter_sale_lot_line_id"), "counter_sale_lot", ["line_id"], unique=False)
    op.create_table(
        "counter_sale_return_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("sale_line_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("refund", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_counter_sale_return_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["counter_sale_return.id"],
            name=op.f("fk_counter_sale_return_line_return_id_counter_sale_return"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sale_line_id"],
            ["counter_sale_line.id"],
            name=op.f("fk_counter_sale_return_line_sale_line_id_counter_sale_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale_return_line")),
    )
    op.create_index(
        op.f("ix_counter_sale_return_line_return_id"), "counter_sale_return_line", ["return_id"], unique=False
    )
    op.create_index(
        op.f("ix_counter_sale_return_line_sale_line_id"), "counter_sale_return_line", ["sale_line_id"], unique=False
    )
    op.create_table(
        "trade_account_entry",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("sale_id", sa.BigInteger(), nullable=True),
        sa.Column("return_id", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('sale','refund','payment')", name=op.f("ck_trade_account_entry_kind_valid")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["trade_account.id"], name=op.f("fk_trade_account_entry_account_id_trade_account")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["counter_sale_return.id"], name=op.f("fk_trade_account_entry_return_id_counter_sale_return")
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["counter_sale.id"], name=op.f("fk_trade_account_entry_sale_id_counter_sale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_account_entry")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_trade_account_entry_idempotency_key")),
    )
    op.create_index(op.f("ix_trade_account_entry_account_id"), "trade_account_entry", ["account_id"], unique=False)
    op.add_column("app_user", sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("app_user", "email")
    op.drop_index(op.f("ix_trade_account_entry_account_id"), table_name="trade_account_entry")
    op.drop_table("trade_account_entry")
    op.drop_index(op.f("ix_counter_sale_return_line_sale_line_id"), table_name="counter_sale_return_line")
    op.drop_index(op.f("ix_counter_sale_return_line_return_id"), table_name="counter_sale_return_line")
    op.drop_table("counter_sale_return_line")
    op.drop_index(op.f("ix_counter_sale_lot_line_id"), table_name="counter_sale_lot")
    op.drop_table("counter_sale_lot")
    op.drop_index("ix_counter_sale_return_store_day", table_name="counter_sale_return")
    op.drop_index(op.f("ix_counter_sale_return_sale_id"), table_name="counter_sale_return")
    op.drop_table("counter_sale_return")
    op.drop_index(op.f("ix_counter_sale_line_sale_id"), table_name="counter_sale_line")
    op.drop_index(op.f("ix_counter_sale_line_part_id"), table_name="counter_sale_line")
    op.drop_table("counter_sale_line")
    op.drop_index(op.f("ix_counter_sale_trade_account_id"), table_name="counter_sale")
    op.drop_index("ix_counter_sale_store_day", table_name="counter_sale")
    op.drop_table("counter_sale")
    op.drop_index(op.f("ix_trade_account_home_store_id"), table_name="trade_account")
    op.drop_table("trade_account")
    op.drop_index(op.f("ix_ops_report_delivery_day"), table_name="ops_report_delivery")
    op.drop_table("ops_report_delivery")
    op.drop_table("counter_sale_sequence")
