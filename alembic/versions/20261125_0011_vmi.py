"""vmi: agreements, supplier proposals and their lines; purchase orders may come from VMI

Revision ID: 0011
Revises: 0010, 0003
Create Date: 2026-11-25 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
# 0010 adds location.owner_supplier_id (consignment zones); 0003 the purchase orders proposals become.
down_revision: str | tuple[str, ...] | None = ("0010", "0003")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_QTY = sa.Numeric(precision=18, scale=6)


def upgrade() -> None:
    op.create_table(
        "vmi_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("min_qty", _QTY, nullable=True),
        sa.Column("max_qty", _QTY, nullable=True),
        sa.Column("min_days", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("max_days", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("review_days", sa.SmallInteger(), nullable=False),
        sa.Column("consignment", sa.Boolean(), nullable=False),
        sa.Column("consignment_unit_price", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("consignment_location_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("last_triggered_at", _TS, nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("mode IN ('quantity','days_of_cover')", name=op.f("ck_vmi_agreement_mode_valid")),
        sa.CheckConstraint(
            "mode <> 'quantity' OR (min_qty IS NOT NULL AND max_qty IS NOT NULL AND min_qty > 0 "
            "AND max_qty >= min_qty)",
            name=op.f("ck_vmi_agreement_quantity_levels"),
        ),
        sa.CheckConstraint(
            "mode <> 'days_of_cover' OR (min_days IS NOT NULL AND max_days IS NOT NULL AND min_days > 0 "
            "AND max_days >= min_days)",
            name=op.f("ck_vmi_agreement_cover_levels"),
        ),
        sa.CheckConstraint("review_days BETWEEN 1 AND 365", name=op.f("ck_vmi_agreement_review_days_range")),
        sa.CheckConstraint(
            "NOT consignment OR (consignment_unit_price IS NOT NULL AND consignment_location_id IS NOT NULL)",
            name=op.f("ck_vmi_agreement_consignment_complete"),
        ),
        sa.CheckConstraint(
            "consignment_unit_price IS NULL OR consignment_unit_price >= 0",
            name=op.f("ck_vmi_agreement_price_non_negative"),
        ),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_vmi_agreement_supplier_id_supplier")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_vmi_agreement_part_id_part")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_vmi_agreement_location_id_location")),
        sa.ForeignKeyConstraint(
            ["consignment_location_id"],
            ["location.id"],
            name=op.f("fk_vmi_agreement_consignment_location_id_location"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_agreement")),
        sa.UniqueConstraint(
            "supplier_id", "part_id", "location_id", name=op.f("uq_vmi_agreement_supplier_part_location")
        ),
    )
    op.create_index("ix_vmi_agreement_location", "vmi_agreement", ["location_id"], unique=False)
    op.create_index("ix_vmi_agreement_part", "vmi_agreement", ["part_id"], unique=False)

    op.create_table(
        "vmi_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("approval", sa.String(length=12), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("purchase_order_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("submitted_at", _TS, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('draft','submitted','approved','rejected','ordered','cancelled')",
            name=op.f("ck_vmi_proposal_status_valid"),
        ),
        sa.CheckConstraint("origin IN ('supplier','buyer','trigger')", name=op.f("ck_vmi_proposal_origin_valid")),
        sa.CheckConstraint(
            "approval IS NULL OR approval IN ('automatic','buyer')", name=op.f("ck_vmi_proposal_approval_valid")
        ),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_vmi_proposal_supplier_id_supplier")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_vmi_proposal_location_id_location")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["vmi_agreement.id"], name=op.f("fk_vmi_proposal_agreement_id_vmi_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_vmi_proposal_purchase_order_id_purchase_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_proposal")),
        sa.UniqueConstraint("number", name=op.f("uq_vmi_proposal_number")),
        sa.UniqueConstraint("purchase_order_id", name=op.f("uq_vmi_proposal_purchase_order_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_vmi_proposal_idempotency_key")),
    )
    op.create_index(
        "uq_vmi_proposal_open_agreement",
        "vmi_proposal",
        ["agreement_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('draft', 'submitted')"),
    )
    op.create_index("ix_vmi_proposal_supplier_status", "vmi_proposal", ["supplier_id", "status"], unique=False)
    op.create_index("ix_vmi_proposal_location", "vmi_proposal", ["location_id"], unique=False)

    op.create_table(
        "vmi_proposal_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", _QTY, nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=True),
        sa.Column("suggested_qty", _QTY, nullable=True),
        sa.Column("position_qty", _QTY, nullable=True),
        sa.Column("max_qty", _QTY, nullable=True),
        sa.Column("within_bounds", sa.Boolean(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_vmi_proposal_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["vmi_proposal.id"],
            name=op.f("fk_vmi_proposal_line_proposal_id_vmi_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["vmi_agreement.id"], name=op.f("fk_vmi_proposal_line_agreement_id_vmi_agreement")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_vmi_proposal_line_part_id_part")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmi_proposal_line")),
        sa.UniqueConstraint("proposal_id", "line_no", name=op.f("uq_vmi_proposal_line_proposal_id")),
        sa.UniqueConstraint("proposal_id", "agreement_id", name=op.f("uq_vmi_proposal_line_agreement")),
    )
    op.create_index("ix_vmi_proposal_line_agreement", "vmi_proposal_line", ["agreement_id"], unique=False)

    # Purchase orders drafted from an approved VMI proposal say so.
    op.drop_constraint(op.f("ck_purchase_order_source_valid"), "purchase_order", type_="check")
    op.create_check_constraint(
        op.f("ck_purchase_order_source_valid"), "purchase_order", "source IN ('manual','suggestion','vmi')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_purchase_order_source_valid"), "purchase_order", type_="check")
    op.create_check_constraint(
        op.f("ck_purchase_order_source_valid"), "purchase_order", "source IN ('manual','suggestion')"
    )
    op.drop_index("ix_vmi_proposal_line_agreement", table_name="vmi_proposal_line")
    op.drop_table("vmi_proposal_line")
    op.drop_index("ix_vmi_proposal_location", table_name="vmi_proposal")
    op.drop_index("ix_vmi_proposal_supplier_status", table_name="vmi_proposal")
    op.drop_index("uq_vmi_proposal_open_agreement", table_name="vmi_proposal")
    op.drop_table("vmi_proposal")
    op.drop_index("ix_vmi_agreement_part", table_name="vmi_agreement")
    op.drop_index("ix_vmi_agreement_location", table_name="vmi_agreement")
    op.drop_table("vmi_agreement")
