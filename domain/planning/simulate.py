"""Day-by-day policy simulator: replays demand for every part-location at once.

Modelling choices (documented because the metrics depend on them):

* **Lost sales.** Demand a location cannot serve from stock on the day is lost, not backordered: a
  workshop customer either gets the part or the job goes elsewhere/is rebooked, and lost sales keep
  the stock equation simple (position = on hand + on order).
* **Daily sequence.** Receipts arrive at the start of day, then demand is served, then the review
  places orders. Lead times are drawn per order: ``round(Normal(mean, std))`` days (at least 1), and
  with probability ``1 - on_time_rate`` the delivery is late by a further 3-10 days (uniform).
* **Warehouse supply.** With ``Plan.via_warehouse`` a store's order is shipped from its warehouse's
  free stock (arriving after ``TRANSFER_DAYS``) and only the remainder is bought from the supplier;
  the warehouse then reviews its own position. Shipments are movements, not sales.
* **Routing.** A plan may route a store's demand to its warehouse (the part is not stocked locally);
  that demand is served from warehouse stock on the same day (the daily shuttle) or lost. When a
  series becomes routed its stock and open orders are moved to the warehouse.
* **Re-planning and go-live.** Planners see only the demand before the plan day; the IMS planner
  re-plans on the first of each month. On switching to a planner with ``clear_dead_stock``, opening
  stock that has not moved for ``dead_days`` and exceeds the new max stock is returned to the vendor
  or cleared (``cleared_dead_stock_value``); a plan with ``keep`` also returns live overstock once
  (``returned_excess_value``). A warehouse counts as moving when any of its stores sold the part.

Metrics (over the replay days only):

* ``fill_rate`` = units served / units demanded.
* ``cycle_service_level`` = share of replenishment cycles (receipt to next receipt at a stocking
  series) in which no demand was lost.
* ``stockout_rate`` = share of series-days with demand where the demand was not fully served.
* ``avg_inventory_value`` = mean end-of-day on-hand value at unit cost (in-transit excluded).
* ``turnover`` = annualised cost of goods issued / ``avg_inventory_value``.
* ``dead_stock_share`` = end-of-run value of stock at series with no issue in the last ``dead_days``
  / total end-of-run stock value.
* ``orders`` = order lines placed (a store order split between warehouse and supplier counts once).
* ``final_quarter_turnover`` = turnover over the last 91 days, once opening stock had time to work off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.planning.demand_profile import DemandHistory
from domain.planning.planners import ImsPlanner, NaivePlanner, Plan, Planner, SeriesInfo

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

LATE_DAYS = (3, 10)
TRANSFER_DAYS = 1
"""Warehouse-to-store shuttle time."""
PIPELINE_DAYS = 128
"""Ring-buffer length for open orders; lead times are capped one below it."""
DEAD_DAYS = 180
QUARTER_DAYS = 91
"""Window of ``final_quarter_turnover``: turnover once opening stock has had time to work off."""

METRIC_KEYS = (
    "fill_rate",
    "cycle_service_level",
    "stockout_rate",
    "avg_inventory_value",
    "turnover",
    "dead_stock_share",
    "orders",
    "cleared_dead_stock_value",
    "returned_excess_value",
    "final_quarter_turnover",
)


@dataclass(frozen=True)
class SimulationResult:
    """Aggregate metrics plus per-series stock flows (for audits such as unit conservation)."""

    policy: str
    days: int
    fill_rate: float
    cycle_service_level: float
    stockout_rate: float
    avg_inventory_value: float
    turnover: float
    dead_stock_share: float
    orders: int
    cleared_dead_stock_value: float
    returned_excess_value: float
    final_quarter_turnover: float
    transferred_value: float
    units_demanded: int
    units_served: int
    starting_stock: IntArray
    received: IntArray
    served: IntArray
    shipped: IntArray
    transferred: IntArray
    ending_stock: IntArray
    inventory_value: FloatArray
    order_log: NDArray[np.int32] | None = None

    def metrics(self) -> dict[str, float]:
        """Headline numbers as plain floats/ints for JSON."""
        out: dict[str, float] = {k: getattr(self, k) for k in METRIC_KEYS}
        out["orders"] = int(self.orders)
        out["transferred_value"] = self.transferred_value
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def _resolve(policy: str | Planner) -> Planner:
    if isinstance(policy, str):
        if policy == "ims":
            return ImsPlanner()
        if policy == "naive":
            return NaivePlanner()
        raise ValueError(f"unknown policy {policy!r}; use 'ims', 'naive' or a Planner")
    return policy


def draw_lead_times(rng: np.random.Generator, mean: FloatArray, std: FloatArray, on_time: FloatArray) -> IntArray:
    """Lead time per order: normal around the supplier mean, plus a 3-10 day delay when late."""
    base = np.rint(rng.normal(mean, std)).astype(np.int64)
    late = rng.random(mean.shape) > on_time
    delay = rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, size=mean.shape)
    return np.clip(np.maximum(base, 1) + late * delay, 1, PIPELINE_DAYS - 1)


def _decide(plan: Plan, cand: IntArray, on_hand: IntArray, on_order: IntArray) -> tuple[IntArray, IntArray]:
    """Which of ``cand`` order today, and how much, under the plan's trigger rule."""
    rop = plan.reorder_point[cand]
    if plan.trigger == "position":
        pos = on_hand[cand] + on_order[cand]
        hit = np.flatnonzero(pos <= rop)
        q = plan.order_qty[cand[hit]]
        return cand[hit], ((rop[hit] - pos[hit]) // np.maximum(q, 1) + 1) * q
    hit = np.flatnonzero((on_hand[cand] < rop) & (on_order[cand] == 0))
    return cand[hit], plan.order_qty[cand[hit]]


def _allocate(src: IntArray, want: IntArray, free: IntArray) -> IntArray:
    """Ship from each source's ``free`` stock to its requests in order until it runs out."""
    order = np.argsort(src, kind="stable")
    s, q = src[order], want[order]
    before = np.cumsum(q) - q
    first = np.r_[True, s[1:] != s[:-1]]
    before = before - np.maximum.accumulate(np.where(first, before, 0))
    ship = np.empty_like(q)
    ship[order] = np.clip(free[s] - before, 0, q)
    return ship


def simulate(
    demand: ArrayLike | DemandHistory,
    policy: str | Planner,
    *,
    unit_cost: ArrayLike | None = None,
    lead_time_mean: ArrayLike | None = None,
    lead_time_std: ArrayLike = 0.0,
    on_time_rate: ArrayLike = 1.0,
    info: SeriesInfo | None = None,
    start_day: int = 0,
    start_date: date = date(2024, 1, 1),
    opening_stock: ArrayLike | None = None,
    warmup: Planner | None = None,
    seed: int = 0,
    dead_days: int = DEAD_DAYS,
    progress: Callable[[int, int], None] | None = None,
    record_orders: bool = False,
) -> SimulationResult:
    """Replay ``demand`` ((n_series, n_days) units, or events; day 0 is ``start_date``) under ``policy``.

    Days before ``start_day`` are history. With ``warmup`` they are also simulated under that planner
    from ``opening_stock`` (the stock at day 0), so the replay starts from the stock the old routine
    left; without it ``opening_stock`` is the stock at ``start_day``. Metrics cover days from
    ``start_day`` on. ``info`` replaces the cost/lead-time arguments and adds ABC, MOQ, warehouses.

    Work per day is proportional to the day's demand events and receipts, not to the number of
    series; only re-plan days touch every series.
    """
    hist = demand if isinstance(demand, DemandHistory) else DemandHistory.from_dense(demand)
    n, total = hist.n_series, hist.n_days
    if info is None:
        if unit_cost is None or lead_time_mean is None:
            raise ValueError("pass unit_cost and lead_time_mean, or info")
        info = SeriesInfo.build(unit_cost, lead_time_mean, lead_time_std, on_time_rate)
    planner = _resolve(policy)
    first = 0 if warmup is not None else start_day
    cost = info.unit_cost.astype(np.float64)
    on_hand = np.zeros(n, np.int64) if opening_stock is None else np.asarray(opening_stock, np.int64).copy()
    on_order = np.zeros(n, np.int64)
    pipe = np.zeros((PIPELINE_DAYS, n), np.int32)
    idx = np.arange(n)
    wh = info.warehouse if info.warehouse is not None else np.full(n, -1, dtype=np.int64)
    bounds = hist.day_bounds()
    # Last issue before the first simulated day: the last recorded demand stands in for it.
    seen = np.full(n, -(10**9), np.int32)
    np.maximum.at(seen, hist.row[: bounds[first]], hist.day[: bounds[first]])
    stores = np.flatnonzero(wh >= 0)
    np.maximum.at(seen, wh[stores], seen[stores])  # a warehouse moves when its stores sell
    last_issue = seen.astype(np.int64)
    rng = np.random.default_rng(seed)
    days = total - start_day
    received = np.zeros(n, np.int64)
    served_tot = np.zeros(n, np.int64)
    shipped = np.zeros(n, np.int64)
    transferred = np.zeros(n, np.int64)
    inv_value = np.zeros(max(days, 0))
    order_log = np.zeros((n, max(days, 0)), np.int32) if record_orders else None
    had_short = np.zeros(n, dtype=bool)
    flag = np.zeros(n, dtype=bool)
    cycles = short_cycles = orders = 0
    dem_units = srv_units = dem_days = short_days = 0
    served_value = cleared_value = transferred_value = returned_value = 0.0
    cogs_day = np.zeros(max(days, 0))
    starting = on_hand.copy()
    plan: Plan | None = None
    active: Planner = warmup if warmup is not None and first < start_day else planner
    routed_idx = np.zeros(0, np.int64)
    holder = idx

    for t in range(first, total):
        today = start_date + timedelta(days=t)
        counting = t >= start_day
        check: IntArray | None = None  # None: every series is reviewed today (a new plan)
        if t == start_day:
            active = planner
        if plan is None or t == start_day or (active.replan_monthly and today.day == 1):
            plan = active.plan(hist.until(t), today, start_date, info)
            max_stock = plan.max_stock if plan.max_stock is not None else plan.reorder_point + plan.order_qty
            if t == start_day and active.clear_dead_stock:
                dead = last_issue < t - dead_days
                keep = np.where(plan.routed, 0, np.maximum(max_stock, 0))
                excess = np.where(dead, np.maximum(on_hand - keep, 0), 0)
                cleared_value = float(excess @ cost)
                on_hand -= excess
            moving = np.flatnonzero(plan.routed & (on_hand + on_order > 0))
            if moving.size:
                # Stock and open orders of series that stop being stocked move to their warehouse.
                dest = wh[moving]
                moved = on_hand[moving].copy()
                transferred_value += float(moved @ cost[moving]) if counting else 0.0
                np.add.at(transferred, dest, moved)
                transferred[moving] -= moved
                np.add.at(on_hand, dest, moved)
                on_hand[moving] = 0
                open_ = moving[on_order[moving] > 0]
                for src_row, dst_row in zip(open_.tolist(), wh[open_].tolist(), strict=True):
                    pipe[:, dst_row] += pipe[:, src_row]
                    pipe[:, src_row] = 0
                np.add.at(on_order, dest, on_order[moving])
                on_order[moving] = 0
            if t == start_day and plan.keep is not None:
                excess = np.maximum(on_hand - plan.keep, 0)
                returned_value = float(excess @ cost)
                on_hand -= excess
            routed_idx = np.flatnonzero(plan.routed)
            holder = np.where(plan.routed, wh, idx)
            if t == start_day:
                starting = on_hand.copy()
                transferred[:] = 0
        else:
            check = np.zeros(0, np.int64)

        slot = t % PIPELINE_DAYS
        got = np.flatnonzero(pipe[slot])
        if got.size:
            r = pipe[slot, got]
            on_hand[got] += r
            on_order[got] -= r
            if counting:
                received[got] += r
                cycles += got.size
                short_cycles += int(had_short[got].sum())
            had_short[got] = False
            pipe[slot, got] = 0

        rows = hist.row[bounds[t] : bounds[t + 1]]
        qty = hist.qty[bounds[t] : bounds[t + 1]]
        if routed_idx.size:
            at, inv = np.unique(holder[rows], return_inverse=True)
            want = np.bincount(inv, qty).astype(np.int64)
        else:
            at, want = rows.astype(np.int64), qty
        served = np.minimum(on_hand[at], want)
        on_hand[at] -= served
        short_at = at[want > served]
        had_short[short_at] = True
        last_issue[at[served > 0]] = t
        if counting:
            served_tot[at] += served
            dem_units += int(want.sum())
            srv_units += int(served.sum())
            cogs_day[t - start_day] = float(served @ cost[at])
            served_value += cogs_day[t - start_day]
            flag[short_at] = True
            dem_days += rows.size
            short_days += int(flag[holder[rows]].sum())
            flag[short_at] = False

        cand = idx if check is None else np.unique(np.concatenate([at, got]))
        need, qty_o = _decide(plan, cand, on_hand, on_order)
        buy, buy_q = need, qty_o
        if plan.via_warehouse and need.size:
            inner = wh[need] >= 0
            if inner.any():
                # Stores draw on their warehouse first (next-day shuttle); the rest is bought.
                ship_to, want_q = need[inner], qty_o[inner]
                src = wh[ship_to]
                free = on_hand if plan.reserve is None else np.maximum(on_hand - plan.reserve, 0)
                ship = _allocate(src, want_q, free)
                out = np.bincount(src, ship, minlength=n).astype(np.int64)
                on_hand -= out
                shipped += out
                sources = np.unique(src)
                last_issue[sources[out[sources] > 0]] = t
                sources = np.setdiff1d(sources, need, assume_unique=True)
                pipe[(t + TRANSFER_DAYS) % PIPELINE_DAYS, ship_to] += ship
                on_order[ship_to] += ship
                rest = want_q - ship
                more, more_q = _decide(plan, sources, on_hand, on_order)
                buy = np.concatenate([need[~inner], ship_to[rest > 0], more])
                buy_q = np.concatenate([qty_o[~inner], rest[rest > 0], more_q])
                if counting:
                    orders += more.size
        if buy.size:
            lt = draw_lead_times(rng, info.lead_time_mean[buy], info.lead_time_std[buy], info.on_time_rate[buy])
            pipe[(t + lt) % PIPELINE_DAYS, buy] += buy_q
            on_order[buy] += buy_q
        if counting and need.size:
            orders += need.size
            if order_log is not None:
                order_log[need, t - start_day] = qty_o
        if counting:
            inv_value[t - start_day] = float(on_hand @ cost)
        if progress is not None:
            progress(t - first + 1, total - first)

    end_value = on_hand * cost
    dead_end = last_issue < total - 1 - dead_days
    avg_inv = float(inv_value.mean()) if days > 0 else 0.0
    annual_cogs = served_value * 365.0 / max(days, 1)
    tail = min(days, QUARTER_DAYS)
    tail_inv = float(inv_value[-tail:].mean()) if tail else 0.0
    tail_turn = float(cogs_day[-tail:].sum()) * 365.0 / tail / tail_inv if tail_inv > 0 else 0.0
    return SimulationResult(
        policy=planner.name,
        days=days,
        fill_rate=srv_units / dem_units if dem_units else 1.0,
        cycle_service_level=1.0 - short_cycles / cycles if cycles else 1.0,
        stockout_rate=short_days / dem_days if dem_days else 0.0,
        avg_inventory_value=avg_inv,
        turnover=annual_cogs / avg_inv if avg_inv > 0 else 0.0,
        dead_stock_share=float(end_value[dead_end].sum() / end_value.sum()) if end_value.sum() > 0 else 0.0,
        orders=orders,
        cleared_dead_stock_value=cleared_value,
        returned_excess_value=returned_value,
        final_quarter_turnover=tail_turn,
        transferred_value=transferred_value,
        units_demanded=dem_units,
        units_served=srv_units,
        starting_stock=starting,
        received=received,
        served=served_tot,
        shipped=shipped,
        transferred=transferred,
        ending_stock=on_hand,
        inventory_value=inv_value,
        order_log=order_log,
    )
