"""counting: count plans (cycle/full/sample), tasks, scan entries, variances

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 14:57:20.354936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "count_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recount_pct", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("recount_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("max_recounts", sa.SmallInteger(), nullable=False),
        sa.Column("sample_fraction", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("cadence_months", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("window_days", sa.SmallInteger(), nullable=True),
        sa.Column("assignees", postgresql.ARRAY(sa.String(length=200)), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('cycle', 'full', 'sample')", name=op.f("ck_count_plan_kind_valid")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_count_plan_status_valid")),
        sa.CheckConstraint(
            "recount_pct >= 0 AND recount_value >= 0 AND max_recounts >= 0", name=op.f("ck_count_plan_tolerance_valid")
        ),
        sa.CheckConstraint(
            "sample_fraction IS NULL OR (sample_fraction > 0 AND sample_fraction <= 1)",
            name=op.f("ck_count_plan_fraction"),
        ),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_count_plan_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_count_plan_code")),
    )
    op.create_index(op.f("ix_count_plan_location_id"), "count_plan", ["location_id"], unique=False)
    op.create_table(
        "count_task",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("snapshot_qty", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=200), nullable=True),
        sa.Column("counted_qty", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("expected_qty", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("variance_qty", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("within_tolerance", sa.Boolean(), nullable=True),
        sa.Column("counted_by", sa.String(length=200), nullable=True),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'counting', 'recount', 'counted', 'cancelled')", name=op.f("ck_count_task_status_valid")
        ),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_count_task_location_id_location")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_count_task_part_id_part")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["count_plan.id"], name=op.f("fk_count_task_plan_id_count_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_task")),
        sa.UniqueConstraint("plan_id", "part_id", "location_id", name=op.f("uq_count_task_plan_id")),
    )
    op.create_index("ix_count_task_assignee_status", "count_task", ["assignee", "status"], unique=False)
    op.create_index("ix_count_task_counted_at", "count_task", ["counted_at"], unique=False)
    op.create_index(op.f("ix_count_task_location_id"), "count_task", ["location_id"], unique=False)
    op.create_index("ix_count_task_part_location", "count_task", ["part_id", "location_id"], unique=False)
    op.create_index(op.f("ix_count_task_plan_id"), "count_task", ["plan_id"], unique=False)
    op.create_table(
        "count_entry",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("snapshot_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("net_moves", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("expected_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("variance_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("within_tolerance", sa.Boolean(), nullable=False),
        sa.Column("scanned_code", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=40), nullable=False),
        sa.Column("counter", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_count_entry_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["count_task.id"], name=op.f("fk_count_entry_task_id_count_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_entry")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_count_entry_idempotency_key")),
    )
    op.create_index(op.f("ix_count_entry_task_id"), "count_entry", ["task_id"], unique=False)
    op.create_table(
        "count_variance",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason_code", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posting_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "reason_code IS NULL OR reason_code IN "
            "('receiving_error', 'unrecorded_issue', 'theft_damage', 'mislabelled', 'unknown')",
            name=op.f("ck_count_variance_reason_valid"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR posting_id IS NOT NULL", name=op.f("ck_count_variance_approved_has_posting")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'reviewed', 'approved')", name=op.f("ck_count_variance_status_valid")
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_count_variance_quantity_non_zero")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_count_variance_location_id_location")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_count_variance_part_id_part")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["count_plan.id"], name=op.f("fk_count_variance_plan_id_count_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["stock_posting.id"], name=op.f("fk_count_variance_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["count_task.id"], name=op.f("fk_count_variance_task_id_count_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_variance")),
        sa.UniqueConstraint("task_id", name=op.f("uq_count_variance_task_id")),
    )
    op.create_index("ix_count_variance_plan_status", "count_variance", ["plan_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_count_variance_plan_status", table_name="count_variance")
    op.drop_table("count_variance")
    op.drop_index(op.f("ix_count_entry_task_id"), table_name="count_entry")
    op.drop_table("count_entry")
    op.drop_index(op.f("ix_count_task_plan_id"), table_name="count_task")
    op.drop_index("ix_count_task_part_location", table_name="count_task")
    op.drop_index(op.f("ix_count_task_location_id"), table_name="count_task")
    op.drop_index("ix_count_task_counted_at", table_name="count_task")
    op.drop_index("ix_count_task_assignee_status", table_name="count_task")
    op.drop_table("count_task")
    op.drop_index(op.f("ix_count_plan_location_id"), table_name="count_plan")
    op.drop_table("count_plan")
