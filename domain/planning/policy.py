"""Replenishment policy math, vectorised over many part-locations at once.

Spare-parts demand is mostly counts of 0, 1 or 2 per lead time, where a normal approximation puts the
reorder point in the wrong place (often negative or one unit too low). Lead-time demand (LTD) is
therefore modelled as a count distribution: negative binomial when the variance exceeds the mean
(lumpy demand, uncertain lead time), Poisson otherwise. Every function takes arrays of equal (or
broadcastable) shape and never loops over part-locations.

Conventions: an order is placed when the inventory position is *at or below* the reorder point ``r``,
so the cycle service level is ``P(LTD <= r)`` and the CSL reorder point is the LTD quantile. A reorder
point of ``-1`` means "do not stock" (position never falls to -1 under lost sales).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ServiceKind = Literal["csl", "fill_rate"]
DISPERSION_TOL = 1e-6
"""Relative excess of variance over mean below which LTD is treated as Poisson (NB would need n=inf)."""


@dataclass(frozen=True)
class ServiceTargets:
    """Service target per ABC class; ``kind`` says whether it is a cycle service level or a fill rate."""

    a: float = 0.98
    b: float = 0.95
    c: float = 0.90
    kind: ServiceKind = "csl"

    def for_classes(self, abc: ArrayLike) -> FloatArray:
        """Map class letters (unknown letters get the C target) to targets, so callers pass raw labels."""
        labels = np.asarray(abc).astype(str)
        out = np.full(labels.shape, self.c, dtype=np.float64)
        out[(labels == "A") | (labels == "a")] = self.a
        out[(labels == "B") | (labels == "b")] = self.b
        return out

    @classmethod
    def uniform(cls, level: float, kind: ServiceKind = "csl") -> ServiceTargets:
        """One target for every class: the points of a service-level sweep."""
        return cls(level, level, level, kind)


@dataclass(frozen=True)
class CostParams:
    """Ordering cost per order line (CNY) and annual holding rate as a share of unit cost."""

    ordering_cost: float = 25.0
    holding_rate: float = 0.25


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def inventory_position(
    on_hand: ArrayLike,
    on_order: ArrayLike = 0,
    in_transit: ArrayLike = 0,
    reserved: ArrayLike = 0,
    backorders: ArrayLike = 0,
) -> FloatArray:
    """What replenishment decisions look at: stock we have or will have, less stock already promised."""
    return _f(on_hand) + _f(on_order) + _f(in_transit) - _f(reserved) - _f(backorders)


def lead_time_demand_moments(
    daily_mean: ArrayLike,
    daily_var: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_days: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of demand over the protection interval ``L + R``.

    ``var = (L+R)·σd² + d²·σL²``: the second term is why unreliable suppliers need more safety stock
    even for perfectly steady demand.
    """
    d, vd = _f(daily_mean), _f(daily_var)
    horizon = _f(lead_time_mean) + _f(review_days)
    mean = d * horizon
    var = horizon * vd + d * d * _f(lead_time_std) ** 2
    return mean, var


def effective_lead_time(
    mean: ArrayLike, std: ArrayLike, on_time_rate: ArrayLike = 1.0, late_days: tuple[int, int] = (3, 10)
) -> tuple[FloatArray, FloatArray]:
    """Lead-time mean/std once late deliveries (uniform ``late_days`` extra) are mixed in.

    This is what a planner measures from real deliveries of a supplier with that on-time rate.
    """
    p_late = 1.0 - np.clip(_f(on_time_rate), 0.0, 1.0)
    lo, hi = late_days
    late_mean = (lo + hi) / 2.0
    late_var = ((hi - lo + 1) ** 2 - 1) / 12.0
    m = _f(mean) + p_late * late_mean
    var = _f(std) ** 2 + p_late * (late_var + late_mean**2) - (p_late * late_mean) ** 2
    return m, np.sqrt(np.maximum(var, 0.0))


def _nb_params(mean: FloatArray, var: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """NB (n, p) matching mean/var where over-dispersed; the mask tells which entries are NB."""
    nb = var > mean * (1.0 + DISPERSION_TOL)
    safe_var = np.where(nb, var, mean + 1.0)
    n = np.where(nb, mean * mean / np.maximum(safe_var - mean, 1e-300), 1.0)
    p = np.where(nb, mean / np.maximum(safe_var, 1e-300), 0.5)
    return n, p, nb


def ltd_sf(k: ArrayLike, mean: ArrayLike, var: ArrayLike) -> FloatArray:
    """``P(X > k)`` for LTD ``X``; 1 for negative ``k`` (demand is never negative)."""
    kk, m, v = np.broadcast_arrays(np.floor(_f(k)), _f(mean), _f(var))
    n, p, nb = _nb_params(m, v)
    kpos = np.maximum(kk, 0.0) + 1.0
    with np.errstate(all="ignore"):
        pois = special.gammainc(kpos, m)  # P(Poisson(m) >= k+1)
        negb = special.betainc(kpos, np.where(nb, n, 1.0), 1.0 - p)  # P(NB >= k+1)
    out = np.where(nb, negb, pois)
    out = np.where(m <= 0.0, 0.0, out)
    return np.where(kk < 0, 1.0, out)


def ltd_cdf(k: ArrayLike, mean: ArrayLike, var: ArrayLike) -> FloatArray:
    """``P(X <= k)``: the cycle service level a reorder point ``k`` gives."""
    return 1.0 - ltd_sf(k, mean, var)


def ltd_ppf(q: ArrayLike, mean: ArrayLike, var: ArrayLike) -> IntArray:
    """Smallest integer ``k`` with ``P(X <= k) >= q`` (scipy's Poisson / NB quantile)."""
    qq, m, v = np.broadcast_arrays(_f(q), _f(mean), _f(var))
    n, p, nb = _nb_params(m, v)
    out = np.zeros(qq.shape, dtype=np.float64)
    pos = m > 0
    pois = pos & ~nb
    negb = pos & nb
    if pois.any():
        out[pois] = stats.poisson.ppf(qq[pois], m[pois])
    if negb.any():
        out[negb] = stats.nbinom.ppf(qq[negb], n[negb], p[negb])
    return np.nan_to_num(out, nan=0.0, posinf=0.0).astype(np.int64)


def expected_shortage(r: ArrayLike, mean: ArrayLike, var: ArrayLike) -> FloatArray:
    """Loss function ``E[(X - r)+]`` in closed form.

    Uses ``k·pmf(k) = mean·pmf'(k-1)`` where ``pmf'`` is Poisson with the same mean, or NB with
    ``n+1`` for the negative binomial; hence ``E[(X-r)+] = mean·P'(X' >= r-1) - r·P(X >= r)``.
    """
    rr, m, v = np.broadcast_arrays(np.floor(_f(r)), _f(mean), _f(var))
    n, p, nb = _nb_params(m, v)
    k1 = np.maximum(rr - 1.0, 0.0)  # P(X' >= r-1) written as P(X' > r-2)
    k0 = np.maximum(rr, 0.0)
    with np.errstate(all="ignore"):
        pois_shift = special.gammainc(k1, m)
        pois = special.gammainc(k0, m)
        nb_shift = special.betainc(k1, np.where(nb, n + 1.0, 1.0), 1.0 - p)
        nb_sf = special.betainc(k0, np.where(nb, n, 1.0), 1.0 - p)
    tail_shift = np.where(nb, nb_shift, pois_shift)
    tail = np.where(nb, nb_sf, pois)
    tail_shift = np.where(rr - 1.0 <= 0.0, 1.0, tail_shift)
    tail = np.where(rr <= 0.0, 1.0, tail)
    es = m * tail_shift - rr * tail
    es = np.where(rr <= 0.0, m - rr, es)
    return np.maximum(np.where(m <= 0.0, np.maximum(-rr, 0.0), es), 0.0)


def expected_fill_rate(r: ArrayLike, order_qty: ArrayLike, mean: ArrayLike, var: ArrayLike) -> FloatArray:
    """Fill rate of an (r, Q) policy: ``1 - (E[(X-r)+] - E[(X-r-Q)+]) / Q``.

    The second loss term stops a large Q from double-counting shortages that the next order covers.
    """
    q = np.maximum(_f(order_qty), 1.0)
    rr = _f(r)
    short = expected_shortage(rr, mean, var) - expected_shortage(rr + q, mean, var)
    return np.clip(1.0 - short / q, 0.0, 1.0)


def rop_for_csl(target: ArrayLike, mean: ArrayLike, var: ArrayLike) -> IntArray:
    """Reorder point meeting a cycle service level: the LTD quantile (0 when no demand)."""
    return ltd_ppf(target, mean, var)


def rop_for_fill_rate(
    target: ArrayLike, order_qty: ArrayLike, mean: ArrayLike, var: ArrayLike, grid: int = 16
) -> IntArray:
    """Smallest ``r >= 0`` whose expected fill rate reaches ``target``.

    Fill rate rises with ``r``, so each pass evaluates ``grid`` evenly spaced candidates between the
    bounds of every part-location at once and keeps the bracket of the first one that succeeds; the
    bracket shrinks ``grid``-fold per pass and ends exact on integers.
    """
    t, q, m, v = (np.array(a, dtype=np.float64) for a in np.broadcast_arrays(target, order_qty, mean, var))
    lo = np.zeros(t.shape, dtype=np.int64)
    # Fill rate >= CSL for any Q >= 1 (the shortage per cycle is at most Q·P(X > r)), so the CSL
    # quantile is a valid upper bound and keeps the bracket narrow.
    hi = np.maximum(ltd_ppf(np.minimum(t, 1 - 1e-9), m, v), 0)
    active = np.flatnonzero((hi > lo).ravel())
    lo_f, hi_f = lo.ravel(), hi.ravel()
    tf, qf, mf, vf = t.ravel(), q.ravel(), m.ravel(), v.ravel()
    while active.size:
        a_lo, a_hi = lo_f[active], hi_f[active]
        width = min(grid, int((a_hi - a_lo).max()))
        steps = np.arange(width + 1, dtype=np.float64) / width
        cand = a_lo[:, None] + np.ceil((a_hi - a_lo)[:, None] * steps[None, :]).astype(np.int64)
        fr = expected_fill_rate(cand, qf[active, None], mf[active, None], vf[active, None])
        ok = fr >= tf[active, None]
        ok[:, -1] = True  # the upper bound always qualifies (by construction or by fiat)
        first = ok.argmax(axis=1)
        new_hi = cand[np.arange(active.size), first]
        new_lo = np.where(first > 0, cand[np.arange(active.size), np.maximum(first - 1, 0)] + 1, a_lo)
        lo_f[active], hi_f[active] = np.minimum(new_lo, new_hi), new_hi
        active = active[lo_f[active] < hi_f[active]]
    return hi_f.reshape(t.shape)


def round_order_qty(qty: ArrayLike, moq: ArrayLike = 1, pack_size: ArrayLike = 1) -> IntArray:
    """Raise to the MOQ, then up to a whole number of packs; never below one unit."""
    q = np.maximum(np.ceil(_f(qty) - 1e-9), 1.0)
    q = np.maximum(q, np.maximum(_f(moq), 1.0))
    pack = np.maximum(_f(pack_size), 1.0)
    return (np.ceil(q / pack - 1e-9) * pack).astype(np.int64)


def economic_order_qty(annual_demand: ArrayLike, unit_cost: ArrayLike, costs: CostParams = CostParams()) -> FloatArray:
    """Unrounded EOQ ``sqrt(2·D·S / (h·c))``: balances ordering cost against carrying cost."""
    hc = np.maximum(costs.holding_rate * _f(unit_cost), 1e-9)
    return np.sqrt(2.0 * np.maximum(_f(annual_demand), 0.0) * costs.ordering_cost / hc)


def order_quantity(
    annual_demand: ArrayLike,
    unit_cost: ArrayLike,
    costs: CostParams = CostParams(),
    moq: ArrayLike = 1,
    pack_size: ArrayLike = 1,
    max_cover_days: float | None = None,
) -> IntArray:
    """EOQ rounded to MOQ and pack; ``max_cover_days`` caps slow movers so one order is not years of stock."""
    q = economic_order_qty(annual_demand, unit_cost, costs)
    if max_cover_days is not None:
        q = np.minimum(q, _f(annual_demand) * max_cover_days / 365.0)
    return round_order_qty(q, moq, pack_size)


def safety_stock(rop: ArrayLike, ltd_mean: ArrayLike) -> FloatArray:
    """Stock held against variability: what the reorder point carries above expected LTD."""
    return np.maximum(_f(rop) - _f(ltd_mean), 0.0)


class Priority(IntEnum):
    """Urgency of a replenishment suggestion; lower sorts first."""

    RED = 0  # position already below safety stock
    ORANGE = 1  # projected below safety stock within 3 days
    YELLOW = 2  # within 7 days
    GREEN = 3


def suggestion_priority(
    position: ArrayLike,
    safety: ArrayLike,
    daily_mean: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_demand_var: ArrayLike,
    orange_days: float = 3.0,
    yellow_days: float = 7.0,
) -> tuple[IntArray, FloatArray]:
    """Colour and ``P(stockout within the lead time)`` to rank suggestions by risk.

    The probability is ``P(LTD > position)`` with LTD over the lead time alone (an order placed now
    arrives after it), using the given LTD variance.
    """
    ip, ss, d = _f(position), _f(safety), _f(daily_mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        days_left = np.where(d > 0, (ip - ss) / d, np.inf)
    colour = np.full(np.broadcast(ip, ss, d).shape, Priority.GREEN, dtype=np.int64)
    colour[days_left <= yellow_days] = Priority.YELLOW
    colour[days_left <= orange_days] = Priority.ORANGE
    colour[np.broadcast_to(ip < ss, colour.shape)] = Priority.RED
    p_out = ltd_sf(np.floor(ip), d * _f(lead_time_mean), lead_time_demand_var)
    return colour, p_out


@dataclass(frozen=True)
class ReplenishmentPlan:
    """Per part-location policy: order ``order_qty`` when position <= ``reorder_point``."""

    reorder_point: IntArray
    order_qty: IntArray
    safety_stock: FloatArray
    max_stock: IntArray
    ltd_mean: FloatArray
    ltd_var: FloatArray
    target: FloatArray


def plan_replenishment(
    ltd_mean: ArrayLike,
    ltd_var: ArrayLike,
    annual_demand: ArrayLike,
    unit_cost: ArrayLike,
    abc: ArrayLike,
    targets: ServiceTargets = ServiceTargets(),
    costs: CostParams = CostParams(),
    moq: ArrayLike = 1,
    pack_size: ArrayLike = 1,
    max_cover_days: float | None = None,
    stocked: ArrayLike = True,
) -> ReplenishmentPlan:
    """Reorder point, order quantity, safety and max stock from LTD moments and class targets.

    Part-locations with no expected demand, or ``stocked=False``, get ``reorder_point=-1`` and
    ``order_qty=0``: nothing is ordered for them.
    """
    m, v = _f(ltd_mean), np.maximum(_f(ltd_var), _f(ltd_mean))
    target = targets.for_classes(np.broadcast_to(np.asarray(abc), m.shape))
    q = order_quantity(annual_demand, unit_cost, costs, moq, pack_size, max_cover_days)
    q = np.broadcast_to(q, m.shape).copy()
    if targets.kind == "fill_rate":
        rop = rop_for_fill_rate(target, q, m, v)
    else:
        rop = rop_for_csl(target, m, v)
    keep = np.broadcast_to(np.asarray(stocked, dtype=bool), m.shape) & (m > 0)
    rop = np.where(keep, rop, -1)
    q = np.where(keep, q, 0)
    return ReplenishmentPlan(
        reorder_point=rop,
        order_qty=q,
        safety_stock=np.where(keep, safety_stock(rop, m), 0.0),
        max_stock=np.where(keep, rop + q, 0),
        ltd_mean=m,
        ltd_var=v,
        target=target,
    )
