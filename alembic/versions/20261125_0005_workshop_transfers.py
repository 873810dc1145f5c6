"""workshop and transfers: work orders, picks, transfer orders and shipments, rebalance plans

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-25 15:00:06.187572
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = ("work_order_number_seq", "transfer_order_number_seq", "rebalance_plan_number_seq")


def upgrade() -> None:
    # Document numbers (WO-000001, TO-000001, RB-000001) come from their own sequences.
    for sequence in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(sequence)))
    op.create_table(
        "rebalance_plan",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "number",
            sa.String(length=20),
            server_default=sa.text("'RB-' || lpad(nextval('rebalance_plan_number_seq')::text, 6, '0')"),
            nullable=False,
        ),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("dead_stock_days", sa.Integer(), nullable=False),
        sa.Column("units_moved", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unmet_need", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("total_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("shipments", sa.Integer(), nullable=False),
        sa.Column("solve_ms", sa.Integer(), nullable=False),
        sa.Column("unmet", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed','accepted','discarded')", name=op.f("ck_rebalance_plan_status_valid")
        ),
        sa.ForeignKeyConstraint(["scope_id"], ["location.id"], name=op.f("fk_rebalance_plan_scope_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebalance_plan")),
        sa.UniqueConstraint("number", name=op.f("uq_rebalance_plan_number")),
    )
    op.create_table(
        "work_order",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "number",
            sa.String(length=20),
            server_default=sa.text("'WO-' || lpad(nextval('work_order_number_seq')::text, 6, '0')"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("vehicle_make", sa.String(length=80), nullable=False),
        sa.Column("vehicle_model", sa.String(length=120), nullable=False),
        sa.Column("vehicle_year", sa.SmallInteger(), nullable=True),
        sa.Column("fault_description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('open','in_progress','completed','cancelled')", name=op.f("ck_work_order_status_valid")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["location.id"], name=op.f("fk_work_order_store_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("external_id", name=op.f("uq_work_order_external_id")),
        sa.UniqueConstraint("number", name=op.f("uq_work_order_number")),
    )
    op.create_index("ix_work_order_store_status", "work_order", ["store_id", "status"], unique=False)
    op.create_table(
        "transfer_order",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "number",
            sa.String(length=20),
            server_default=sa.text("'TO-' || lpad(nextval('transfer_order_number_seq')::text, 6, '0')"),
            nullable=False,
        ),
        sa.Column("from_site_id", sa.Integer(), nullable=False),
        sa.Column("to_site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("shipping_closed", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("rebalance_plan_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested','approved','rejected','partially_shipped','shipped','partially_received',"
            "'received','cancelled')",
            name=op.f("ck_transfer_order_status_valid"),
        ),
        sa.CheckConstraint("from_site_id <> to_site_id", name=op.f("ck_transfer_order_distinct_sites")),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["location.id"], name=op.f("fk_transfer_order_from_site_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["rebalance_plan_id"],
            ["rebalance_plan.id"],
            name=op.f("fk_transfer_order_rebalance_plan_id_rebalance_plan"),
        ),
        sa.ForeignKeyConstraint(["to_site_id"], ["location.id"], name=op.f("fk_transfer_order_to_site_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_order")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_transfer_order_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_transfer_order_number")),
    )
    op.create_index("ix_transfer_order_from_status", "transfer_order", ["from_site_id", "status"], unique=False)
    op.create_index(op.f("ix_transfer_order_rebalance_plan_id"), "transfer_order", ["rebalance_plan_id"], unique=False)
    op.create_index("ix_transfer_order_to_status", "transfer_order", ["to_site_id", "status"], unique=False)
    op.create_table(
        "work_order_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("picked", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("issued", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("returned", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.CheckConstraint(
            "picked >= 0 AND issued >= 0 AND returned >= 0", name=op.f("ck_work_order_line_progress_non_negative")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_order_line_quantity_positive")),
        sa.CheckConstraint("returned <= issued", name=op.f("ck_work_order_line_returned_within_issued")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_work_order_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_order_line_work_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_line")),
        sa.UniqueConstraint("work_order_id", "line_no", name=op.f("uq_work_order_line_work_order_id")),
        sa.UniqueConstraint("work_order_id", "part_id", name="uq_work_order_line_part"),
    )
    op.create_index(op.f("ix_work_order_line_work_order_id"), "work_order_line", ["work_order_id"], unique=False)
    op.create_table(
        "rebalance_lane",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("from_site_id", sa.Integer(), nullable=False),
        sa.Column("to_site_id", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=10, scale=1), nullable=False),
        sa.Column("daily_run", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("fixed_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("variable_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_order_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["location.id"], name=op.f("fk_rebalance_lane_from_site_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["rebalance_plan.id"],
            name=op.f("fk_rebalance_lane_plan_id_rebalance_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["to_site_id"], ["location.id"], name=op.f("fk_rebalance_lane_to_site_id_location")),
        sa.ForeignKeyConstraint(
            ["transfer_order_id"],
            ["transfer_order.id"],
            name=op.f("fk_rebalance_lane_transfer_order_id_transfer_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebalance_lane")),
    )
    op.create_index(op.f("ix_rebalance_lane_plan_id"), "rebalance_lane", ["plan_id"], unique=False)
    op.create_table(
        "transfer_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("transfer_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("shipped", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("received", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("discrepancy", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_transfer_line_quantity_positive")),
        sa.CheckConstraint(
            "received >= 0 AND discrepancy >= 0 AND received + discrepancy <= shipped",
            name=op.f("ck_transfer_line_arrived"),
        ),
        sa.CheckConstraint("shipped >= 0 AND shipped <= quantity", name=op.f("ck_transfer_line_shipped_range")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_transfer_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["transfer_order_id"],
            ["transfer_order.id"],
            name=op.f("fk_transfer_line_transfer_order_id_transfer_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_line")),
        sa.UniqueConstraint("transfer_order_id", "line_no", name=op.f("uq_transfer_line_transfer_order_id")),
        sa.UniqueConstraint("transfer_order_id", "part_id", name="uq_transfer_line_part"),
    )
    op.create_index(op.f("ix_transfer_line_transfer_order_id"), "transfer_line", ["transfer_order_id"], unique=False)
    op.create_table(
        "transfer_shipment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("transfer_order_id", sa.BigInteger(), nullable=False),
        sa.Column("shipment_no", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ship_key", sa.String(length=200), nullable=True),
        sa.Column("receive_key", sa.String(length=200), nullable=True),
        sa.Column("ship_posting_id", sa.BigInteger(), nullable=False),
        sa.Column("receive_posting_id", sa.BigInteger(), nullable=True),
        sa.Column("shipped_by", sa.String(length=200), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receive_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('in_transit','received')", name=op.f("ck_transfer_shipment_status_valid")),
        sa.ForeignKeyConstraint(
            ["receive_posting_id"],
            ["stock_posting.id"],
            name=op.f("fk_transfer_shipment_receive_posting_id_stock_posting"),
        ),
        sa.ForeignKeyConstraint(
            ["ship_posting_id"], ["stock_posting.id"], name=op.f("fk_transfer_shipment_ship_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_order_id"],
            ["transfer_order.id"],
            name=op.f("fk_transfer_shipment_transfer_order_id_transfer_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_shipment")),
        sa.UniqueConstraint("transfer_order_id", "receive_key", name="uq_transfer_shipment_receive_key"),
        sa.UniqueConstraint("transfer_order_id", "ship_key", name="uq_transfer_shipment_ship_key"),
        sa.UniqueConstraint("transfer_order_id", "shipment_no", name=op.f("uq_transfer_shipment_transfer_order_id")),
    )
    op.create_index(
        op.f("ix_transfer_shipment_transfer_order_id"), "transfer_shipment", ["transfer_order_id"], unique=False
    )
    op.create_table(
        "work_order_pick",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("issued", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("issued >= 0 AND issued <= quantity", name=op.f("ck_work_order_pick_issued_range")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_order_pick_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["work_order_line.id"],
            name=op.f("fk_work_order_pick_line_id_work_order_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_work_order_pick_location_id_location")),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_order_pick_work_order_id_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_pick")),
        sa.UniqueConstraint("work_order_id", "idempotency_key", "lot_no", name="uq_work_order_pick_key"),
    )
    op.create_index(op.f("ix_work_order_pick_work_order_id"), "work_order_pick", ["work_order_id"], unique=False)
    op.create_table(
        "rebalance_plan_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("lane_id", sa.BigInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("cost_share", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("ordered_quantity", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.CheckConstraint("reason IN ('above_max','dead_stock')", name=op.f("ck_rebalance_plan_line_reason_valid")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_rebalance_plan_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["lane_id"],
            ["rebalance_lane.id"],
            name=op.f("fk_rebalance_plan_line_lane_id_rebalance_lane"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_rebalance_plan_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["rebalance_plan.id"],
            name=op.f("fk_rebalance_plan_line_plan_id_rebalance_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebalance_plan_line")),
    )
    op.create_index(op.f("ix_rebalance_plan_line_lane_id"), "rebalance_plan_line", ["lane_id"], unique=False)
    op.create_index(op.f("ix_rebalance_plan_line_plan_id"), "rebalance_plan_line", ["plan_id"], unique=False)
    op.create_table(
        "transfer_shipment_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("shipment_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("from_location_id", sa.Integer(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("received", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("discrepancy", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_transfer_shipment_line_quantity_positive")),
        sa.CheckConstraint(
            "received >= 0 AND received <= quantity", name=op.f("ck_transfer_shipment_line_received_range")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"], ["location.id"], name=op.f("fk_transfer_shipment_line_from_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["transfer_line.id"],
            name=op.f("fk_transfer_shipment_line_line_id_transfer_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_transfer_shipment_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["transfer_shipment.id"],
            name=op.f("fk_transfer_shipment_line_shipment_id_transfer_shipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_shipment_line")),
    )
    op.create_index(
        op.f("ix_transfer_shipment_line_shipment_id"), "transfer_shipment_line", ["shipment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_transfer_shipment_line_shipment_id"), table_name="transfer_shipment_line")
    op.drop_table("transfer_shipment_line")
    op.drop_index(op.f("ix_rebalance_plan_line_plan_id"), table_name="rebalance_plan_line")
    op.drop_index(op.f("ix_rebalance_plan_line_lane_id"), table_name="rebalance_plan_line")
    op.drop_table("rebalance_plan_line")
    op.drop_index(op.f("ix_work_order_pick_work_order_id"), table_name="work_order_pick")
    op.drop_table("work_order_pick")
    op.drop_index(op.f("ix_transfer_shipment_transfer_order_id"), table_name="transfer_shipment")
    op.drop_table("transfer_shipment")
    op.drop_index(op.f("ix_transfer_line_transfer_order_id"), table_name="transfer_line")
    op.drop_table("transfer_line")
    op.drop_index(op.f("ix_rebalance_lane_plan_id"), table_name="rebalance_lane")
    op.drop_table("rebalance_lane")
    op.drop_index(op.f("ix_work_order_line_work_order_id"), table_name="work_order_line")
    op.drop_table("work_order_line")
    op.drop_index("ix_transfer_order_to_status", table_name="transfer_order")
    op.drop_index(op.f("ix_transfer_order_rebalance_plan_id"), table_name="transfer_order")
    op.drop_index("ix_transfer_order_from_status", table_name="transfer_order")
    op.drop_table("transfer_order")
    op.drop_index("ix_work_order_store_status", table_name="work_order")
    op.drop_table("work_order")
    op.drop_table("rebalance_plan")
    for sequence in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(sequence)))
