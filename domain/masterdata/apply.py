"""Writing the staged rows, set-based: one INSERT ... SELECT ... ON CONFLICT per table.

Upserts by natural key, so re-importing an export changes nothing. Columns the file does not have
keep their current values on existing rows (new rows get the column default): a price file need
not repeat every name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.masterdata.checks import STAGE


@dataclass(frozen=True)
class Target:
    column: str  # column of the target table
    expr: str  # SQL over the FROM clause (stage alias s)
    source: str | None  # the file column it comes from; None = always written


async def upsert(
    session: AsyncSession,
    table: str,
    conflict: Sequence[str],
    targets: Sequence[Target],
    from_sql: str,
    present: frozenset[str],
    touch: str | None = None,
) -> dict[str, int]:
    """Insert new rows and update the present columns of existing ones; counts both."""
    columns = ", ".join(t.column for t in targets)
    exprs = ", ".join(t.expr for t in targets)
    updates = [f"{t.column} = excluded.{t.column}" for t in targets if t.source is None or t.source in present]
    updates = [u for u in updates if u.split(" = ")[0] not in conflict]
    if touch:
        updates.append(f"{touch} = now()")
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    sql = f"""
        WITH up AS (
            INSERT INTO {table} ({columns}) SELECT {exprs} FROM {from_sql}
            ON CONFLICT ({", ".join(conflict)}) {action}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up
    """
    row = (await session.execute(text(sql))).one()
    return {"inserted": row.inserted, "updated": row.updated}


def _t(column: str, expr: str | None = None, source: str | None = "") -> Target:
    """A target fed by the file column of the same name unless told otherwise."""
    return Target(column, expr or f"s.{column}", column if source == "" else source)


async def apply_suppliers(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    counts = await upsert(
        session,
        "supplier",
        ["code"],
        [
            _t("code"),
            _t("name_zh"),
            _t("name_en"),
            _t("city"),
            _t("lead_time_days_mean"),
            _t("lead_time_days_std"),
            _t("on_time_rate"),
            _t("active"),
        ],
        f"{STAGE} s ORDER BY s.row_no",
        present,
    )
    if "contact_name" in present:
        # The first contact of each supplier is "the" contact of the file.
        await session.execute(
            text(
                f"""
                WITH first AS (SELECT DISTINCT ON (supplier_id) id, supplier_id FROM supplier_contact
                                ORDER BY supplier_id, id)
                UPDATE supplier_contact c
                   SET name = s.contact_name, phone = s.contact_phone, email = s.contact_email, role = s.contact_role
                  FROM {STAGE} s JOIN supplier sp ON sp.code = s.code JOIN first f ON f.supplier_id = sp.id
                 WHERE c.id = f.id AND s.contact_name IS NOT NULL
                """
            )
        )
        added = await session.execute(
            text(
                f"""
                INSERT INTO supplier_contact (supplier_id, name, phone, email, role)
                SELECT sp.id, s.contact_name, s.contact_phone, s.contact_email, s.contact_role
                  FROM {STAGE} s JOIN supplier sp ON sp.code = s.code
                 WHERE s.contact_name IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM supplier_contact c WHERE c.supplier_id = sp.id)
                """
            )
        )
        counts["contacts_added"] = added.rowcount or 0  # type: ignore[attr-defined]
    return counts


_PART_FROM = f"""{STAGE} s LEFT JOIN supplier ps ON ps.code = s.primary_supplier_code
                   LEFT JOIN supplier bs ON bs.code = s.backup_supplier_code"""


async def apply_parts(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    counts = await upsert(
        session,
        "part",
        ["code"],
        [
            _t("code"),
            _t("barcode"),
            _t("name_zh"),
            _t("name_en"),
            _t("category"),
            _t("spec"),
            _t("uom"),
            _t("uom_precision"),
            _t("photo_url"),
            _t("manual_url"),
            _t("purchase_price"),
            _t("sale_price"),
            _t("currency"),
            _t("costing_method"),
            Target("avg_cost", "0", "__never__"),
            _t("abc_class"),
            Target("abc_manual", "s.abc_class IS NOT NULL", "abc_class"),
            Target("primary_supplier_id", "ps.id", "primary_supplier_code"),
            Target("backup_supplier_id", "bs.id", "backup_supplier_code"),
            _t("lead_time_days"),
            _t("moq"),
            _t("pack_size"),
            _t("active"),
        ],
        _PART_FROM,
        present,
        touch="updated_at",
    )
    if "superseded_by" in present:
        await session.execute(
            text(
                f"""
                UPDATE part SET superseded_by_id = t.id
                  FROM {STAGE} s LEFT JOIN part t ON t.code = s.superseded_by
                 WHERE part.code = s.code AND part.superseded_by_id IS DISTINCT FROM t.id
                """
            )
        )
    if "aliases" in present:
        await session.execute(
            text(f"DELETE FROM part_alias a USING {STAGE} s JOIN part p ON p.code = s.code WHERE a.part_id = p.id")
        )
        added = await session.execute(
            text(
                f"""
                INSERT INTO part_alias (part_id, alias)
                SELECT p.id, x.alias FROM {STAGE} s JOIN part p ON p.code = s.code
                 CROSS JOIN LATERAL unnest(s.aliases) WITH ORDINALITY AS x(alias, n)
                 ORDER BY s.row_no, x.n
                ON CONFLICT DO NOTHING
                """
            )
        )
        counts["aliases"] = added.rowcount or 0  # type: ignore[attr-defined]
    if "substitutes" in present:
        # A part's list is authoritative for it, in both directions (pairs are stored both ways).
        await session.execute(
            text(
                f"""
                DELETE FROM part_substitute x USING {STAGE} s JOIN part p ON p.code = s.code
                 WHERE x.part_id = p.id OR x.substitute_id = p.id
                """
            )
        )
        added = await session.execute(
            text(
                f"""
                INSERT INTO part_substitute (part_id, substitute_id)
                SELECT DISTINCT a, b FROM (
                    SELECT p.id AS a, q.id AS b FROM {STAGE} s JOIN part p ON p.code = s.code
                      CROSS JOIN LATERAL unnest(s.substitutes) AS x(code) JOIN part q ON q.code = x.code
                    UNION ALL
                    SELECT q.id, p.id FROM {STAGE} s JOIN part p ON p.code = s.code
                      CROSS JOIN LATERAL unnest(s.substitutes) AS x(code) JOIN part q ON q.code = x.code
                ) pairs WHERE a <> b
                ON CONFLICT DO NOTHING
                """
            )
        )
        counts["substitute_pairs"] = added.rowcount or 0  # type: ignore[attr-defined]
    return counts


async def apply_supplier_parts(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    return await upsert(
        session,
        "supplier_part",
        ["supplier_id", "part_id"],
        [
            Target("supplier_id", "sp.id", None),
            Target("part_id", "p.id", None),
            _t("supplier_part_no"),
            _t("unit_price"),
            _t("lead_time_days"),
            _t("moq"),
            _t("pack_size"),
        ],
        f"{STAGE} s JOIN supplier sp ON sp.code = s.supplier_code JOIN part p ON p.code = s.part_code",
        present,
    )


async def apply_stock_policies(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    return await upsert(
        session,
        "part_location_policy",
        ["part_id", "location_id"],
        [
            Target("part_id", "p.id", None),
            Target("location_id", "l.id", None),
            _t("safety_stock"),
            _t("reorder_point"),
            _t("max_stock"),
            Target("source", "'import'", None),
        ],
        f"{STAGE} s JOIN part p ON p.code = s.part_code JOIN location l ON l.code = s.location_code",
        present,
        touch="updated_at",
    )


async def apply_synonyms(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    return await upsert(
        session, "synonym_term", ["group_no", "term"], [_t("group_no"), _t("term")], f"{STAGE} s", present
    )


async def apply_dms_part_map(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    return await upsert(
        session,
        "dms_part_map",
        ["dms_part_no"],
        [_t("dms_part_no"), Target("part_id", "p.id", None)],
        f"{STAGE} s JOIN part p ON p.code = s.part_code",
        present,
        touch="updated_at",
    )


async def apply_prices(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    """Empty cells keep the current price; a supplier price creates the supplier-part offer if new."""
    parts = await session.execute(
        text(
            f"""
            UPDATE part p SET purchase_price = coalesce(s.purchase_price, p.purchase_price),
                              sale_price = coalesce(s.sale_price, p.sale_price), updated_at = now()
              FROM {STAGE} s
             WHERE p.code = s.part_code AND (s.purchase_price IS NOT NULL OR s.sale_price IS NOT NULL)
            """
        )
    )
    offers = await session.execute(
        text(
            f"""
            INSERT INTO supplier_part (supplier_id, part_id, unit_price)
            SELECT sp.id, p.id, s.supplier_unit_price
              FROM {STAGE} s JOIN supplier sp ON sp.code = s.supplier_code JOIN part p ON p.code = s.part_code
             WHERE s.supplier_unit_price IS NOT NULL
            ON CONFLICT (supplier_id, part_id) DO UPDATE SET unit_price = excluded.unit_price
            """
        )
    )
    return {
        "parts_repriced": parts.rowcount or 0,  # type: ignore[attr-defined]
        "supplier_prices": offers.rowcount or 0,  # type: ignore[attr-defined]
    }


async def apply_demand_history(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    added = await session.execute(
        text(
            f"""
            INSERT INTO demand_event (part_id, location_id, occurred_on, quantity, filled, source)
            SELECT p.id, l.id, s.occurred_on, s.quantity, coalesce(s.filled, s.quantity), 'import'
              FROM {STAGE} s JOIN part p ON p.code = s.part_code JOIN location l ON l.code = s.location_code
             ORDER BY p.id, l.id, s.occurred_on
            """
        )
    )
    return {"inserted": added.rowcount or 0}  # type: ignore[attr-defined]
