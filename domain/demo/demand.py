"""Two years of daily store demand, generated as events.

Each (part, store) pair is a Poisson process whose intensity is the part's base rate × store size ×
a per-pair affinity × a day profile (season by region, weekday, holidays, trend, supersession
window). Drawing the event *count* per pair first and then placing each event on a day by inverse
CDF of the profile is exactly equivalent to day-by-day draws, but costs O(events) instead of
O(parts × stores × days): the 62,500 × 730 grid is never materialised as counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from domain.demo.catalog import FAST, HISTORY_DAYS, MID, SLOW, Catalog
from domain.demo.org import STORE_REGION, STORE_SIZE
from domain.demo.part_types import TYPES

# Month factors (Jan..Dec) per region N, E, S. Coolant peaks at the spring and autumn thermal-system
# checks, wipers in the rainy season (plum rains in the east), tyres and batteries before winter up north.
# fmt: off
SEASONS: dict[str, tuple[tuple[float, ...], ...]] = {
    "flat": ((1.0,) * 12,) * 3,
    "coolant": ((1.0, 1.15, 2.8, 1.3, 1.0, 0.95, 0.95, 1.15, 2.8, 1.3, 1.0, 1.0),) * 3,
    "wiper": ((0.8, 0.8, 0.9, 1.0, 1.0, 1.3, 2.2, 2.2, 1.1, 0.9, 0.8, 0.8),
              (0.9, 0.9, 1.0, 1.1, 1.3, 2.0, 2.0, 1.4, 1.1, 0.9, 0.9, 0.9),
              (0.8, 0.8, 1.0, 1.3, 2.0, 2.1, 2.1, 2.0, 1.3, 1.0, 0.8, 0.8)),
    "tyre": ((0.9, 0.8, 1.2, 1.1, 1.0, 0.9, 0.9, 0.9, 1.1, 1.8, 1.9, 1.1),
             (1.0, 0.9, 1.1, 1.0, 1.0, 0.95, 1.0, 1.0, 1.0, 1.15, 1.15, 1.0),
             (1.0, 0.9, 1.0, 1.05, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
    "winter": ((1.2, 0.6, 0.3, 0.15, 0.1, 0.1, 0.1, 0.15, 0.6, 2.8, 3.6, 2.2),
               (0.8, 0.4, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 1.2, 1.2),
               (0.1,) * 12),
    "battery": ((1.8, 1.4, 1.0, 0.9, 0.9, 0.9, 1.0, 1.0, 0.9, 1.0, 1.4, 1.8),
                (1.3, 1.2, 1.0, 0.9, 0.9, 1.0, 1.15, 1.15, 1.0, 0.95, 1.05, 1.2),
                (1.0, 1.0, 1.0, 0.95, 1.0, 1.1, 1.3, 1.3, 1.1, 1.0, 0.95, 0.95)),
    "dust": ((0.9, 0.9, 1.3, 1.7, 1.6, 1.2, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9),
             (1.0, 1.0, 1.1, 1.3, 1.2, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
             (1.0, 1.0, 1.05, 1.1, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
    "body": ((1.35, 1.25, 1.0, 0.95, 0.95, 0.95, 1.0, 1.0, 0.95, 1.0, 1.1, 1.35),
             (1.1, 1.05, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05),
             (1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0, 1.0)),
}
WEEKDAY = (1.0, 0.92, 0.92, 0.95, 1.02, 1.3, 1.2)  # Mon..Sun: owners bring cars in at the weekend
SPRING_FESTIVAL = ("2018-02-16", "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22",
                   "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13",
                   "2030-02-03", "2031-01-23", "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08")
# fmt: on
EV_REGION = (0.8, 1.1, 1.25)  # EV share of the serviced fleet is higher in the east and south
TREND = {"ev": 0.2, "ice": -0.04, "other": 0.03}  # yearly log-growth of demand
BULK_P = {FAST: 0.0, MID: 0.015, SLOW: 0.04}  # fleet / body-shop orders make the tail lumpy


@dataclass(frozen=True)
class Demand:
    part: np.ndarray  # int32
    site: np.ndarray  # int32 index into the stores
    day: np.ndarray  # int32 days since start
    quantity: np.ndarray  # float64


def day_factors(start: date, n_days: int = HISTORY_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """Month index (0-11) per day, and the weekday × holiday factor shared by every series."""
    days = np.datetime64(start, "D") + np.arange(n_days)
    month = (days.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)
    common = np.asarray(WEEKDAY)[(days.astype(np.int64) + 3) % 7]  # 1970-01-01 was a Thursday
    for d in np.array(SPRING_FESTIVAL, dtype="datetime64[D]"):
        off = (d - days[0]).astype(np.int64)
        common[max(off - 14, 0) : max(off - 1, 0)] *= 1.15  # pre-festival maintenance rush
        common[max(off - 1, 0) : max(off + 7, 0)] *= 0.25  # shops all but closed
    day_of_month = (days - days.astype("datetime64[M]")).astype(np.int64)
    common[(month == 9) & (day_of_month < 7)] *= 0.55  # National Day golden week, Oct 1-7
    return month, common


def base_rates(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """Requests per day at an average store: a Pareto-like mix of fast, middle and tail parts."""
    lam = np.empty(len(tier))
    f, m, s = tier == FAST, tier == MID, tier == SLOW
    lam[f] = np.clip(rng.lognormal(np.log(0.22), 0.7, f.sum()), 0.06, 3.0)
    lam[m] = np.exp(rng.uniform(np.log(0.008), np.log(0.05), m.sum()))
    lam[s] = np.exp(rng.uniform(np.log(0.0003), np.log(0.008), s.sum()))
    return lam


def build_demand(rng: np.random.Generator, cat: Catalog, start: date) -> Demand:
    """All store requests of the history window, sorted by day."""
    n_parts, n_days = len(cat.parts), HISTORY_DAYS
    region = np.asarray(STORE_REGION)
    size = np.asarray(STORE_SIZE) / np.mean(STORE_SIZE)
    month, common = day_factors(start, n_days)

    # Parts share day profiles: one per (season, growth, supersession window), a few hundred at most.
    keys = sorted(SEASONS)
    season_of = np.array([keys.index(TYPES[t].season) for t in cat.type_of])
    growth = np.where(cat.ev, TREND["ev"], np.where(cat.ice, TREND["ice"], TREND["other"]))
    growth_pct = np.round(growth * 100).astype(np.int64)
    combo = np.column_stack([season_of, growth_pct, cat.active_from, cat.active_to])
    uniq, profile_of = np.unique(combo, axis=0, return_inverse=True)
    profile_of = profile_of.ravel()
    table = np.array([SEASONS[k] for k in keys])  # (keys, 3 regions, 12 months)
    d = np.arange(n_days)
    years = (d - n_days / 2) / 365.0
    alive = (d >= uniq[:, 2:3]) & (d < uniq[:, 3:4])
    per_day = np.exp(uniq[:, 1:2] / 100 * years) * common * alive
    profile = table[uniq[:, 0]][:, :, month] * per_day[:, None, :]  # (profiles, 3, days)

    mass = profile.sum(axis=2)[profile_of]  # expected requests per unit rate, (parts, 3)
    lam = base_rates(rng, cat.tier)
    affinity = rng.lognormal(-0.125, 0.5, (n_parts, len(region)))  # mean 1
    ev_boost = np.where(cat.ev[:, None], np.asarray(EV_REGION)[region][None, :], 1.0)
    expected = lam[:, None] * size[None, :] * affinity * ev_boost * mass[:, region]
    counts = rng.poisson(expected)

    # Place each request on a day by inverse CDF of its profile; row offsets make one sorted array.
    cdf = np.cumsum(profile, axis=2)
    total = cdf[:, :, -1:]
    cdf = np.divide(cdf, total, out=np.ones_like(cdf), where=total > 0)
    cdf += np.arange(cdf.shape[0] * 3, dtype=np.float64).reshape(-1, 3, 1)
    pair = np.repeat(np.arange(counts.size), counts.ravel())
    part, site = np.divmod(pair, len(region))
    row = profile_of[part] * 3 + region[site]
    u = row + (1.0 - rng.random(len(row)))
    day = (np.searchsorted(cdf.ravel(), u) - row * n_days).astype(np.int16)
    quantity = _quantities(rng, cat, part)

    order = np.argsort(day, kind="stable")  # radix sort; events were in (part, store) order
    return Demand(
        part=part[order].astype(np.int32),
        site=site[order].astype(np.int32),
        day=day[order].astype(np.int32),
        quantity=quantity[order],
    )


def _quantities(rng: np.random.Generator, cat: Catalog, part: np.ndarray) -> np.ndarray:
    """Per-request quantity from the type's usual quantities, plus occasional bulk orders."""
    width = max(len(t.qty) for t in TYPES)
    values = np.zeros((len(TYPES), width))
    cum = np.ones((len(TYPES), width))
    for ti, t in enumerate(TYPES):
        w = np.array([x for _, x in t.qty])
        values[ti, : len(t.qty)] = [q for q, _ in t.qty]
        cum[ti, : len(t.qty)] = np.cumsum(w) / w.sum()
    ptype = cat.type_of[part]
    pick = (rng.random(len(part))[:, None] > cum[ptype]).sum(axis=1)
    qty = values[ptype, np.minimum(pick, width - 1)]
    prec = np.array([p.uom_precision for p in cat.parts])[part]
    qty = np.where(prec > 0, qty * rng.lognormal(0.0, 0.2, len(part)), qty)
    bulk = rng.random(len(part)) < np.asarray([BULK_P[k] for k in (FAST, MID, SLOW)])[cat.tier[part]]
    qty[bulk] *= rng.integers(5, 21, bulk.sum())
    scale = 10.0**prec
    return np.maximum(np.round(qty * scale), 1.0) / scale
