"""Reproducible synthetic dealer networks for tests and benchmarks of the transfer optimisers.

Real stock data cannot ship with an open-source repo, yet the rebalancer's speed and plan quality
depend on the shape of the data: stores cluster in a few cities (cheap same-city lanes), one
central warehouse ships on a daily run, demand is skewed across parts, and only a minority of
part-locations are out of balance. Everything is driven by one seed so benchmark runs compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from domain.transfers.optimize import (
    Excess,
    Shortage,
    ShortageTarget,
    StockPosition,
    classify_positions,
)

_ROAD_FACTOR = 1.3  # road km per straight-line km
_REGION_KM = 700.0
_CITY_SPREAD_KM = 8.0


@dataclass(frozen=True, slots=True)
class SyntheticNetwork:
    locations: tuple[str, ...]
    warehouses: frozenset[str]
    distances: dict[tuple[str, str], Decimal]
    positions: tuple[StockPosition, ...]

    def classify(self, target: ShortageTarget = ShortageTarget.REORDER_POINT) -> tuple[list[Excess], list[Shortage]]:
        return classify_positions(self.positions, target=target)


def synthetic_network(
    seed: int = 0,
    n_parts: int = 2500,
    n_locations: int = 26,
    *,
    imbalance: float = 0.15,
    dead_stock_share: float = 0.02,
) -> SyntheticNetwork:
    """A warehouse (``WH``) plus ``n_locations - 1`` stores (``S01``…), every part at every location.

    ``imbalance`` is the share of part-locations pushed out of balance, half above max stock and
    half below the reorder point; ``dead_stock_share`` more sit unmoved for 200-400 days.
    """
    if n_locations < 2 or n_parts < 1:
        raise ValueError("need at least one part and two locations")
    rng = np.random.default_rng(seed)
    n_stores = n_locations - 1
    codes = ("WH", *(f"S{i:02d}" for i in range(1, n_stores + 1)))

    n_cities = max(1, min(6, n_stores // 4))
    cities = rng.uniform(0, _REGION_KM, size=(n_cities, 2))
    store_xy = cities[np.arange(n_stores) % n_cities] + rng.normal(0, _CITY_SPREAD_KM, size=(n_stores, 2))
    warehouse_xy = cities[0] + rng.uniform(-150, 150, size=2)
    xy = np.vstack([warehouse_xy, store_xy])
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * _ROAD_FACTOR
    distances: dict[tuple[str, str], Decimal] = {}
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            if i != j:
                distances[(a, b)] = Decimal(str(round(max(1.0, float(km[i, j])), 1)))

    # Demand per part-location: a skewed part popularity times a per-store size factor.
    popularity = rng.lognormal(mean=-0.5, sigma=1.0, size=n_parts)
    store_size = np.concatenate([[4.0], rng.uniform(0.5, 1.5, size=n_stores)])
    daily = popularity[:, None] * store_size[None, :]
    safety = np.ceil(2 * daily).astype(np.int64)
    reorder = safety + np.ceil(5 * daily).astype(np.int64) + 1
    maximum = reorder + np.ceil(10 * daily).astype(np.int64) + 2

    state = rng.random(size=daily.shape)
    above = state < imbalance / 2
    below = (state >= imbalance / 2) & (state < imbalance)
    dead = (state >= imbalance) & (state < imbalance + dead_stock_share)
    normal = rng.integers(reorder, maximum + 1)
    on_hand = np.where(above, maximum + 1 + rng.integers(0, maximum + 1), normal)
    on_hand = np.where(below, rng.integers(0, reorder), on_hand)
    on_hand = np.where(dead, safety + 1 + rng.integers(0, maximum), on_hand)
    idle_days = np.where(dead, rng.integers(200, 400, size=daily.shape), rng.integers(0, 60, daily.shape))

    positions = []
    for p in range(n_parts):
        part = f"P{p:05d}"
        for loc in range(n_locations):
            positions.append(
                StockPosition(
                    part=part,
                    location=codes[loc],
                    on_hand=Decimal(int(on_hand[p, loc])),
                    safety_stock=Decimal(int(safety[p, loc])),
                    reorder_point=Decimal(int(reorder[p, loc])),
                    max_stock=Decimal(int(maximum[p, loc])),
                    days_since_movement=int(idle_days[p, loc]),
                )
            )
    return SyntheticNetwork(codes, frozenset({"WH"}), distances, tuple(positions))
