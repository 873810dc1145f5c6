"""Building blocks shared by the reports: the sites in scope, consumption per part and month from
the demand history, and stock per part from the state query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.policy import Site, visible_sites
from domain.analytics.settings import business_today
from domain.analytics.state import UNIT_COST, state_sql
from domain.principal import Principal

CENT = Decimal("0.01")


def money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


async def sites_in_scope(session: AsyncSession, principal: Principal, location_code: str | None) -> list[Site]:
    return await visible_sites(session, principal, location_code)


@dataclass(frozen=True)
class Consumption:
    """Per part over the last `months` complete months (parts in `part_ids` order)."""

    part_ids: np.ndarray
    monthly_qty: np.ndarray  # (parts × months) quantity demanded
    filled_qty: np.ndarray  # (parts,) quantity issued
    unit_cost: np.ndarray  # (parts,)
    start: date
    end: date

    @property
    def annual_value(self) -> np.ndarray:
        months = self.monthly_qty.shape[1] if self.monthly_qty.ndim == 2 else 12
        return self.filled_qty * self.unit_cost * (12 / max(months, 1))

    def index(self) -> dict[int, int]:
        return {int(p): i for i, p in enumerate(self.part_ids.tolist())}


async def consumption(session: AsyncSession, site_ids: list[int], months: int) -> Consumption:
    """Consumption is what the demand history says was served (`filled`); variability is measured
    on what was asked (`quantity`), since a stockout hides demand but not the request."""
    end = month_start(business_today())
    start = month_start(end, months)
    parts = await session.execute(text(f"SELECT p.id, {UNIT_COST} AS cost FROM part p WHERE p.active ORDER BY p.id"))
    part_rows = list(parts)
    ids = np.array([r.id for r in part_rows], dtype=np.int64)
    cost = np.array([float(r.cost or 0) for r in part_rows])
    pos = {int(p): i for i, p in enumerate(ids.tolist())}
    monthly = np.zeros((len(ids), months))
    filled = np.zeros(len(ids))
    rows = await session.execute(
        text(
            """
            SELECT part_id, (extract(year FROM occurred_on) * 12 + extract(month FROM occurred_on))::int AS m,
                   sum(quantity)::float8 AS q, sum(filled)::float8 AS f
              FROM demand_event
             WHERE occurred_on >= :start AND occurred_on < :end AND location_id = ANY(CAST(:sites AS int[]))
             GROUP BY 1, 2
            """
        ),
        {"start": start, "end": end, "sites": site_ids},
    )
    base = start.year * 12 + start.month
    for r in rows:
        i = pos.get(r.part_id)
        if i is None:
            continue
        monthly[i, r.m - base] += r.q
        filled[i] += r.f
    return Consumption(ids, monthly, filled, cost, start, end)


@dataclass(frozen=True)
class PartStock:
    on_hand: Decimal
    value: Decimal
    stockouts: int


async def stock_by_part(session: AsyncSession, site_ids: list[int]) -> dict[int, PartStock]:
    rows = await session.execute(
        text(
            f"""
            WITH st AS ({state_sql(pairs=False)})
            SELECT part_id, sum(on_hand) AS on_hand, round(sum(value), 2) AS value,
                   count(*) FILTER (WHERE (reorder_point > 0 OR safety_stock > 0) AND available <= 0) AS stockouts
              FROM st GROUP BY part_id
            """
        ),
        {"sites": site_ids},
    )
    return {r.part_id: PartStock(Decimal(r.on_hand), Decimal(r.value), int(r.stockouts)) for r in rows}


async def parts_info(session: AsyncSession) -> dict[int, tuple[str, str, str, str | None, bool]]:
    """id → (code, Chinese name, category, ABC class, manual flag)."""
    rows = await session.execute(text("SELECT id, code, name_zh, category, abc_class, abc_manual FROM part"))
    return {r.id: (r.code, r.name_zh, r.category, r.abc_class, r.abc_manual) for r in rows}


async def tables_present(session: AsyncSession, *names: str) -> bool:
    rows = await session.execute(
        text("SELECT count(*) FROM unnest(CAST(:n AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"),
        {"n": list(names)},
    )
    return rows.scalar_one() == len(names)
