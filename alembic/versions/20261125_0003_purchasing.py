"""purchasing: orders, approvals, ship notices, receiving, QC, putaway, returns, three-way match; outbox

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    op.create_index(
        "ix_outbox_event_pending",
        "outbox_event",
        ["id"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index(op.f("ix_outbox_event_topic"), "outbox_event", ["topic"], unique=False)
    op.create_table(
        "purchasing_command",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_purchasing_command")),
    )
    op.create_table(
        "purchase_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("required_role", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("source IN ('manual','suggestion')", name=op.f("ck_purchase_order_source_valid")),
        sa.CheckConstraint(
            "status IN ('draft','submitted','approved','sent','partially_received','received','closed','cancelled')",
            name=op.f("ck_purchase_order_status_valid"),
        ),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_purchase_order_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_order_number")),
    )
    op.create_index("ix_purchase_order_supplier_status", "purchase_order", ["supplier_id", "status"], unique=False)
    op.create_table(
        "ship_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=120), nullable=True),
        sa.Column("tracking_number", sa.String(length=120), nullable=True),
        sa.Column("shipped_on", sa.Date(), nullable=True),
        sa.Column("expected_arrival", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("source IN ('portal','api','manual')", name=op.f("ck_ship_notice_source_valid")),
        sa.CheckConstraint("status IN ('open','received','cancelled')", name=op.f("ck_ship_notice_status_valid")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_ship_notice_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_notice")),
        sa.UniqueConstraint("label", name=op.f("uq_ship_notice_label")),
        sa.UniqueConstraint("supplier_id", "number", name=op.f("uq_ship_notice_supplier_id")),
    )
    op.create_index(op.f("ix_ship_notice_supplier_id"), "ship_notice", ["supplier_id"], unique=False)
    op.create_table(
        "purchase_order_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("required_role", sa.String(length=32), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_purchase_order_approval_purchase_order_id_purchase_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_approval")),
    )
    op.create_index(
        op.f("ix_purchase_order_approval_purchase_order_id"),
        "purchase_order_approval",
        ["purchase_order_id"],
        unique=False,
    )
    op.create_table(
        "purchase_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("destination_location_id", sa.Integer(), nullable=False),
        sa.Column("destination_site_id", sa.Integer(), nullable=False),
        sa.Column("shipped_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("received_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("rejected_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_short", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_line_quantity_positive")),
        sa.CheckConstraint(
            "shipped_qty >= 0 AND received_qty >= 0 AND rejected_qty >= 0 AND rejected_qty <= received_qty",
            name=op.f("ck_purchase_order_line_progress_valid"),
        ),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_purchase_order_line_unit_price_non_negative")),
        sa.ForeignKeyConstraint(
            ["destination_location_id"],
            ["location.id"],
            name=op.f("fk_purchase_order_line_destination_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_site_id"], ["location.id"], name=op.f("fk_purchase_order_line_destination_site_id_location")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_purchase_order_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_purchase_order_line_purchase_order_id_purchase_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_line")),
        sa.UniqueConstraint("purchase_order_id", "line_no", name=op.f("uq_purchase_order_line_purchase_order_id")),
    )
    op.create_index(
        "ix_purchase_order_line_part_site", "purchase_order_line", ["part_id", "destination_site_id"], unique=False
    )
    op.create_table(
        "receiving_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("qc_location_id", sa.Integer(), nullable=False),
        sa.Column("ship_notice_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_receiving_session_status_valid")),
        sa.ForeignKeyConstraint(
            ["qc_location_id"], ["location.id"], name=op.f("fk_receiving_session_qc_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["ship_notice_id"], ["ship_notice.id"], name=op.f("fk_receiving_session_ship_notice_id_ship_notice")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["location.id"], name=op.f("fk_receiving_session_site_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiving_session")),
        sa.UniqueConstraint("number", name=op.f("uq_receiving_session_number")),
    )
    op.create_index(op.f("ix_receiving_session_site_id"), "receiving_session", ["site_id"], unique=False)
    op.create_table(
        "return_to_vendor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["stock_posting.id"], name=op.f("fk_return_to_vendor_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_return_to_vendor_purchase_order_id_purchase_order"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_return_to_vendor_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_to_vendor")),
        sa.UniqueConstraint("number", name=op.f("uq_return_to_vendor_number")),
    )
    op.create_index(
        op.f("ix_return_to_vendor_purchase_order_id"), "return_to_vendor", ["purchase_order_id"], unique=False
    )
    op.create_index(op.f("ix_return_to_vendor_supplier_id"), "return_to_vendor", ["supplier_id"], unique=False)
    op.create_table(
        "match_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ordered_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("shipped_qty", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("received_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("accepted_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("order_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("shipped_price", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("invoice_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("invoice_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('released','exception','disputed')", name=op.f("ck_match_result_status_valid")),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["purchase_order_line.id"], name=op.f("fk_match_result_po_line_id_purchase_order_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_result")),
        sa.UniqueConstraint("po_line_id", name=op.f("uq_match_result_po_line_id")),
    )
    op.create_table(
        "ship_notice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ship_notice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("received_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("short_closed", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity > 0 AND received_qty >= 0", name=op.f("ck_ship_notice_line_quantities_valid")),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["purchase_order_line.id"], name=op.f("fk_ship_notice_line_po_line_id_purchase_order_line")
        ),
        sa.ForeignKeyConstraint(
            ["ship_notice_id"],
            ["ship_notice.id"],
            name=op.f("fk_ship_notice_line_ship_notice_id_ship_notice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_notice_line")),
        sa.UniqueConstraint("label", name=op.f("uq_ship_notice_line_label")),
        sa.UniqueConstraint("ship_notice_id", "line_no", name=op.f("uq_ship_notice_line_ship_notice_id")),
    )
    op.create_index(op.f("ix_ship_notice_line_po_line_id"), "ship_notice_line", ["po_line_id"], unique=False)
    op.create_table(
        "receipt_scan",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_code", sa.String(length=40), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("po_line_id", sa.Integer(), nullable=True),
        sa.Column("ship_notice_line_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('posted','held','attached','accepted','discarded','backordered','closed_short')",
            name=op.f("ck_receipt_scan_status_valid"),
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_receipt_scan_part_id_part")),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["purchase_order_line.id"], name=op.f("fk_receipt_scan_po_line_id_purchase_order_line")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["receiving_session.id"], name=op.f("fk_receipt_scan_session_id_receiving_session")
        ),
        sa.ForeignKeyConstraint(
            ["ship_notice_line_id"],
            ["ship_notice_line.id"],
            name=op.f("fk_receipt_scan_ship_notice_line_id_ship_notice_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_scan")),
    )
    op.create_index(
        "ix_receipt_scan_held", "receipt_scan", ["status"], unique=False, postgresql_where=sa.text("status = 'held'")
    )
    op.create_index("ix_receipt_scan_session", "receipt_scan", ["session_id", "id"], unique=False)
    op.create_table(
        "receipt_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("scan_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("ship_notice_line_id", sa.Integer(), nullable=True),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("qc_location_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("accepted_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("rejected_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("put_away_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "accepted_qty >= 0 AND rejected_qty >= 0 AND accepted_qty + rejected_qty <= quantity",
            name=op.f("ck_receipt_line_qc_range"),
        ),
        sa.CheckConstraint(
            "put_away_qty >= 0 AND put_away_qty <= accepted_qty", name=op.f("ck_receipt_line_putaway_range")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_receipt_line_quantity_positive")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_receipt_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["purchase_order_line.id"], name=op.f("fk_receipt_line_po_line_id_purchase_order_line")
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["stock_posting.id"], name=op.f("fk_receipt_line_posting_id_stock_posting")
        ),
        sa.ForeignKeyConstraint(
            ["qc_location_id"], ["location.id"], name=op.f("fk_receipt_line_qc_location_id_location")
        ),
        sa.ForeignKeyConstraint(["scan_id"], ["receipt_scan.id"], name=op.f("fk_receipt_line_scan_id_receipt_scan")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["receiving_session.id"], name=op.f("fk_receipt_line_session_id_receiving_session")
        ),
        sa.ForeignKeyConstraint(
            ["ship_notice_line_id"],
            ["ship_notice_line.id"],
            name=op.f("fk_receipt_line_ship_notice_line_id_ship_notice_line"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["location.id"], name=op.f("fk_receipt_line_site_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_line")),
    )
    op.create_index(op.f("ix_receipt_line_po_line_id"), "receipt_line", ["po_line_id"], unique=False)
    op.create_index(op.f("ix_receipt_line_scan_id"), "receipt_line", ["scan_id"], unique=False)
    op.create_index(op.f("ix_receipt_line_session_id"), "receipt_line", ["session_id"], unique=False)
    op.create_table(
        "putaway",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("receipt_line_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_putaway_quantity_positive")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_putaway_location_id_location")),
        sa.ForeignKeyConstraint(["posting_id"], ["stock_posting.id"], name=op.f("fk_putaway_posting_id_stock_posting")),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"], ["receipt_line.id"], name=op.f("fk_putaway_receipt_line_id_receipt_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_putaway")),
    )
    op.create_index(op.f("ix_putaway_receipt_line_id"), "putaway", ["receipt_line_id"], unique=False)
    op.create_table(
        "qc_inspection",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("receipt_line_id", sa.BigInteger(), nullable=False),
        sa.Column("accepted_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("rejected_qty", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"], ["receipt_line.id"], name=op.f("fk_qc_inspection_receipt_line_id_receipt_line")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["return_to_vendor.id"], name=op.f("fk_qc_inspection_return_id_return_to_vendor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_inspection")),
    )
    op.create_index(op.f("ix_qc_inspection_receipt_line_id"), "qc_inspection", ["receipt_line_id"], unique=False)
    op.create_table(
        "return_to_vendor_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.BigInteger(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("stock_unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_return_to_vendor_line_part_id_part")),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"], ["receipt_line.id"], name=op.f("fk_return_to_vendor_line_receipt_line_id_receipt_line")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["return_to_vendor.id"],
            name=op.f("fk_return_to_vendor_line_return_id_return_to_vendor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_to_vendor_line")),
    )
    op.create_index(op.f("ix_return_to_vendor_line_return_id"), "return_to_vendor_line", ["return_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_return_to_vendor_line_return_id"), table_name="return_to_vendor_line")
    op.drop_table("return_to_vendor_line")
    op.drop_index(op.f("ix_qc_inspection_receipt_line_id"), table_name="qc_inspection")
    op.drop_table("qc_inspection")
    op.drop_index(op.f("ix_putaway_receipt_line_id"), table_name="putaway")
    op.drop_table("putaway")
    op.drop_index(op.f("ix_receipt_line_session_id"), table_name="receipt_line")
    op.drop_index(op.f("ix_receipt_line_scan_id"), table_name="receipt_line")
    op.drop_index(op.f("ix_receipt_line_po_line_id"), table_name="receipt_line")
    op.drop_table("receipt_line")
    op.drop_index("ix_receipt_scan_session", table_name="receipt_scan")
    op.drop_index("ix_receipt_scan_held", table_name="receipt_scan", postgresql_where=sa.text("status = 'held'"))
    op.drop_table("receipt_scan")
    op.drop_index(op.f("ix_ship_notice_line_po_line_id"), table_name="ship_notice_line")
    op.drop_table("ship_notice_line")
    op.drop_table("match_result")
    op.drop_index(op.f("ix_return_to_vendor_supplier_id"), table_name="return_to_vendor")
    op.drop_index(op.f("ix_return_to_vendor_purchase_order_id"), table_name="return_to_vendor")
    op.drop_table("return_to_vendor")
    op.drop_index(op.f("ix_receiving_session_site_id"), table_name="receiving_session")
    op.drop_table("receiving_session")
    op.drop_index("ix_purchase_order_line_part_site", table_name="purchase_order_line")
    op.drop_table("purchase_order_line")
    op.drop_index(op.f("ix_purchase_order_approval_purchase_order_id"), table_name="purchase_order_approval")
    op.drop_table("purchase_order_approval")
    op.drop_index(op.f("ix_ship_notice_supplier_id"), table_name="ship_notice")
    op.drop_table("ship_notice")
    op.drop_index("ix_purchase_order_supplier_status", table_name="purchase_order")
    op.drop_table("purchase_order")
    op.drop_table("purchasing_command")
    op.drop_index(op.f("ix_outbox_event_topic"), table_name="outbox_event")
    op.drop_index(
        "ix_outbox_event_pending", table_name="outbox_event", postgresql_where=sa.text("dispatched_at IS NULL")
    )
    op.drop_table("outbox_event")
