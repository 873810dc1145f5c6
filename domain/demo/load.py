"""Load the generated demo company into an empty database.

Master data and history go in with COPY (seconds for millions of rows); the opening stock goes
through the ledger service like every other stock change, as one posting from the adjustment
location with its value."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.demo.specs import DemoDataset
from domain.demo.vmi import load_vmi_agreements
from domain.principal import Principal
from domain.stock import ledger

Progress = Callable[[str, float], None]
STEPS = ("organisation", "catalog", "policies", "demand history", "opening stock")


async def database_is_empty(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        return (await session.execute(text("SELECT NOT EXISTS (SELECT 1 FROM location)"))).scalar_one()


async def _copy(session: AsyncSession, table: str, columns: list[str], records: Iterable[tuple[Any, ...]]) -> None:
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    await raw.copy_records_to_table(table, records=list(records), columns=columns)  # type: ignore[union-attr]


async def _copy_csv(session: AsyncSession, table: str, columns: list[str], csv: str) -> None:
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    await raw.copy_to_table(  # type: ignore[union-attr]
        table, source=io.BytesIO(csv.encode()), columns=columns, format="csv"
    )


async def _reset_sequence(session: AsyncSession, table: str) -> None:
    await session.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}")
    )


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 4)))


async def load_demo(
    sessions: async_sessionmaker[AsyncSession], data: DemoDataset, progress: Progress | None = None
) -> dict[str, int]:
    """Load everything in one transaction: a failed load leaves the database empty."""
    report = progress or (lambda step, share: None)
    counts: dict[str, int] = {}
    async with sessions() as session, session.begin():
        # Organisation.
        loc_ids = {spec.code: n + 1 for n, spec in enumerate(data.locations)}
        paths: dict[str, str] = {}
        sites: dict[str, int | None] = {}
        rows = []
        for spec in data.locations:
            parent = spec.parent_code
            paths[spec.code] = spec.code if parent is None else f"{paths[parent]}/{spec.code}"
            if spec.kind in ("store", "warehouse"):
                sites[spec.code] = loc_ids[spec.code]
            else:
                sites[spec.code] = sites.get(parent) if parent else None
            rows.append(
                (
                    loc_ids[spec.code],
                    spec.code,
                    spec.name_zh,
                    spec.name_en,
                    spec.kind,
                    spec.virtual_kind,
                    loc_ids[parent] if parent else None,
                    sites[spec.code] if spec.kind != "virtual" else None,
                    paths[spec.code],
                    spec.city,
                    spec.latitude,
                    spec.longitude,
                    spec.address,
                    spec.bin_capacity,
                    True,
                )
            )
        await _copy(
            session,
            "location",
            [
                "id",
                "code",
                "name_zh",
                "name_en",
                "kind",
                "virtual_kind",
                "parent_id",
                "site_id",
                "path",
                "city",
                "latitude",
                "longitude",
                "address",
                "bin_capacity",
                "active",
            ],
            rows,
        )
        await _copy(
            session,
            "site_distance",
            ["from_site_id", "to_site_id", "km"],
            [
                pair
                for a, b, km in data.distances
                for pair in (
                    (loc_ids[a], loc_ids[b], Decimal(str(round(km, 1)))),
                    (loc_ids[b], loc_ids[a], Decimal(str(round(km, 1)))),
                )
            ],
        )
        await _reset_sequence(session, "location")
        counts["locations"] = len(rows)
        report("organisation", 1.0)

        # Catalog.
        sup_ids = {s.code: n + 1 for n, s in enumerate(data.suppliers)}
        await _copy(
            session,
            "supplier",
            [
                "id",
                "code",
                "name_zh",
                "name_en",
                "city",
                "lead_time_days_mean",
                "lead_time_days_std",
                "on_time_rate",
                "active",
            ],
            [
                (
                    sup_ids[s.code],
                    s.code,
                    s.name_zh,
                    s.name_en,
                    s.city,
                    _money(s.lead_time_days_mean),
                    _money(s.lead_time_days_std),
                    _money(s.on_time_rate),
                    True,
                )
                for s in data.suppliers
            ],
        )
        await _copy(
            session,
            "supplier_contact",
            ["supplier_id", "name", "phone", "email", "role"],
            [(sup_ids[s.code], s.contact_name, s.contact_phone, s.contact_email, "sales") for s in data.suppliers],
        )
        await _copy(
            session,
            "vehicle_model",
            ["id", "make", "model", "year_from", "year_to", "engine"],
            [(n + 1, v.make, v.model, v.year_from, v.year_to, v.engine) for n, v in enumerate(data.vehicle_models)],
        )
        part_ids = {p.code: n + 1 for n, p in enumerate(data.parts)}
        await _copy(
            session,
            "part",
            [
                "id",
                "code",
                "barcode",
                "name_zh",
                "name_en",
                "category",
                "spec",
                "uom",
                "uom_precision",
                "photo_url",
                "manual_url",
                "purchase_price",
                "sale_price",
                "currency",
                "costing_method",
                "avg_cost",
                "abc_class",
                "abc_manual",
                "primary_supplier_id",
                "backup_supplier_id",
                "lead_time_days",
                "moq",
                "pack_size",
                "superseded_by_id",
                "active",
            ],
            [
                (
                    part_ids[p.code],
                    p.code,
                    p.barcode,
                    p.name_zh,
                    p.name_en,
                    p.category,
                    p.spec,
                    p.uom,
                    p.uom_precision,
                    p.photo_url,
                    p.manual_url,
                    p.purchase_price,
                    p.sale_price,
                    "CNY",
                    p.costing_method,
                    Decimal(0),
                    p.abc_class,
                    True,
                    sup_ids[p.primary_supplier_code],
                    sup_ids.get(p.backup_supplier_code) if p.backup_supplier_code else None,
                    p.lead_time_days,
                    p.moq,
                    p.pack_size,
                    part_ids.get(p.superseded_by) if p.superseded_by else None,
                    True,
                )
                for p in data.parts
            ],
        )
        await _copy(
            session,
            "part_alias",
            ["part_id", "alias"],
            [(part_ids[p.code], alias) for p in data.parts for alias in dict.fromkeys(p.aliases)],
        )
        await _copy(
            session,
            "synonym_term",
            ["group_no", "term"],
            [(n + 1, term) for n, group in enumerate(data.synonyms) for term in dict.fromkeys(group)],
        )
        await _copy(
            session,
            "part_fitment",
            ["part_id", "vehicle_model_id"],
            [(part_ids[p.code], i + 1) for p in data.parts for i in sorted(set(p.fitment))],
        )
        await _copy(
            session,
            "part_substitute",
            ["part_id", "substitute_id"],
            sorted({(part_ids[p.code], part_ids[s]) for p in data.parts for s in p.substitutes if s in part_ids}),
        )
        await _copy(
            session,
            "supplier_part",
            [
                "supplier_id",
                "part_id",
                "supplier_part_no",
                "unit_price",
                "lead_time_days",
                "moq",
                "pack_size",
            ],
            [
                (
                    sup_ids[p.primary_supplier_code],
                    part_ids[p.code],
                    f"{p.primary_supplier_code}-{p.code}",
                    p.purchase_price,
                    p.lead_time_days,
                    p.moq,
                    p.pack_size,
                )
                for p in data.parts
            ],
        )
        for table in ("supplier", "supplier_contact", "vehicle_model", "part", "part_alias", "synonym_term"):
            await _reset_sequence(session, table)
        counts["parts"] = len(data.parts)
        report("catalog", 1.0)

        # Per part × site policies (today's "gut feeling" values; planning replaces them).
        site_ids = [loc_ids[code] for code in data.site_codes]
        n_parts = len(data.parts)
        pi, si = np.nonzero(np.ones((n_parts, len(site_ids)), dtype=bool))
        await _copy(
            session,
            "part_location_policy",
            ["part_id", "location_id", "safety_stock", "reorder_point", "max_stock", "source"],
            zip(
                (pi + 1).tolist(),
                [site_ids[s] for s in si.tolist()],
                [Decimal(str(v)) for v in np.round(data.safety_stock[pi, si], 6).tolist()],
                [Decimal(str(v)) for v in np.round(data.reorder_point[pi, si], 6).tolist()],
                [Decimal(str(v)) for v in np.round(data.max_stock[pi, si], 6).tolist()],
                ["manual"] * len(pi),
                strict=True,
            ),
        )
        counts["policies"] = len(pi)
        report("policies", 1.0)

        # Demand history as events: millions of rows, so COPY in CSV text, which PostgreSQL parses
        # far faster than Python can build typed records.
        day_text = [
            (data.start_date + timedelta(days=d)).isoformat() for d in range(int(data.demand_day.max(initial=0)) + 1)
        ]
        quantities = np.round(data.demand_quantity, 6).tolist()
        site_of = [site_ids[s] for s in range(len(site_ids))]
        order = np.lexsort((data.demand_day, data.demand_site, data.demand_part))
        csv = "\n".join(
            f"{p},{site_of[s]},{day_text[d]},{q:g},{q:g},history"
            for p, s, d, q in zip(
                (data.demand_part[order] + 1).tolist(),
                data.demand_site[order].tolist(),
                data.demand_day[order].tolist(),
                np.asarray(quantities)[order].tolist(),
                strict=True,
            )
        )
        # Bulk-load recipe from the PostgreSQL manual: load, then build the index in one pass.
        await session.execute(text("DROP INDEX ix_demand_event_part_location_day"))
        await _copy_csv(
            session, "demand_event", ["part_id", "location_id", "occurred_on", "quantity", "filled", "source"], csv
        )
        await session.execute(
            text("CREATE INDEX ix_demand_event_part_location_day ON demand_event (part_id, location_id, occurred_on)")
        )
        counts["demand_events"] = len(quantities)
        report("demand history", 1.0)

        # Opening stock: through the ledger, valued, with lots.
        adjustment = next(loc_ids[s.code] for s in data.locations if s.virtual_kind == "adjustment")
        received = data.stock_received_on.astype("datetime64[D]").astype(object).tolist()
        expiry = data.stock_expiry.astype("datetime64[D]")
        expiry_list = [None if np.isnat(e) else e.astype(object) for e in expiry]
        lines = [
            ledger.MoveLine(
                part_id=int(p) + 1,
                from_location_id=adjustment,
                to_location_id=loc_ids[data.locations[int(loc)].code],
                quantity=Decimal(str(q)),
                lot_no=lot,
                unit_cost=Decimal(str(round(c, 4))),
                received_on=r,
                expiry_date=e,
            )
            for p, loc, lot, q, c, r, e in zip(
                data.stock_part.tolist(),
                data.stock_location.tolist(),
                data.stock_lot,
                np.round(data.stock_quantity, 6).tolist(),
                data.stock_unit_cost.tolist(),
                received,
                expiry_list,
                strict=True,
            )
        ]
        result = await ledger.post(
            session,
            Principal.system("demo"),
            ledger.Posting(
                doc_type="opening_balance",
                lines=lines,
                reason="demo opening stock",
                idempotency_key="demo-opening-stock",
            ),
        )
        counts["opening_moves"] = len(result.moves)
        counts["vmi_agreements"] = await load_vmi_agreements(session)
        report("opening stock", 1.0)
    return counts
