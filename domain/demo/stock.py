"""Today's gut-feeling stocking policy and the opening stock it produced.

The policy is what the parts managers run before IMS: round numbers by unit or price band and their
own ABC class (big stores double, the warehouse a multiple), blind to the actual demand rate. So the
fast movers run dry (~16 % of carried part-stores at zero or under safety stock) while slow movers
and superseded parts pile up (~18 % of stock value is dead: no demand in 180 days). Both shares are
calibrated after the random draw so they hold for any seed, which keeps the "before" picture stable
for the planning engine to improve on.

The levels are calibrated so that replaying them (the naive planner) over the last year gives the
history the company reports: unit fill ~84 %, turnover ~5 on the cost of goods it actually issues,
dead stock ~18 % of value. With levels blind to the rate that only works when the stock is lean
(~65M CNY): levels big enough to keep the expensive fast movers available would bury the tail.

Lot-tracked parts get a per-part lot history (the `Lot` table is keyed by part + lot number), so a
lot has one receipt date, cost and expiry wherever it lies; untracked parts have one row per
location with lot "" and the part's moving-average cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from domain.demo.catalog import FAST, HISTORY_DAYS, MID, SLOW, Catalog
from domain.demo.demand import Demand
from domain.demo.org import AISLES, LEVELS, STORE_SIZE, ZONE_LETTERS, bin_code
from domain.demo.part_types import TYPES

DEAD_AFTER_DAYS = 180
TARGET_LOW_SHARE = 0.16  # carried part-stores at zero or below safety stock
TARGET_DEAD_SHARE = 0.18  # share of stock value with no demand in 180 days
LOT_GAP_DAYS = {FAST: (14, 35), MID: (40, 120), SLOW: (90, 300)}  # between receipts of tracked lots


@dataclass(frozen=True)
class Policy:
    safety_stock: np.ndarray  # (parts, sites): 25 stores then the warehouse
    reorder_point: np.ndarray
    max_stock: np.ndarray


@dataclass(frozen=True)
class Stock:
    part: np.ndarray
    location: np.ndarray
    lot: list[str]
    quantity: np.ndarray
    unit_cost: np.ndarray
    received_on: np.ndarray
    expiry: np.ndarray
    bin_capacity: dict[str, int]


# (safety stock, reorder point, max stock) at a normal-size store by unit or price band and the
# managers' own ABC class: round numbers set once and never revisited. Fluids and wire come by the
# drum and reel; expensive C parts are special-order only (stocked nowhere).
GUT_LEVELS: dict[str, dict[str, tuple[float, float, float]]] = {
    "L": {"A": (20, 50, 200), "B": (20, 50, 100), "C": (2, 4, 10)},
    "M": {"A": (20, 50, 100), "B": (2, 5, 20), "C": (0, 1, 2)},
    "KG": {"A": (2, 4, 10), "B": (0, 1, 2), "C": (0, 1, 2)},
    "<50": {"A": (5, 10, 20), "B": (2, 4, 10), "C": (1, 2, 5)},
    "<300": {"A": (2, 4, 10), "B": (1, 2, 5), "C": (0, 1, 1)},
    "<1000": {"A": (2, 4, 10), "B": (1, 2, 5), "C": (0, 0, 0)},
    ">=1000": {"A": (2, 4, 10), "B": (1, 2, 4), "C": (0, 0, 0)},
}
PRICE_BANDS = ((50.0, "<50"), (300.0, "<300"), (1000.0, "<1000"))
BIG_STORE = 1.3  # stores at least this size keep double
WH_FACTOR = {"A": 20.0, "B": 2.0, "C": 2.0}  # the warehouse keeps this many times a store's levels
CARRY_P = {"A": 0.97, "B": 0.9, "C": 0.78}  # chance a store carries a part at all


def _band(uom: str, price: float) -> str:
    if uom in ("L", "M", "KG"):
        return uom
    return next((name for limit, name in PRICE_BANDS if price < limit), ">=1000")


def gut_policy(rng: np.random.Generator, cat: Catalog) -> Policy:
    """Levels from `GUT_LEVELS`; a store skips a part with probability 1 - `CARRY_P`, the warehouse 4 %."""
    n = len(cat.parts)
    abc = [p.abc_class for p in cat.parts]
    base = np.array([GUT_LEVELS[_band(p.uom, float(cat.price[i]))][abc[i]] for i, p in enumerate(cat.parts)])
    big = np.where(np.asarray(STORE_SIZE) >= BIG_STORE, 2.0, 1.0)
    carried = rng.random((n, len(big))) < np.array([CARRY_P[c] for c in abc])[:, None]
    wh = np.array([WH_FACTOR[c] for c in abc]) * (rng.random(n) < 0.96)
    ss, rop, mx = (np.column_stack([base[:, k : k + 1] * big * carried, base[:, k] * wh]) for k in range(3))
    return Policy(ss, rop, mx)


def _round_qty(q: np.ndarray, prec: np.ndarray, floor: bool = False) -> np.ndarray:
    scale = 10.0**prec
    return (np.floor(q * scale) if floor else np.round(q * scale)) / scale


def opening_quantities(
    rng: np.random.Generator, cat: Catalog, policy: Policy, demand: Demand
) -> tuple[np.ndarray, np.ndarray]:
    """On-hand per (part, site), and the dead mask: no demand in 180 days at that store (anywhere, for WH)."""
    n, n_sites = policy.max_stock.shape
    n_stores = n_sites - 1
    prec = np.array([p.uom_precision for p in cat.parts])[:, None]
    carried = policy.max_stock > 0
    ss, rop, mx = policy.safety_stock, policy.reorder_point, policy.max_stock

    last = np.full((n, n_stores), -1, dtype=np.int64)
    np.maximum.at(last, (demand.part, demand.site), demand.day)
    cutoff = HISTORY_DAYS - DEAD_AFTER_DAYS
    recent = np.column_stack([last >= cutoff, (last >= cutoff).any(axis=1)])
    dead = carried & ~recent

    q = _round_qty(rng.uniform(rop, mx), prec)
    slow = (cat.tier == SLOW)[:, None]
    over = slow & (rng.random(q.shape) < 0.25)  # bought a case "to be safe" years ago
    q = np.where(over, _round_qty(q * rng.uniform(1.5, 3.0, q.shape), prec), q)

    # Live part-sites: fast movers most often run dry, at the stores far more than at the warehouse.
    stores = np.arange(n_sites) < n_stores
    live = carried & ~dead
    w = np.where(live, np.asarray([4.0, 1.5, 1.0])[cat.tier][:, None], 0.0) * np.where(stores, 1.0, 0.3)
    prob = np.minimum(1.0, w * TARGET_LOW_SHARE * (carried & stores).sum() / w[:, stores].sum())
    low = rng.random(q.shape) < prob
    below = _round_qty(rng.uniform(0, ss), prec, floor=True)
    q = np.where(low, np.where(rng.random(q.shape) < 0.5, 0.0, below), q)

    # Dead part-sites sit between safety stock and their drawn level, scaled so their value share
    # hits the target; only if even safety stock is too much are some emptied.
    price = cat.price[:, None]
    live_value = (q * price)[live].sum()
    floor_value, full_value = (ss * price)[dead].sum(), (q * price)[dead].sum()
    want = TARGET_DEAD_SHARE / (1 - TARGET_DEAD_SHARE) * live_value
    f = (want - floor_value) / max(full_value - floor_value, 1e-9)
    if f >= 0:
        q = np.where(dead, _round_qty(ss + min(f, 3.0) * (q - ss), prec), q)
    else:
        q = np.where(dead, ss, q)
        q = np.where(dead & (rng.random(q.shape) >= want / max(floor_value, 1e-9)), 0.0, q)
    return q, dead


def _split(total: float, k: int, prec: int, rng: np.random.Generator) -> list[float]:
    """Split a quantity over k lots, each at least one unit of the precision."""
    unit = 10.0**-prec
    units = round(total / unit)
    k = max(1, min(k, units))
    cuts = np.sort(rng.choice(np.arange(1, units), size=k - 1, replace=False)) if k > 1 else np.array([], int)
    parts = np.diff(np.concatenate([[0], cuts, [units]]))
    return [round(float(x) * unit, prec) for x in parts]


def _lot_name(part_type: int, prod: date, serial: int) -> str:
    t = TYPES[part_type]
    if t.cat == "TYR":
        week, year = prod.isocalendar()[1], prod.isocalendar()[0] % 100
        return f"DOT{week:02d}{year:02d}"
    if t.uom == "L":
        return f"L{prod:%y%m%d}-{serial:02d}"
    return f"B{prod:%y%m}{chr(65 + serial % 26)}{prod.day:02d}"


def build_stock(
    rng: np.random.Generator,
    cat: Catalog,
    policy: Policy,
    demand: Demand,
    today: date,
    store_locations: list[int],
    bin_index: dict[str, int],
) -> Stock:
    q, dead = opening_quantities(rng, cat, policy, demand)
    n, n_sites = q.shape
    prec = np.array([p.uom_precision for p in cat.parts])
    lot_tracked = np.array([p.lot_tracked for p in cat.parts])
    avg_cost = np.round(cat.price * rng.normal(1.0, 0.02, n), 2)

    # Age of the newest stock per (part, site): recent for movers, long ago for dead stock.
    span = np.asarray([30, 120, 300])[cat.tier][:, None]
    age = np.where(dead, rng.integers(DEAD_AFTER_DAYS + 1, 1100, q.shape), 1 + rng.random(q.shape) * span)
    age = age.astype(np.int64)

    bins, capacity = _assign_bins(cat, q[:, -1])
    site_loc = np.asarray([*store_locations, -1])
    today64 = np.datetime64(today, "D")

    # Untracked parts: one row per (part, location), vectorised.
    pi, si = np.nonzero((q > 0) & ~lot_tracked[:, None])
    wh_bin = np.asarray([bin_index[b] for b in bins])
    loc = np.where(si == n_sites - 1, wh_bin[pi], site_loc[si])
    lots: list[str] = [""] * len(pi)

    # Tracked parts: a lot history per part, then each location holds a run of consecutive lots.
    t_part: list[int] = []
    t_loc: list[int] = []
    t_qty: list[float] = []
    t_cost: list[float] = []
    t_age: list[int] = []
    t_exp: list[np.datetime64] = []
    for p in np.flatnonzero(lot_tracked):
        sites = np.flatnonzero(q[p] > 0)
        if not len(sites):
            continue
        lo, hi = LOT_GAP_DAYS[int(cat.tier[p])]
        offsets = 1 + np.cumsum(np.concatenate([[0], rng.integers(lo, hi, 1 + 1200 // lo)]))
        offsets = offsets[offsets < 1300]
        lag = int(rng.integers(7, 60))
        shelf = cat.parts[p].shelf_life_days
        costs = np.round(cat.price[p] * rng.normal(1.0, 0.03, len(offsets)) * (1 - 0.03 * offsets / 365), 2)
        prods = [today - timedelta(days=int(off) + lag) for off in offsets]
        names = [_lot_name(int(cat.type_of[p]), d, int(rng.integers(1, 10))) for d in prods]
        nat = np.datetime64("NaT", "D")
        expiry = [np.datetime64(d + timedelta(days=shelf), "D") if shelf else nat for d in prods]
        for s in sites:
            first = int(np.searchsorted(offsets, age[p, s]))
            first = min(first + int(rng.integers(0, 2)) * (not dead[p, s]), len(offsets) - 1)
            k = int(min(1 + rng.poisson(0.8), 4, len(offsets) - first))
            where = int(wh_bin[p] if s == n_sites - 1 else site_loc[s])
            for j, part_qty in enumerate(_split(float(q[p, s]), k, int(prec[p]), rng)):
                lot = first + j
                t_part.append(int(p))
                t_loc.append(where)
                t_qty.append(part_qty)
                t_cost.append(float(costs[lot]))
                t_age.append(int(offsets[lot]))
                t_exp.append(expiry[lot])
                lots.append(names[lot])
    return Stock(
        part=np.concatenate([pi, t_part]).astype(np.int32),
        location=np.concatenate([loc, t_loc]).astype(np.int32),
        lot=lots,
        quantity=np.concatenate([q[pi, si], t_qty]).astype(np.float64),
        unit_cost=np.concatenate([avg_cost[pi], t_cost]).astype(np.float64),
        received_on=today64 - np.concatenate([age[pi, si], t_age]).astype(np.int64),
        expiry=np.concatenate([np.full(len(pi), np.datetime64("NaT", "D")), np.array(t_exp, dtype="datetime64[D]")]),
        bin_capacity=capacity,
    )


def _assign_bins(cat: Catalog, wh_qty: np.ndarray) -> tuple[list[str], dict[str, int]]:
    """Zone A for fast movers (next to dispatch), B for the middle, C for slow and bulky parts;
    within a zone each part goes to the least-loaded bin. Capacity is sized from the load, +25 %."""
    bulky = np.array([TYPES[t].bulky for t in cat.type_of])
    zone = np.where(bulky, 2, np.asarray([0, 1, 2])[cat.tier])
    codes = {
        z: [bin_code(letter, a, lv) for a in range(1, AISLES + 1) for lv in range(1, LEVELS + 1)]
        for z, letter in enumerate(ZONE_LETTERS)
    }
    load = {c: 0.0 for cs in codes.values() for c in cs}
    out: list[str] = [""] * len(cat.parts)
    for p in np.argsort(-wh_qty, kind="stable"):
        best = min(codes[int(zone[p])], key=lambda c: load[c])
        out[p] = best
        load[best] += float(wh_qty[p])
    capacity = {}
    for cs in codes.values():
        cap = int(np.ceil(max(load[c] for c in cs) * 1.25 / 100.0) * 100) or 100
        capacity.update({c: cap for c in cs})
    return out, capacity
