"""Export every master-data kind (in its import layout, so export → import round-trips) and stock.

Rows are streamed from a server-side cursor: exporting millions of demand events holds one batch
in memory. Location-scoped principals get only their subtree's stock and demand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.masterdata.columns import LIST_SEPARATOR
from domain.masterdata.kinds import ImportKind, spec_for
from domain.masterdata.policy import ensure_can_export
from domain.principal import Principal
from domain.quantities import tidy
from domain.settings import get_settings

STOCK = "stock"
EXPORT_KINDS = (*(k.value for k in ImportKind), STOCK)
_STOCK_COLUMNS = (
    "part_code",
    "name_zh",
    "name_en",
    "location_code",
    "lot_no",
    "on_hand",
    "reserved",
    "available",
    "unit_cost",
    "value",
    "uom",
)
_SCOPE = "(CAST(:paths AS text[]) IS NULL OR EXISTS (SELECT 1 FROM unnest(CAST(:paths AS text[])) r(p) WHERE {path} = r.p OR {path} LIKE r.p || '/%'))"  # noqa: E501
_LISTS = "array_to_string(ARRAY({sql}), '" + LIST_SEPARATOR + " ')"

_QUERIES: dict[str, str] = {
    "locations": """
        SELECT l.code, l.name_zh, l.name_en, l.kind, p.code, l.virtual_kind, l.city, l.latitude, l.longitude,
               l.address, l.bin_capacity, l.active
          FROM location l LEFT JOIN location p ON p.id = l.parent_id
         WHERE """
    + _SCOPE.format(path="l.path")
    + " ORDER BY l.path",
    "users": """
        SELECT u.username, u.display_name, ra.role, l.code, s.code, u.active
          FROM app_user u JOIN role_assignment ra ON ra.user_id = u.id
          LEFT JOIN location l ON l.id = ra.location_id LEFT JOIN supplier s ON s.id = u.supplier_id
         ORDER BY u.username, ra.id""",
    "suppliers": """
        SELECT s.code, s.name_zh, s.name_en, s.city, s.lead_time_days_mean, s.lead_time_days_std, s.on_time_rate,
               s.active, c.name, c.phone, c.email, c.role
          FROM supplier s LEFT JOIN LATERAL (SELECT * FROM supplier_contact c WHERE c.supplier_id = s.id
                                              ORDER BY c.id LIMIT 1) c ON true
         ORDER BY s.code""",
    "parts": """
        SELECT p.code, p.barcode, p.name_zh, p.name_en, p.category, p.spec, p.uom, p.uom_precision, p.photo_url,
               p.manual_url, p.purchase_price, p.sale_price, p.currency, p.costing_method, p.abc_class,
               ps.code, bs.code, p.lead_time_days, p.moq, p.pack_size, sb.code, """
    + _LISTS.format(
        sql="SELECT q.code FROM part_substitute x JOIN part q ON q.id = x.substitute_id"
        " WHERE x.part_id = p.id ORDER BY q.code"
    )
    + ", "
    + _LISTS.format(sql="SELECT a.alias FROM part_alias a WHERE a.part_id = p.id ORDER BY a.id")
    + """, p.active
          FROM part p LEFT JOIN supplier ps ON ps.id = p.primary_supplier_id
          LEFT JOIN supplier bs ON bs.id = p.backup_supplier_id LEFT JOIN part sb ON sb.id = p.superseded_by_id
         ORDER BY p.code""",
    "supplier_parts": """
        SELECT s.code, p.code, sp.supplier_part_no, sp.unit_price, sp.lead_time_days, sp.moq, sp.pack_size
          FROM supplier_part sp JOIN supplier s ON s.id = sp.supplier_id JOIN part p ON p.id = sp.part_id
         ORDER BY s.code, p.code""",
    "stock_policies": """
        SELECT p.code, l.code, x.safety_stock, x.reorder_point, x.max_stock
          FROM part_location_policy x JOIN part p ON p.id = x.part_id JOIN location l ON l.id = x.location_id
         WHERE """
    + _SCOPE.format(path="l.path")
    + " ORDER BY p.code, l.code",
    "synonyms": "SELECT group_no, term FROM synonym_term ORDER BY group_no, id",
    "dms_part_map": """
        SELECT m.dms_part_no, p.code FROM dms_part_map m JOIN part p ON p.id = m.part_id ORDER BY m.dms_part_no""",
    "prices": """
        SELECT p.code, p.purchase_price, p.sale_price, s.code, sp.unit_price
          FROM part p LEFT JOIN supplier s ON s.id = p.primary_supplier_id
          LEFT JOIN supplier_part sp ON sp.supplier_id = p.primary_supplier_id AND sp.part_id = p.id
         ORDER BY p.code""",
    "opening_stock": """
        SELECT p.code, l.code, b.lot_no, b.on_hand,
               CASE WHEN p.costing_method = 'fifo' AND lt.unit_cost IS NOT NULL THEN lt.unit_cost ELSE p.avg_cost END,
               lt.received_on, lt.expiry_date
          FROM stock_balance b JOIN part p ON p.id = b.part_id JOIN location l ON l.id = b.location_id
          LEFT JOIN lot lt ON lt.part_id = b.part_id AND lt.lot_no = b.lot_no AND b.lot_no <> ''
         WHERE b.on_hand > 0 AND """
    + _SCOPE.format(path="l.path")
    + " ORDER BY p.code, l.code, b.lot_no",
    "demand_history": """
        SELECT p.code, l.code, d.occurred_on, d.quantity, d.filled
          FROM demand_event d JOIN part p ON p.id = d.part_id JOIN location l ON l.id = d.location_id
         WHERE """
    + _SCOPE.format(path="l.path")
    + " ORDER BY d.part_id, d.location_id, d.occurred_on, d.id",
    STOCK: """
        SELECT p.code, p.name_zh, p.name_en, l.code, b.lot_no, b.on_hand, b.reserved, b.on_hand - b.reserved, c.cost,
               round(b.on_hand * c.cost, 2), p.uom
          FROM stock_balance b JOIN part p ON p.id = b.part_id JOIN location l ON l.id = b.location_id
          LEFT JOIN lot lt ON lt.part_id = b.part_id AND lt.lot_no = b.lot_no AND b.lot_no <> ''
          CROSS JOIN LATERAL (SELECT CASE WHEN p.costing_method = 'fifo' AND lt.unit_cost IS NOT NULL
                                          THEN lt.unit_cost ELSE p.avg_cost END AS cost) c
         WHERE b.on_hand > 0 AND """
    + _SCOPE.format(path="l.path")
    + " ORDER BY p.code, l.code, b.lot_no",
}


@dataclass(frozen=True)
class ExportTable:
    kind: str
    columns: tuple[str, ...]
    rows: AsyncIterator[tuple[Any, ...]]


def export_columns(kind: str) -> tuple[str, ...]:
    if kind == STOCK:
        return _STOCK_COLUMNS
    return spec_for(ImportKind.parse(kind), get_settings().part_code_pattern).names


def _plain(value: Any) -> Any:
    """Storage padding off (180.0000 → 180), so a file reads like what was typed."""
    return tidy(value) if isinstance(value, Decimal) else value


async def export_table(session: AsyncSession, principal: Principal, kind: str, batch: int = 2000) -> ExportTable:
    """Check access and open the cursor; iterate `rows` inside the same session."""
    kind = kind.strip().lower().replace("-", "_")
    if kind not in _QUERIES:
        from domain.errors import DomainError, ErrorCode

        raise DomainError(ErrorCode.INVALID_INPUT, f"unknown export kind {kind!r}", ["kind"])
    ensure_can_export(principal, kind)
    params = {"paths": list(principal.location_paths) if principal.location_paths is not None else None}
    sql = _QUERIES[kind]
    result = await session.stream(text(sql), params if ":paths" in sql else {})

    async def rows() -> AsyncIterator[tuple[Any, ...]]:
        async for partition in result.partitions(batch):
            for row in partition:
                yield tuple(_plain(v) for v in row)

    return ExportTable(kind, export_columns(kind), rows())
