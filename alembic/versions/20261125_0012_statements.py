"""vmi statements: reconciliation statements, their lines, comments and credit notes

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
# Statements only reference the supplier, part and their own tables (lines hold plain ledger ids).
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_AMOUNT = sa.Numeric(precision=16, scale=2)


def upgrade() -> None:
    op.create_table(
        "vmi_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opening_balance", _AMOUNT, nullable=False),
        sa.Column("receipts_amount", _AMOUNT, nullable=False),
        sa.Column("returns_amount", _AMOUNT, nullable=False),
        sa.Column("price_differences_amount", _AMOUNT, nullable=False),
        sa.Column("consignment_amount", _AMOUNT, nullable=False),
        sa.Column("credits_amount", _AMOUNT, nullable=False),
        sa.Column("closing_amount", _AMOUNT, nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("previous_statement_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("generated_by", sa.String(length=200), nullable=False),
        sa.Column("generated_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=True),
        sa.Column("issued_at", _TS, nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("confirmed_at", _TS, nullable=True),
        sa.Column("disputed_by", sa.String(length=200), nullable=True),
        sa.Column("disputed_at", _TS, nullable=True),
        sa.Column("settled_by", sa.String(length=200), nullable=True),
        sa.Column("settled_at", _TS, nullable=True),
        sa.Column("settled_amount", _AMOUNT, nullable=True),
        sa.Column("settlement_reference", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft','issued','confirmed','disputed','settled')", name=op.f("ck_vmi_statement_status_valid")
        ),
        sa.CheckConstraint("kind IN ('monthly','range')", name=op.f("ck_vmi_statement_kind_valid")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_vmi_statement_period_valid")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_vmi_statement_supplier_id_supplier")),
        sa.ForeignKeyConstraint(
            ["previous_statement_id"],
            ["vmi_statement.id"],
            name=op.f("fk_vmi_statement_previous_statement_id_vmi_statement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_statement")),
        sa.UniqueConstraint("number", name=op.f("uq_vmi_statement_number")),
        sa.UniqueConstraint("supplier_id", "kind", "period_start", "period_end", name="uq_vmi_statement_period"),
    )
    op.create_index("ix_vmi_statement_supplier_end", "vmi_statement", ["supplier_id", "period_end"], unique=False)
    op.create_index("ix_vmi_statement_status", "vmi_statement", ["status"], unique=False)

    op.create_table(
        "vmi_statement_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("move_id", sa.BigInteger(), nullable=True),
        sa.Column("posting_id", sa.BigInteger(), nullable=True),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_ref", sa.String(length=120), nullable=True),
        sa.Column("po_number", sa.String(length=20), nullable=True),
        sa.Column("po_line_no", sa.SmallInteger(), nullable=True),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("part_code", sa.String(length=40), nullable=True),
        sa.Column("part_name_zh", sa.String(length=200), nullable=True),
        sa.Column("part_name_en", sa.String(length=200), nullable=True),
        sa.Column("location_code", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("amount", _AMOUNT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "section IN ('receipt','return','price_difference','consignment','credit')",
            name=op.f("ck_vmi_statement_line_section_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["vmi_statement.id"],
            name=op.f("fk_vmi_statement_line_statement_id_vmi_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_statement_line")),
        sa.UniqueConstraint("statement_id", "line_no", name="uq_vmi_statement_line_no"),
    )

    op.create_table(
        "vmi_statement_comment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("author_side", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "author_side IN ('supplier','internal')", name=op.f("ck_vmi_statement_comment_author_side_valid")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["vmi_statement.id"],
            name=op.f("fk_vmi_statement_comment_statement_id_vmi_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_statement_comment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_vmi_statement_comment_idempotency_key")),
    )
    op.create_index("ix_vmi_statement_comment_statement", "vmi_statement_comment", ["statement_id", "id"], unique=False)

    op.create_table(
        "vmi_statement_credit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("amount", _AMOUNT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_vmi_statement_credit_amount_positive")),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["vmi_statement.id"],
            name=op.f("fk_vmi_statement_credit_statement_id_vmi_statement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_vmi_statement_credit_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_statement_credit")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_vmi_statement_credit_idempotency_key")),
    )
    op.create_index("ix_vmi_statement_credit_statement", "vmi_statement_credit", ["statement_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vmi_statement_credit_statement", table_name="vmi_statement_credit")
    op.drop_table("vmi_statement_credit")
    op.drop_index("ix_vmi_statement_comment_statement", table_name="vmi_statement_comment")
    op.drop_table("vmi_statement_comment")
    op.drop_table("vmi_statement_line")
    op.drop_index("ix_vmi_statement_status", table_name="vmi_statement")
    op.drop_index("ix_vmi_statement_supplier_end", table_name="vmi_statement")
    op.drop_table("vmi_statement")
