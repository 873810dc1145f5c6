"""master data import and integrations: import batches, part merges, partners, inbound messages,
outbound deliveries, exchanged files, DMS part numbers, ship-notice tracking events

Revision ID: 0009
Revises: 0001
Create Date: 2026-11-25 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0009"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_applied", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("control_total", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("computed_total", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_index("ix_import_batch_kind_hash", "import_batch", ["kind", "file_hash"], unique=False)

    op.create_table(
        "part_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duplicate_part_id", sa.Integer(), nullable=False),
        sa.Column("survivor_part_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["duplicate_part_id"], ["part.id"], name=op.f("fk_part_merge_duplicate_part_id_part")),
        sa.ForeignKeyConstraint(["survivor_part_id"], ["part.id"], name=op.f("fk_part_merge_survivor_part_id_part")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_merge")),
    )
    op.create_index(op.f("ix_part_merge_duplicate_part_id"), "part_merge", ["duplicate_part_id"], unique=False)
    op.create_index(op.f("ix_part_merge_survivor_part_id"), "part_merge", ["survivor_part_id"], unique=False)

    op.create_table(
        "integration_partner",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_integration_partner")),
    )

    op.create_table(
        "inbound_message",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_inbound_message_source")),
    )

    op.create_table(
        "dms_part_map",
        sa.Column("dms_part_no", sa.String(length=80), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"], ["part.id"], name=op.f("fk_dms_part_map_part_id_part"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("dms_part_no", name=op.f("pk_dms_part_map")),
    )
    op.create_index(op.f("ix_dms_part_map_part_id"), "dms_part_map", ["part_id"], unique=False)

    op.create_table(
        "outbound_delivery",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.String(length=60), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "endpoint", name=op.f("pk_outbound_delivery")),
    )
    op.create_index(
        "ix_outbound_delivery_due", "outbound_delivery", ["endpoint", "status", "next_attempt_at"], unique=False
    )

    op.create_table(
        "exchange_file",
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("file_hash", name=op.f("pk_exchange_file")),
    )

    op.create_table(
        "ship_notice_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ship_notice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_notice_event")),
    )
    op.create_index(op.f("ix_ship_notice_event_ship_notice_id"), "ship_notice_event", ["ship_notice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ship_notice_event_ship_notice_id"), table_name="ship_notice_event")
    op.drop_table("ship_notice_event")
    op.drop_table("exchange_file")
    op.drop_index("ix_outbound_delivery_due", table_name="outbound_delivery")
    op.drop_table("outbound_delivery")
    op.drop_index(op.f("ix_dms_part_map_part_id"), table_name="dms_part_map")
    op.drop_table("dms_part_map")
    op.drop_table("inbound_message")
    op.drop_table("integration_partner")
    op.drop_index(op.f("ix_part_merge_survivor_part_id"), table_name="part_merge")
    op.drop_index(op.f("ix_part_merge_duplicate_part_id"), table_name="part_merge")
    op.drop_table("part_merge")
    op.drop_index("ix_import_batch_kind_hash", table_name="import_batch")
    op.drop_table("import_batch")
