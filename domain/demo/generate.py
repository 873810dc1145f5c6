"""Entry point: `generate(seed, today, n_parts)` builds the whole demo company in memory.

Each part of the company draws from its own child seed, so changing how stock is generated does
not reshuffle the catalogue or the demand history of an existing seed."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from domain.demo.catalog import HISTORY_DAYS, build_catalog
from domain.demo.demand import build_demand
from domain.demo.names import SYNONYMS
from domain.demo.org import STORE_CODES, build_locations, site_distances
from domain.demo.specs import DemoDataset, LocationSpec, PartSpec, SupplierSpec, VehicleModelSpec
from domain.demo.stock import build_stock, gut_policy
from domain.demo.vehicles import build_vehicle_models

__all__ = ["DemoDataset", "LocationSpec", "PartSpec", "SupplierSpec", "VehicleModelSpec", "generate"]


def generate(seed: int = 42, today: date | None = None, n_parts: int = 2500) -> DemoDataset:
    """The demo company as of `today` (default: the real today) with 24 months of history.

    Same seed and today give identical output; nothing is printed, read or written."""
    today = today or date.today()
    start = today - timedelta(days=HISTORY_DAYS)
    rng_catalog, rng_demand, rng_policy, rng_stock = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    vehicles = build_vehicle_models()
    catalog = build_catalog(rng_catalog, n_parts, vehicles)
    demand = build_demand(rng_demand, catalog, start)
    policy = gut_policy(rng_policy, catalog)

    index = {loc.code: i for i, loc in enumerate(build_locations())}
    bins = {code: i for code, i in index.items() if code.count("-") == 3}
    stock = build_stock(rng_stock, catalog, policy, demand, today, [index[c] for c in STORE_CODES], bins)
    locations = build_locations(stock.bin_capacity)

    return DemoDataset(
        today=today,
        start_date=start,
        locations=locations,
        distances=site_distances(locations),
        suppliers=catalog.suppliers,
        vehicle_models=vehicles,
        parts=catalog.parts,
        synonyms=list(SYNONYMS),
        site_codes=[*STORE_CODES, "WH"],
        safety_stock=policy.safety_stock,
        reorder_point=policy.reorder_point,
        max_stock=policy.max_stock,
        stock_part=stock.part,
        stock_location=stock.location,
        stock_lot=stock.lot,
        stock_quantity=stock.quantity,
        stock_unit_cost=stock.unit_cost,
        stock_received_on=stock.received_on,
        stock_expiry=stock.expiry,
        demand_part=demand.part,
        demand_site=demand.site,
        demand_day=demand.day,
        demand_quantity=demand.quantity,
    )
