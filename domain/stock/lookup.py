"""The cross-store lookup in one statement: a part by its code with its stock at every location.

`part(code) { ... stock { ... } }` is the call that replaces twenty phone calls, and the hottest
read of the API. Read as two queries (the part, then its stock through the DataLoader) it costs two
sessions, two round trips and an ORM object; here the part row and its stock rows come back
together, prepared once per connection. Visibility is the same as `catalog.part_by_code` followed
by `stock_levels_for_parts`: the catalog policy (`can_read`, `part_sql`) decides whether the part
exists for the principal, the stock policy which locations' stock it sees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.policy import can_read, part_sql
from domain.db import Reader, fetch_rows
from domain.principal import Principal
from domain.stock.policy import can_read_stock, visible_path_filter
from domain.stock.service import STOCK_COLUMNS, StockLevel, levels_by_part


@dataclass(frozen=True, slots=True)
class PartRow:
    """The master data of a part as the API shows it (the attributes of `catalog.models.Part`)."""

    id: int
    code: str
    barcode: str | None
    name_zh: str
    name_en: str
    category: str
    spec: str | None
    uom: str
    uom_precision: int
    photo_url: str | None
    manual_url: str | None
    purchase_price: Decimal
    sale_price: Decimal
    currency: str
    costing_method: str
    avg_cost: Decimal
    abc_class: str | None
    lead_time_days: int
    moq: int
    pack_size: int
    active: bool
    primary_supplier_id: int | None
    backup_supplier_id: int | None
    superseded_by_id: int | None


_PART_COLUMNS = ", ".join(f"p.{name}" for name in PartRow.__dataclass_fields__)
_WIDTH = len(PartRow.__dataclass_fields__)

_PART = f"SELECT {_PART_COLUMNS} FROM part p WHERE p.code = :code {{part_scope}}"

# The part once, then its stock rows, so the part's columns are not repeated (and decoded) on every
# row. Sorted like `stock_levels_for_parts`: location code, received date (none first), lot.
_STOCK_NAMES = [column.strip() for column in STOCK_COLUMNS.split(",")]
_NULL_PART = ", ".join("NULL" for _ in PartRow.__dataclass_fields__)
_NULL_STOCK = ", ".join("NULL" for _ in _STOCK_NAMES)


def _position(column: str) -> int:
    return 2 + _WIDTH + _STOCK_NAMES.index(column)


_PART_WITH_STOCK = f"""
    SELECT 0 AS k, {_PART_COLUMNS}, {_NULL_STOCK}
      FROM part p WHERE p.code = :code {{part_scope}}
    UNION ALL
    SELECT 1, {_NULL_PART}, {STOCK_COLUMNS}
      FROM part p
      JOIN stock_balance b ON b.part_id = p.id AND b.on_hand > 0
      JOIN location loc ON loc.id = b.location_id
      LEFT JOIN lot l ON l.part_id = b.part_id AND l.lot_no = b.lot_no
     WHERE p.code = :code {{part_scope}} {{stock_scope}}
     ORDER BY 1, {_position("loc.code")}, {_position("l.received_on")} NULLS FIRST, {_position("b.lot_no")}
"""


@dataclass(frozen=True)
class PartStock:
    part: PartRow
    # None when the principal may not read stock (the caller then shows none, as the loader would).
    levels: list[StockLevel] | None


async def part_with_stock(session: Reader, principal: Principal, code: str) -> PartStock | None:
    """The part with this code and its stock per location (only locations holding stock, in location
    code order, lots FEFO), or None for an unknown part or one the principal may not see."""
    if not can_read(principal):
        return None
    part_scope, params = part_sql(principal, "p.id")
    params = {**params, "code": code.strip().upper()}
    if not can_read_stock(principal):
        rows = await fetch_rows(session, _PART.format(part_scope=part_scope), params)
        return PartStock(PartRow(*rows[0][:_WIDTH]), None) if rows else None
    stock_scope, scope_params = visible_path_filter(principal, "loc.path")
    statement = _PART_WITH_STOCK.format(part_scope=part_scope, stock_scope=stock_scope)
    rows = await fetch_rows(session, statement, {**params, **scope_params})
    if not rows or rows[0][0] != 0:
        return None
    part = PartRow(*rows[0][1 : _WIDTH + 1])
    return PartStock(part, levels_by_part(rows[1:], offset=_WIDTH + 1).get(part.id, []))
