"""Checks across rows and against the database, run set-based on the staged file.

The valid rows of a file are COPYed into a temporary table (`ims_stage`, dropped at commit), so a
100,000-row file costs the importer flat memory and each check is one statement: duplicates by
window functions, references by anti-joins. Every query yields
(row_no, col, value, message, kind)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.masterdata.columns import ColumnType, ErrorKind
from domain.masterdata.kinds import ImportKind, KindSpec
from domain.masterdata.report import RowError

STAGE = "ims_stage"
_SQL_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.CODE: "text",
    ColumnType.CHOICE: "text",
    ColumnType.INT: "bigint",
    ColumnType.DECIMAL: "numeric",
    ColumnType.FLOAT: "float8",
    ColumnType.BOOL: "boolean",
    ColumnType.DATE: "date",
    ColumnType.LIST: "text[]",
}
PHYSICAL = "('store','warehouse','zone','bin')"
SITES = "('store','warehouse')"


async def create_stage(session: AsyncSession, spec: KindSpec) -> None:
    columns = ", ".join(f"{c.name} {_SQL_TYPES[c.type]}" for c in spec.columns)
    await session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    await session.execute(text(f"CREATE TEMP TABLE {STAGE} (row_no int PRIMARY KEY, {columns}) ON COMMIT DROP"))


async def copy_rows(session: AsyncSession, spec: KindSpec, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """COPY in binary: typed values go in without any text round trip."""
    if not rows:
        return
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    names = list(spec.names)
    records = [(row_no, *(values[n] for n in names)) for row_no, values in rows]
    await raw.copy_records_to_table(STAGE, records=records, columns=["row_no", *names])  # type: ignore[union-attr]


async def finish_stage(session: AsyncSession, spec: KindSpec) -> None:
    """Index the natural key and gather statistics so the checks and the apply plan well."""
    if spec.key:
        await session.execute(text(f"CREATE INDEX ON {STAGE} ({', '.join(spec.key)})"))
    await session.execute(text(f"ANALYZE {STAGE}"))


async def drop_rows(session: AsyncSession, rows: Sequence[int]) -> None:
    await session.execute(text(f"DELETE FROM {STAGE} WHERE row_no = ANY(:rows)"), {"rows": list(rows)})


def _duplicates(spec: KindSpec) -> list[str]:
    if not spec.key:
        return []
    keys = ", ".join("lower(term)" if k == "term" else k for k in spec.key)
    first = spec.key[0]
    return [
        f"""
        SELECT row_no, '{first}' AS col, {first}::text AS value, 'duplicate of row ' || first_row AS message,
               'duplicate' AS kind
          FROM (SELECT row_no, {", ".join(spec.key)}, min(row_no) OVER (PARTITION BY {keys}) AS first_row
                  FROM {STAGE}) d
         WHERE row_no <> first_row
        """
    ]


def _ref(col: str, exists_sql: str, what: str, also_in_file: str | None = None) -> str:
    """Rows whose `col` names nothing: not in the database (`exists_sql` over alias t) nor, when
    `also_in_file` is given, in the file's own `also_in_file` column."""
    in_file = f" AND NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.{also_in_file} = s.{col})" if also_in_file else ""
    return f"""
        SELECT s.row_no, '{col}' AS col, s.{col}::text AS value, 'no {what} ' || s.{col} AS message,
               'reference' AS kind
          FROM {STAGE} s
         WHERE s.{col} IS NOT NULL AND NOT EXISTS ({exists_sql}){in_file}
    """


def _part_ref(col: str = "part_code", active_only: bool = False) -> str:
    active = " AND t.active" if active_only else ""
    return _ref(col, f"SELECT 1 FROM part t WHERE t.code = s.{col}{active}", "active part" if active_only else "part")


def _supplier_ref(col: str) -> str:
    return _ref(col, f"SELECT 1 FROM supplier t WHERE t.code = s.{col}", "supplier")


def _location_kind(kinds: str, what: str) -> str:
    return f"""
        SELECT s.row_no, 'location_code' AS col, s.location_code AS value,
               CASE WHEN l.id IS NULL THEN 'no location ' || s.location_code
                    WHEN l.kind NOT IN {kinds} THEN s.location_code || ' is a ' || l.kind || ', not {what}'
                    ELSE s.location_code || ' is inactive' END AS message,
               CASE WHEN l.id IS NULL THEN 'reference' ELSE 'rule' END AS kind
          FROM {STAGE} s LEFT JOIN location l ON l.code = s.location_code
         WHERE l.id IS NULL OR l.kind NOT IN {kinds} OR NOT l.active
    """


def _precision(with_filled: bool) -> str:
    filled = " OR (s.filled IS NOT NULL AND s.filled <> round(s.filled, p.uom_precision))" if with_filled else ""
    return f"""
        SELECT s.row_no, 'quantity' AS col, s.quantity::text AS value,
               p.code || ' is counted in ' || p.uom || ' with at most ' || p.uom_precision || ' decimal place(s)'
                 AS message, 'precision' AS kind
          FROM {STAGE} s JOIN part p ON p.code = s.part_code
         WHERE s.quantity <> round(s.quantity, p.uom_precision){filled}
    """


def _queries(spec: KindSpec, present: frozenset[str]) -> list[str]:
    kind = spec.kind
    queries = _duplicates(spec)
    if kind is ImportKind.USERS:
        queries += [
            _ref("location_code", "SELECT 1 FROM location t WHERE t.code = s.location_code", "location"),
            _supplier_ref("supplier_code"),
        ]
    elif kind is ImportKind.PARTS:
        queries += [
            _supplier_ref("primary_supplier_code"),
            _supplier_ref("backup_supplier_code"),
            _ref("superseded_by", "SELECT 1 FROM part t WHERE t.code = s.superseded_by", "part", "code"),
            f"""
            SELECT s.row_no, 'substitutes' AS col, x.code AS value, 'no part ' || x.code AS message,
                   'reference' AS kind
              FROM {STAGE} s CROSS JOIN LATERAL unnest(s.substitutes) AS x(code)
             WHERE NOT EXISTS (SELECT 1 FROM part t WHERE t.code = x.code)
               AND NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.code = x.code)
            """,
            f"""
            SELECT row_no, 'barcode' AS col, barcode AS value, 'duplicate of row ' || first_row AS message,
                   'duplicate' AS kind
              FROM (SELECT row_no, barcode, min(row_no) OVER (PARTITION BY barcode) AS first_row
                      FROM {STAGE} WHERE barcode IS NOT NULL) d
             WHERE row_no <> first_row
            """,
            f"""
            SELECT s.row_no, 'barcode' AS col, s.barcode AS value,
                   'barcode already belongs to part ' || p.code AS message, 'conflict' AS kind
              FROM {STAGE} s JOIN part p ON p.barcode = s.barcode AND p.code <> s.code
             WHERE NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.code = p.code AND o.barcode IS DISTINCT FROM p.barcode)
            """,
        ]
        precision = " OR s.uom_precision < p.uom_precision" if "uom_precision" in present else ""
        queries.append(
            f"""
            SELECT s.row_no, 'uom' AS col, s.uom AS value,
                   p.code || ' already has stock movements in ' || p.uom || ' (precision ' || p.uom_precision
                     || '); its unit cannot change' AS message, 'conflict' AS kind
              FROM {STAGE} s JOIN part p ON p.code = s.code
             WHERE (p.uom <> s.uom{precision}) AND EXISTS (SELECT 1 FROM stock_move m WHERE m.part_id = p.id)
            """
        )
    elif kind is ImportKind.SUPPLIER_PARTS:
        queries += [_supplier_ref("supplier_code"), _part_ref()]
    elif kind is ImportKind.STOCK_POLICIES:
        queries += [_part_ref(), _location_kind(SITES, "a store or warehouse")]
    elif kind is ImportKind.DMS_PART_MAP:
        queries += [_part_ref()]
    elif kind is ImportKind.PRICES:
        queries += [_part_ref(), _supplier_ref("supplier_code")]
    elif kind is ImportKind.OPENING_STOCK:
        queries += [
            _part_ref(active_only=True),
            _location_kind(PHYSICAL, "a place that holds stock"),
            _precision(with_filled=False),
            f"""
            SELECT s.row_no, 'location_code' AS col, s.location_code AS value,
                   s.location_code || ' is frozen by count ' || l.frozen_by AS message, 'rule' AS kind
              FROM {STAGE} s JOIN location l ON l.code = s.location_code WHERE l.frozen_by IS NOT NULL
            """,
            f"""
            SELECT s.row_no, 'quantity' AS col, s.quantity::text AS value,
                   b.on_hand::text || ' already on hand here; opening stock loads empty places' AS message,
                   'conflict' AS kind
              FROM {STAGE} s JOIN part p ON p.code = s.part_code JOIN location l ON l.code = s.location_code
              JOIN stock_balance b ON b.part_id = p.id AND b.location_id = l.id AND b.lot_no = s.lot_no
             WHERE b.on_hand > 0
            """,
        ]
    elif kind is ImportKind.DEMAND_HISTORY:
        queries += [
            _part_ref(),
            _location_kind(SITES, "a store or warehouse"),
            _precision(with_filled=True),
            f"""
            SELECT row_no, 'occurred_on' AS col, occurred_on::text AS value, 'demand in the future' AS message,
                   'rule' AS kind
              FROM {STAGE} WHERE occurred_on > CAST(:today AS date)
            """,
        ]
    return queries


async def run_checks(session: AsyncSession, spec: KindSpec, present: frozenset[str]) -> list[RowError]:
    errors: list[RowError] = []
    for sql in _queries(spec, present):
        params = {"today": date.today()} if ":today" in sql else {}
        for row in await session.execute(text(sql), params):
            errors.append(RowError(row.row_no, row.col, row.value, row.message, ErrorKind(row.kind)))
    return errors


async def stage_total(session: AsyncSession) -> Decimal:
    """Σ quantity × unit cost of the staged opening stock, to the cent (finance's control figure)."""
    total = await session.execute(text(f"SELECT round(coalesce(sum(quantity * unit_cost), 0), 2) FROM {STAGE}"))
    return Decimal(total.scalar_one())
