"""Turn data sources (the demo dataset, a monthly demand CSV) into simulator inputs.

The simulator counts whole units; parts sold in fractions (coolant in litres with one decimal) are
simulated in their smallest unit (0.1 L), with cost, MOQ and pack size scaled to match, so nothing is
rounded away.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from domain.planning.demand_profile import DemandHistory
from domain.planning.planners import ImsPlanner, NaivePlanner, Planner, SeriesInfo
from domain.planning.simulate import SimulationResult, simulate

if TYPE_CHECKING:
    from domain.demo.specs import DemoDataset

IntArray = NDArray[np.int64]

CSV_LEAD_TIME_MEAN = 14.0
CSV_LEAD_TIME_STD = 4.0
CSV_ON_TIME_RATE = 0.9
"""A bare demand file has no supplier data: a typical domestic supplier is assumed."""


@dataclass(frozen=True)
class SimInputs:
    """Everything :func:`domain.planning.simulate.simulate` needs, plus labels for reports.

    ``opening_stock`` is the stock at day 0 when ``warmup`` is set (the old routine is simulated up
    to the replay start), else the stock at the replay start.
    """

    demand: DemandHistory
    start_date: date
    info: SeriesInfo
    opening_stock: IntArray
    naive: NaivePlanner
    warmup: bool
    labels: list[str]

    @property
    def n_days(self) -> int:
        return self.demand.n_days

    def replay_start(self, months: int) -> int:
        """Day index where the last ``months`` calendar months of the data begin (at least day 1)."""
        end = self.start_date + timedelta(days=self.n_days)
        y, m = divmod(end.year * 12 + end.month - 1 - months, 12)
        first = date(y, m + 1, min(end.day, calendar.monthrange(y, m + 1)[1]))
        return max(1, (first - self.start_date).days)


def read_monthly_csv(path: str | Path) -> tuple[list[str], list[tuple[int, int]], NDArray[np.float64]]:
    """Long-format ``series_id,period,quantity`` file into ids, (year, month)s and an (n, months) matrix.

    Validation is :func:`integrations.demand_csv.read_demand_csv`'s; integer period indices are taken
    as consecutive months starting January 2000 (a bare index carries no calendar).
    """
    from integrations.demand_csv import read_demand_csv

    data = read_demand_csv(path, fill_missing=True)
    if all("-" in p for p in data.periods):
        months = [(int(p[:4]), int(p[5:7])) for p in data.periods]
    else:
        months = [(2000 + k // 12, k % 12 + 1) for k in range(len(data.periods))]
    return data.ids, months, np.asarray(data.Y, dtype=np.float64)


def spread_monthly(monthly: NDArray[np.float64], months: list[tuple[int, int]], seed: int = 0) -> NDArray[np.int32]:
    """Daily demand: each unit of a month lands on a uniformly random day of it (fixed seed).

    Quantities are rounded to whole units; a monthly file has no finer information about timing.
    """
    rng = np.random.default_rng(seed)
    lengths = [((date(y + m // 12, m % 12 + 1, 1)) - date(y, m, 1)).days for y, m in months]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out = np.zeros((monthly.shape[0], int(offsets[-1])), dtype=np.int32)
    units = np.rint(np.maximum(monthly, 0)).astype(np.int64)
    for k, days in enumerate(lengths):
        col = units[:, k]
        rows = np.repeat(np.arange(col.size), col)
        day = rng.integers(0, days, size=rows.size) + offsets[k]
        np.add.at(out, (rows, day), 1)
    return out


def from_monthly_csv(path: str | Path, seed: int = 0, months_replay: int = 12) -> SimInputs:
    """Inputs for a demand file: unit cost 1 (values are in units), a typical supplier, and an
    opening shelf set the way the manual routine would have set it from the warm-up history."""
    ids, months, mat = read_monthly_csv(path)
    daily = DemandHistory.from_dense(spread_monthly(mat, months, seed))
    n = len(ids)
    info = SeriesInfo.build(np.ones(n), CSV_LEAD_TIME_MEAN, CSV_LEAD_TIME_STD, CSV_ON_TIME_RATE)
    start = date(months[0][0], months[0][1], 1)
    tmp = SimInputs(daily, start, info, np.zeros(n, np.int64), NaivePlanner(), False, ids)
    day = tmp.replay_start(months_replay)
    naive = NaivePlanner()
    shelf = naive.plan(daily.until(day), start + timedelta(days=day), start, info)
    assert shelf.max_stock is not None
    frozen = NaivePlanner(shelf.reorder_point, shelf.order_qty)
    return SimInputs(daily, start, info, shelf.max_stock.astype(np.int64), frozen, False, ids)


def run_policies(
    inputs: SimInputs,
    months: int,
    policies: Iterable[str] = ("ims", "naive"),
    ims: ImsPlanner | None = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, SimulationResult]:
    """Replay the last ``months`` under each policy with the same demand and lead-time seed."""
    start = inputs.replay_start(months)
    out: dict[str, SimulationResult] = {}
    for name in policies:
        planner: Planner = (ims or ImsPlanner()) if name == "ims" else inputs.naive
        cb = None if progress is None else partial(progress, name)
        out[name] = simulate(
            inputs.demand,
            planner,
            info=inputs.info,
            start_day=start,
            start_date=inputs.start_date,
            opening_stock=inputs.opening_stock,
            warmup=inputs.naive if inputs.warmup else None,
            seed=seed,
            progress=cb,
        )
    return out


def from_demo(ds: DemoDataset) -> SimInputs:
    """Series are (part, site) for the 25 stores and the warehouse, in part-major order.

    The demo's stock snapshot (as of ``ds.today``) is taken as the stock at the replay start: it is
    the state the manual routine produces, and the only stock record there is. Fractional units
    (litres to 0.1) are simulated in their smallest unit; the supplier's std and on-time rate and
    the part's lead time drive deliveries; the gut-feeling reorder points and max stocks drive the
    naive routine (order max - reorder point when on hand falls below the reorder point).
    """
    from domain.demo.org import STORE_REGION

    n_parts, n_sites = ds.reorder_point.shape
    n_stores = n_sites - 1
    n = n_parts * n_sites
    scale = 10.0 ** np.array([p.uom_precision for p in ds.parts])
    price = np.array([float(p.purchase_price) for p in ds.parts])
    sup = {s.code: s for s in ds.suppliers}
    lt_mean = np.array([float(p.lead_time_days) for p in ds.parts])
    lt_std = np.array([sup[p.primary_supplier_code].lead_time_days_std for p in ds.parts])
    on_time = np.array([sup[p.primary_supplier_code].on_time_rate for p in ds.parts])
    moq = np.array([p.moq for p in ds.parts]) * scale
    pack = np.array([p.pack_size for p in ds.parts]) * scale
    part = np.repeat(np.arange(n_parts), n_sites)
    site = np.tile(np.arange(n_sites), n_parts)
    region = np.append(np.asarray(STORE_REGION), 3)
    info = SeriesInfo(
        unit_cost=(price / scale)[part],
        lead_time_mean=lt_mean[part],
        lead_time_std=lt_std[part],
        on_time_rate=on_time[part],
        moq=np.rint(moq[part]).astype(np.int64),
        pack_size=np.rint(pack[part]).astype(np.int64),
        warehouse=np.where(site < n_stores, part * n_sites + n_stores, -1),
        group=part * 4 + region[site],
    )
    n_days = (ds.today - ds.start_date).days
    dp = np.asarray(ds.demand_part, np.int64)
    demand = DemandHistory.from_events(
        n, n_days, dp * n_sites + np.asarray(ds.demand_site), ds.demand_day, ds.demand_quantity * scale[dp]
    )
    codes = [loc.code for loc in ds.locations]
    site_of = {c: k for k, c in enumerate(ds.site_codes)}
    loc_site = np.array([site_of.get(c, n_stores if c.startswith("WH") else -1) for c in codes])
    sp = np.asarray(ds.stock_part, np.int64)
    ss = loc_site[np.asarray(ds.stock_location)]
    ok = ss >= 0
    opening = np.zeros(n)
    np.add.at(opening, sp[ok] * n_sites + ss[ok], np.asarray(ds.stock_quantity)[ok] * scale[sp[ok]])
    rop = np.rint(ds.reorder_point * scale[:, None]).astype(np.int64).ravel()
    qty = np.rint((ds.max_stock - ds.reorder_point) * scale[:, None]).astype(np.int64).ravel()
    labels = [f"{p.code}@{c}" for p in ds.parts for c in ds.site_codes]
    naive = NaivePlanner(rop, np.maximum(qty, 1))
    return SimInputs(demand, ds.start_date, info, np.rint(opening).astype(np.int64), naive, False, labels)
