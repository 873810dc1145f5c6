"""Replenishment planners the simulator replays: the IMS policy and the manual "gut feeling" one.

A planner only ever sees ``history.until(day)`` (demand before the plan day), which is what makes the
simulation honest: it cannot react to demand it has not yet observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.planning.demand_profile import DemandHistory, estimate_profile, window_factor
from domain.planning.policy import (
    CostParams,
    ReplenishmentPlan,
    ServiceTargets,
    effective_lead_time,
    plan_replenishment,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

Trigger = Literal["position", "on_hand"]


@dataclass(frozen=True)
class SeriesInfo:
    """Static attributes of each simulated part-location (all arrays of length n_series).

    ``warehouse[i]`` is the series (same part, central warehouse) that can serve series ``i`` when it is
    not stocked locally, or -1; ``group`` pools seasonality (use the part index).
    """

    unit_cost: FloatArray
    lead_time_mean: FloatArray
    lead_time_std: FloatArray
    on_time_rate: FloatArray
    abc: NDArray[np.str_] | None = None
    moq: IntArray | None = None
    pack_size: IntArray | None = None
    warehouse: IntArray | None = None
    group: IntArray | None = None

    @classmethod
    def build(
        cls,
        unit_cost: ArrayLike,
        lead_time_mean: ArrayLike,
        lead_time_std: ArrayLike = 0.0,
        on_time_rate: ArrayLike = 1.0,
        **extra: ArrayLike | None,
    ) -> SeriesInfo:
        """Broadcast scalars to per-series arrays so callers can pass one value for all."""
        cost = np.asarray(unit_cost, dtype=np.float64)
        n = cost.shape[0]

        def full(x: ArrayLike, dtype: type) -> NDArray:
            return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

        opt = {k: (None if v is None else np.asarray(v)) for k, v in extra.items()}
        return cls(
            cost,
            full(lead_time_mean, np.float64),
            full(lead_time_std, np.float64),
            full(on_time_rate, np.float64),
            **opt,  # type: ignore[arg-type]
        )

    @property
    def n(self) -> int:
        return int(self.unit_cost.shape[0])


@dataclass(frozen=True)
class Plan:
    """What the simulator executes until the next re-plan.

    ``trigger="position"``: when position <= ``reorder_point`` order enough multiples of ``order_qty``
    to lift it above; ``"on_hand"``: when on hand < ``reorder_point`` and nothing is on order, order
    ``order_qty`` once (the manual routine). ``routed`` series send their demand to their warehouse.
    ``via_warehouse``: stores replenish from their warehouse's stock (arriving next day) and only the
    part it cannot ship goes to the supplier; otherwise every location orders from the supplier.
    A warehouse never ships below its ``reserve`` (the stock it keeps for demand routed to it).
    ``keep``: when set, live stock above it is returned to the vendor once, at go-live.
    """

    reorder_point: IntArray
    order_qty: IntArray
    routed: BoolArray
    trigger: Trigger = "position"
    max_stock: IntArray | None = None
    via_warehouse: bool = False
    reserve: IntArray | None = None
    keep: IntArray | None = None
    # What the daily planning run stores and shows beside the levels (the IMS planner fills them).
    detail: ReplenishmentPlan | None = None
    daily_rate: FloatArray | None = None  # demand the location plans for (pooled at the warehouse)
    own_rate: FloatArray | None = None  # the location's own demand forecast, before pooling


class Planner(Protocol):
    """What the simulator needs from a policy: a name, when to re-plan, and the plan itself."""

    @property
    def name(self) -> str: ...

    @property
    def replan_monthly(self) -> bool: ...

    @property
    def clear_dead_stock(self) -> bool:
        """Whether switching to this planner clears opening dead stock."""
        ...

    def plan(self, history: DemandHistory, plan_date: date, history_start: date, info: SeriesInfo) -> Plan:
        """Policy from the demand observed so far, for use from ``plan_date``."""
        ...


def abc_by_value(annual_value: ArrayLike, a_share: float = 0.8, b_share: float = 0.95) -> NDArray[np.str_]:
    """Classic ABC on consumption value, used when the data carries no class."""
    v = np.asarray(annual_value, dtype=np.float64)
    order = np.argsort(-v, kind="stable")
    total = v.sum()
    cum = np.cumsum(v[order]) / total if total > 0 else np.ones(v.size)
    cls = np.where(cum <= a_share, "A", np.where(cum <= b_share, "B", "C"))
    out = np.empty(v.size, dtype="<U1")
    out[order] = cls
    return out


@dataclass(frozen=True)
class ImsPlanner:
    """Forecast + lead-time-demand-distribution policy, re-planned monthly.

    Choices a planner would make: store series with fewer than ``min_local_hits`` demand days in the
    last year (about one a week) are not stocked when a warehouse can serve them: their demand is
    pooled there and the daily shuttle brings the part, which needs less safety stock than 25 shelves
    each covering a supplier lead time (on the demo data it raises fill and cuts stock). Order
    quantities are EOQ capped at ``max_cover_days`` of demand, and seasonal series look
    ``lookahead_days`` ahead so stock is in place before a peak.

    ``return_excess_days`` (off by default) models a one-off return of *live* overstock at go-live:
    stock above max stock plus that many days of demand goes back to the vendor. It is reported
    apart from the dead-stock clearance because it is a commercial decision, not housekeeping.
    """

    targets: ServiceTargets = field(default_factory=ServiceTargets)
    costs: CostParams = field(default_factory=CostParams)
    review_days: float = 1.0
    window_days: int = 365
    halflife_days: float = 120.0
    lookahead_days: int = 60
    min_local_hits: int = 52
    max_cover_days: float | None = 60.0
    stop_probability: float = 0.002
    return_excess_days: float | None = None
    clear_dead_stock: bool = True
    name: str = "ims"
    replan_monthly: bool = True

    def plan(self, history: DemandHistory, plan_date: date, history_start: date, info: SeriesInfo) -> Plan:
        n = info.n
        idx = np.arange(n)
        prof = estimate_profile(history, history_start, self.window_days, self.halflife_days, info.group)
        lt_m, lt_s = effective_lead_time(info.lead_time_mean, info.lead_time_std, info.on_time_rate)
        # Demand that has stopped (superseded part, lost fleet customer): at the old hit rate the gap
        # since the last demand would be implausible, so the part-location is no longer replenished.
        hit_rate = prof.hits / max(prof.window, 1)
        stopped = np.exp(-hit_rate * prof.days_since) < self.stop_probability
        level = np.where(stopped, 0.0, prof.level)
        var = np.where(stopped, 0.0, prof.var)
        wh = np.full(n, -1, np.int64) if info.warehouse is None else np.asarray(info.warehouse, np.int64)
        routed = (wh >= 0) & (wh != idx) & (prof.hits < self.min_local_hits)
        holder = np.where(routed, wh, idx)
        # Pool routed demand at its warehouse: rates and variances add, the seasonal shape is the
        # rate-weighted mix of the locations it now serves.
        level_h = np.bincount(holder, level, minlength=n)
        var_h = np.bincount(holder, var, minlength=n)
        mix = np.stack([np.bincount(holder, level * prof.season[:, m], minlength=n) for m in range(12)], axis=1)
        shaped = np.bincount(holder, prof.seasonal & (level > 0), minlength=n) > 0
        season = np.where(shaped[:, None] & (level_h[:, None] > 0), mix / np.maximum(level_h, 1e-300)[:, None], 1.0)
        horizon = lt_m + self.review_days
        factor = window_factor(season, plan_date, horizon, self.lookahead_days)
        ltd_mean = level_h * factor
        ltd_var = var_h * factor + (ltd_mean / horizon) ** 2 * lt_s**2
        abc = info.abc if info.abc is not None else abc_by_value(level_h * 365 * info.unit_cost)
        rp = plan_replenishment(
            ltd_mean,
            ltd_var,
            level_h * 365.0,
            info.unit_cost,
            abc,
            self.targets,
            self.costs,
            1 if info.moq is None else info.moq,
            1 if info.pack_size is None else info.pack_size,
            self.max_cover_days,
            stocked=~routed,
        )
        # Stores replenish from warehouse stock beyond what the warehouse needs for its own (pooled)
        # demand: that is how opening overstock at the warehouse is worked off instead of bought anew.
        reserve = np.maximum(rp.reorder_point, 0)
        keep = None
        if self.return_excess_days is not None:
            keep = np.where(routed, 0, np.maximum(rp.max_stock, 0) + np.ceil(level_h * self.return_excess_days))
            keep = keep.astype(np.int64)
        return Plan(
            rp.reorder_point,
            rp.order_qty,
            routed,
            "position",
            rp.max_stock,
            True,
            reserve,
            keep,
            detail=rp,
            daily_rate=level_h,
            own_rate=level,
        )


def nice_round_up(x: ArrayLike) -> IntArray:
    """Round up to 1, 2, 5, 10, 20, 50, ...: the numbers people pick when setting levels by hand."""
    v = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    out = np.zeros(v.shape, dtype=np.int64)
    pos = v > 0
    mag = 10.0 ** np.floor(np.log10(np.where(pos, v, 1.0)))
    steps = np.stack([mag, 2 * mag, 5 * mag, 10 * mag])
    pick = np.where(steps >= v[None] - 1e-9, steps, np.inf).min(axis=0)
    out[pos] = np.ceil(pick[pos]).astype(np.int64)
    return out


@dataclass(frozen=True)
class NaivePlanner:
    """The manual routine: reorder when on hand falls below a round number, order a round amount.

    With the dataset's gut-feeling arrays the levels are fixed; without them they are set once from
    the history seen at the first plan (about a month of demand as trigger, two months as order).
    """

    reorder_point: IntArray | None = None
    order_qty: IntArray | None = None
    name: str = "naive"
    replan_monthly: bool = False
    clear_dead_stock: bool = False

    def plan(self, history: DemandHistory, plan_date: date, history_start: date, info: SeriesInfo) -> Plan:
        n = info.n
        if self.reorder_point is not None and self.order_qty is not None:
            rop = np.asarray(self.reorder_point, dtype=np.int64)
            q = np.maximum(np.asarray(self.order_qty, dtype=np.int64), 1)
        else:
            days = max(history.n_days, 1)
            monthly = np.bincount(history.row, history.qty, minlength=n) / days * 30.0
            rop = nice_round_up(monthly)
            q = np.maximum(nice_round_up(2.0 * monthly), 1)
        return Plan(rop, q, np.zeros(n, dtype=bool), "on_hand", rop + q, via_warehouse=True)
