"""consignment ownership: a location may hold stock owned by a supplier

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-25 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("location", sa.Column("owner_supplier_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_location_owner_supplier_id_supplier"), "location", "supplier", ["owner_supplier_id"], ["id"]
    )
    op.create_index(op.f("ix_location_owner_supplier_id"), "location", ["owner_supplier_id"])
    op.create_check_constraint(
        op.f("ck_location_virtual_not_owned"), "location", "owner_supplier_id IS NULL OR kind <> 'virtual'"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_location_virtual_not_owned"), "location", type_="check")
    op.drop_index(op.f("ix_location_owner_supplier_id"), table_name="location")
    op.drop_constraint(op.f("fk_location_owner_supplier_id_supplier"), "location", type_="foreignkey")
    op.drop_column("location", "owner_supplier_id")
