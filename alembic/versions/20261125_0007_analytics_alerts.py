"""analytics and alerts: KPI snapshots, alert rules and instances, notification queue and inbox

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rules as shipped (domain.alerts.rules.RULES); later changes are the users' configuration.
DEFAULT_RULES = [
    ("stockout", "urgent", {}, ["buyer", "manager"], 4, ["hq"]),
    ("imminent_stockout", "high", {"days": "3"}, ["buyer", "manager"], 12, ["hq"]),
    ("overstock", "normal", {"tolerance_pct": "0"}, ["buyer", "manager"], 72, ["hq"]),
    ("dead_stock", "low", {"days": "180"}, ["manager"], 0, []),
    ("count_variance", "high", {"pct": "5"}, ["warehouse_lead", "finance"], 24, ["hq"]),
    ("supplier_late", "high", {"grace_days": "2"}, ["buyer", "supplier"], 48, ["hq"]),
]

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kpi_site_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("state_at", TS, nullable=True),
        sa.Column("inventory_value", sa.Numeric(18, 2), nullable=True),
        sa.Column("stocked_skus", sa.Integer(), nullable=True),
        sa.Column("stockout_skus", sa.Integer(), nullable=True),
        sa.Column("dead_stock_skus", sa.Integer(), nullable=True),
        sa.Column("dead_stock_value", sa.Numeric(18, 2), nullable=True),
        sa.Column("overstock_skus", sa.Integer(), nullable=True),
        sa.Column("pending_suggestions", sa.Integer(), nullable=True),
        sa.Column("pending_transfers", sa.Integer(), nullable=True),
        sa.Column("pending_variances", sa.Integer(), nullable=True),
        sa.Column("demand_lines", sa.Integer(), server_default="0", nullable=False),
        sa.Column("demand_lines_filled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("issue_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("issue_value", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("receipt_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("receipt_value", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("net_flow_value", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("refreshed_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["location.id"], name=op.f("fk_kpi_site_day_site_id_location")),
        sa.PrimaryKeyConstraint("day", "site_id", name=op.f("pk_kpi_site_day")),
    )
    op.create_table(
        "alert_rule",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recipients", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("escalate_after_hours", sa.Integer(), nullable=False),
        sa.Column("escalate_to", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "severity IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_alert_rule_severity_valid")
        ),
        sa.CheckConstraint("escalate_after_hours >= 0", name=op.f("ck_alert_rule_escalation_non_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_alert_rule")),
    )
    op.create_table(
        "alert_evaluation",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("started_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("seconds", sa.Numeric(10, 3), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("status IN ('running','succeeded','failed')", name=op.f("ck_alert_evaluation_status_valid")),
        sa.CheckConstraint("kind IN ('full','changes','objects')", name=op.f("ck_alert_evaluation_kind_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_evaluation")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("object_key", sa.String(length=80), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("ref_id", sa.BigInteger(), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("raised_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("raised_in", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("escalated_in", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_in", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name=op.f("ck_alert_status_valid")),
        sa.CheckConstraint("severity IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_alert_severity_valid")),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolved_at IS NOT NULL)", name=op.f("ck_alert_resolved_iff_stamped")
        ),
        sa.ForeignKeyConstraint(["rule"], ["alert_rule.code"], name=op.f("fk_alert_rule_alert_rule")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_alert_part_id_part")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_alert_location_id_location")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_alert_supplier_id_supplier")),
        sa.ForeignKeyConstraint(
            ["raised_in"], ["alert_evaluation.id"], name=op.f("fk_alert_raised_in_alert_evaluation")
        ),
        sa.ForeignKeyConstraint(
            ["escalated_in"], ["alert_evaluation.id"], name=op.f("fk_alert_escalated_in_alert_evaluation")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_in"], ["alert_evaluation.id"], name=op.f("fk_alert_resolved_in_alert_evaluation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(
        "uq_alert_unresolved",
        "alert",
        ["rule", "object_key"],
        unique=True,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index(
        "ix_alert_part_location", "alert", ["part_id", "location_id"], postgresql_where=sa.text("resolved_at IS NULL")
    )
    op.create_index("ix_alert_status_raised", "alert", ["status", "raised_at"])
    op.create_index("ix_alert_raised_in", "alert", ["raised_in"])
    op.create_index(
        "ix_alert_resolved_in", "alert", ["resolved_in"], postgresql_where=sa.text("resolved_in IS NOT NULL")
    )
    op.create_index(
        "ix_alert_escalated_in", "alert", ["escalated_in"], postgresql_where=sa.text("escalated_in IS NOT NULL")
    )
    op.create_index(op.f("ix_alert_supplier_id"), "alert", ["supplier_id"])
    op.create_table(
        "notification_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("function", sa.String(length=32), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("min_severity", sa.String(length=8), nullable=False),
        sa.Column("rules", postgresql.ARRAY(sa.String(length=32)), nullable=True),
        sa.Column("topics", postgresql.ARRAY(sa.String(length=120)), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email','sms','dingtalk','wecom','webhook')", name=op.f("ck_notification_target_channel_valid")
        ),
        sa.CheckConstraint(
            "min_severity IN ('low', 'normal', 'high', 'urgent')",
            name=op.f("ck_notification_target_min_severity_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_notification_target_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_target")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("status", sa.String(length=8), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name=op.f("ck_notification_status_valid")),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["notification_target.id"],
            name=op.f("fk_notification_target_id_notification_target"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("event_id", "channel", "recipient", name=op.f("uq_notification_event_id")),
    )
    op.create_index(
        "ix_notification_due", "notification", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
    op.create_index("ix_notification_dead", "notification", ["id"], postgresql_where=sa.text("status = 'dead'"))
    op.create_table(
        "user_notification",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("alert_ids", postgresql.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notification")),
        sa.UniqueConstraint("user_id", "event_id", name=op.f("uq_user_notification_user_id")),
    )
    op.create_index("ix_user_notification_user", "user_notification", ["user_id", "id"])
    op.create_index(
        "ix_user_notification_unread", "user_notification", ["user_id"], postgresql_where=sa.text("read_at IS NULL")
    )
    rules = sa.table(
        "alert_rule",
        sa.column("code", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("severity", sa.String),
        sa.column("params", postgresql.JSONB),
        sa.column("recipients", postgresql.ARRAY(sa.String)),
        sa.column("escalate_after_hours", sa.Integer),
        sa.column("escalate_to", postgresql.ARRAY(sa.String)),
        sa.column("updated_by", sa.String),
    )
    op.bulk_insert(
        rules,
        [
            {
                "code": code,
                "enabled": True,
                "severity": severity,
                "params": params,
                "recipients": recipients,
                "escalate_after_hours": hours,
                "escalate_to": escalate_to,
                "updated_by": "migration",
            }
            for code, severity, params, recipients, hours, escalate_to in DEFAULT_RULES
        ],
    )


def downgrade() -> None:
    op.drop_table("user_notification")
    op.drop_table("notification")
    op.drop_table("notification_target")
    op.drop_table("alert")
    op.drop_table("alert_evaluation")
    op.drop_table("alert_rule")
    op.drop_table("kpi_site_day")
