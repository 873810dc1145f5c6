"""What of the catalog a principal sees. A supplier principal (user or client) sees the parts it
supplies — as primary or backup supplier or through a supplier-part row — and its own supplier
record; everybody else with catalog access sees everything. The stock read paths use the same
predicate (`part_sql`), so a supplier sees stock of exactly the parts it sees."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_

from domain.catalog.models import Part, Supplier, SupplierPart
from domain.identity.policy import Permission, can
from domain.principal import Principal


def can_read(principal: Principal | None) -> bool:
    """None is a trusted internal caller (jobs, importers) that sees everything."""
    return principal is None or can(principal, Permission.CATALOG_READ)


def part_clause(principal: Principal | None) -> ColumnElement[bool] | None:
    """A WHERE clause on `Part` for the principal, or None when it sees every part."""
    if principal is None or principal.supplier_id is None:
        return None
    sid = principal.supplier_id
    return or_(
        Part.primary_supplier_id == sid,
        Part.backup_supplier_id == sid,
        exists().where(SupplierPart.part_id == Part.id, SupplierPart.supplier_id == sid),
    )


def part_sql(principal: Principal | None, part_id_column: str) -> tuple[str, dict[str, object]]:
    """The same predicate as `part_clause`, as an SQL fragment for hand-written statements."""
    if principal is None or principal.supplier_id is None:
        return "", {}
    fragment = f"""
        AND EXISTS (SELECT 1 FROM part vp WHERE vp.id = {part_id_column}
                      AND (vp.primary_supplier_id = :visible_supplier OR vp.backup_supplier_id = :visible_supplier
                           OR EXISTS (SELECT 1 FROM supplier_part vsp
                                       WHERE vsp.part_id = vp.id AND vsp.supplier_id = :visible_supplier)))"""
    return fragment, {"visible_supplier": principal.supplier_id}


def supplier_clause(principal: Principal | None) -> ColumnElement[bool] | None:
    if principal is None or principal.supplier_id is None:
        return None
    return Supplier.id == principal.supplier_id
