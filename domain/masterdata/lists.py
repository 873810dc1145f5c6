"""Codes from the database offered as drop-down lists in templates (capped: Excel lists of tens of
thousands of items are unusable, and a code typed by hand is still validated on import)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.masterdata.kinds import ImportKind

CAP = 5000
_SUPPLIERS = "SELECT code FROM supplier WHERE active ORDER BY code"
_PARTS = "SELECT code FROM part WHERE active ORDER BY code"
_SITES = "SELECT code FROM location WHERE active AND kind IN ('store','warehouse') ORDER BY path"
_PHYSICAL = "SELECT code FROM location WHERE active AND kind IN ('store','warehouse','zone','bin') ORDER BY path"
_PARENTS = "SELECT code FROM location WHERE active AND kind <> 'virtual' AND kind <> 'bin' ORDER BY path"
_CATEGORIES = "SELECT DISTINCT category FROM part ORDER BY category"

_LISTS: dict[ImportKind, dict[str, str]] = {
    ImportKind.LOCATIONS: {"parent_code": _PARENTS},
    ImportKind.USERS: {"location_code": _PARENTS, "supplier_code": _SUPPLIERS},
    ImportKind.PARTS: {
        "category": _CATEGORIES,
        "primary_supplier_code": _SUPPLIERS,
        "backup_supplier_code": _SUPPLIERS,
    },
    ImportKind.SUPPLIER_PARTS: {"supplier_code": _SUPPLIERS, "part_code": _PARTS},
    ImportKind.STOCK_POLICIES: {"part_code": _PARTS, "location_code": _SITES},
    ImportKind.DMS_PART_MAP: {"part_code": _PARTS},
    ImportKind.PRICES: {"part_code": _PARTS, "supplier_code": _SUPPLIERS},
    ImportKind.OPENING_STOCK: {"part_code": _PARTS, "location_code": _PHYSICAL},
    ImportKind.DEMAND_HISTORY: {"part_code": _PARTS, "location_code": _SITES},
}


async def reference_lists(session: AsyncSession, kind: ImportKind) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for column, sql in _LISTS.get(kind, {}).items():
        rows = await session.execute(text(f"{sql} LIMIT {CAP}"))
        lists[column] = [row[0] for row in rows]
    return lists
