"""The demo company generator: determinism, shape of the company and the statistical story it tells."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from domain.demo.generate import DemoDataset, generate

TODAY = date(2025, 6, 30)
CODE_RE = re.compile(r"^[A-Z]{3}-\d{4}-[A-Z]$")
CJK_RE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def ds() -> DemoDataset:
    return generate(seed=42, today=TODAY)


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        if a.dtype.kind == "M":
            return a.dtype == b.dtype and np.array_equal(a.astype(np.int64), b.astype(np.int64))
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


def _ean_ok(code: str) -> bool:
    digits = [int(c) for c in code]
    return len(digits) == 13 and (sum(digits[0:12:2]) + 3 * sum(digits[1:12:2]) + digits[12]) % 10 == 0


def _site_of_location(d: DemoDataset) -> np.ndarray:
    """Column of the policy arrays for each location index (-1 where it is not a stock site)."""
    out = np.full(len(d.locations), -1)
    for i, loc in enumerate(d.locations):
        if loc.kind == "store":
            out[i] = d.site_codes.index(loc.code)
        elif loc.kind == "bin":
            out[i] = d.site_codes.index("WH")
    return out


def _on_hand(d: DemoDataset) -> np.ndarray:
    q = np.zeros(d.max_stock.shape)
    np.add.at(q, (d.stock_part, _site_of_location(d)[d.stock_location]), d.stock_quantity)
    return q


def test_same_seed_same_output_and_other_seed_differs() -> None:
    a, b = generate(7, TODAY, n_parts=300), generate(7, TODAY, n_parts=300)
    for f in dataclasses.fields(DemoDataset):
        assert _same(getattr(a, f.name), getattr(b, f.name)), f.name
    c = generate(8, TODAY, n_parts=300)
    assert not _same(a.demand_quantity, c.demand_quantity) or not _same(a.demand_day, c.demand_day)
    assert [p.name_zh for p in a.parts] != [p.name_zh for p in c.parts]


def test_small_catalogue_is_consistent() -> None:
    d = generate(3, TODAY, n_parts=60)
    assert len(d.parts) == 60
    assert d.safety_stock.shape == (60, 26)
    assert d.demand_part.max() < 60 and d.stock_part.max() < 60


def test_organisation(ds: DemoDataset) -> None:
    kinds = [loc.kind for loc in ds.locations]
    assert kinds.count("company") == 1 and kinds.count("region") == 3 and kinds.count("store") == 25
    assert kinds.count("warehouse") == 1 and kinds.count("zone") == 3 and kinds.count("bin") >= 90
    virtual = {loc.virtual_kind for loc in ds.locations if loc.kind == "virtual"}
    assert virtual == {"supplier", "workshop", "adjustment", "transit", "scrap", "customer"}
    assert all(loc.parent_code == "HQ" for loc in ds.locations if loc.kind == "virtual")
    seen: set[str] = set()
    for loc in ds.locations:
        assert loc.parent_code is None or loc.parent_code in seen, loc.code
        assert loc.code not in seen
        seen.add(loc.code)
    assert all(loc.bin_capacity and loc.bin_capacity > 0 for loc in ds.locations if loc.kind == "bin")
    stores = [loc.code for loc in ds.locations if loc.kind == "store"]
    assert ds.site_codes == [*stores, "WH"]


def test_distances(ds: DemoDataset) -> None:
    sites = [loc.code for loc in ds.locations if loc.kind in ("store", "warehouse")]
    km = {(a, b): d for a, b, d in ds.distances}
    assert len(km) == len(ds.distances) == len(sites) * (len(sites) - 1) // 2
    assert all(a < b and d > 0 for a, b, d in ds.distances)
    assert 6 <= km[("S-BJ01", "S-BJ02")] <= 10 and 12 <= km[("S-BJ01", "S-BJ03")] <= 18
    assert 100 <= km[("S-BJ01", "S-TJ01")] <= 140
    assert 1500 <= km[("S-BJ01", "S-GZ01")] <= 2700


def test_suppliers(ds: DemoDataset) -> None:
    rates = [s.on_time_rate for s in ds.suppliers]
    assert len(ds.suppliers) == 12 and len({s.code for s in ds.suppliers}) == 12
    assert all(0.68 <= r <= 0.98 for r in rates) and min(rates) == 0.68 and max(rates) == 0.98
    codes = {s.code for s in ds.suppliers}
    assert all(p.primary_supplier_code in codes for p in ds.parts)
    assert all(p.backup_supplier_code in codes | {None} for p in ds.parts)
    assert all(p.backup_supplier_code != p.primary_supplier_code for p in ds.parts)


def test_vehicle_models(ds: DemoDataset) -> None:
    assert 30 <= len(ds.vehicle_models) <= 40
    keys = {(v.make, v.model, v.year_from, v.engine) for v in ds.vehicle_models}
    assert len(keys) == len(ds.vehicle_models)
    assert all(v.year_from <= v.year_to for v in ds.vehicle_models)
    n = len(ds.vehicle_models)
    assert all(0 <= i < n for p in ds.parts for i in p.fitment)
    ev = {i for i, v in enumerate(ds.vehicle_models) if v.powertrain in ("BEV", "PHEV")}
    assert all(set(p.fitment) <= ev for p in ds.parts if p.category == "BCL")


def test_parts(ds: DemoDataset) -> None:
    parts = ds.parts
    assert len(parts) == 2500
    assert len({p.code for p in parts}) == 2500 and all(CODE_RE.match(p.code) for p in parts)
    assert all(p.code.startswith(p.category + "-") for p in parts)
    assert len({p.barcode for p in parts}) == 2500 and all(_ean_ok(p.barcode) for p in parts)
    assert {p.category for p in parts} == {"BRK", "BCL", "FLT", "WIP", "SUS", "ELE", "BDY", "TYR"}
    assert all(p.sale_price > p.purchase_price > 0 for p in parts)
    assert all(p.purchase_price == p.purchase_price.quantize(Decimal("0.01")) for p in parts)
    assert all((p.uom in ("PCS", "SET")) == (p.uom_precision == 0) for p in parts)
    assert all(p.costing_method in ("moving_average", "fifo") and p.abc_class in "ABC" for p in parts)
    assert all(p.moq >= 1 and p.pack_size >= 1 and p.lead_time_days >= 1 for p in parts)
    assert not [p.name_en for p in parts if CJK_RE.search(p.name_en)]
    assert all(len(set(p.aliases)) == len(p.aliases) > 0 for p in parts)
    assert 0 < sum(p.photo_url is None for p in parts) < 1000
    assert 0 < sum(p.manual_url is None for p in parts) < 2500
    assert any(re.search(r"\d{3}/\d{2}R\d{2}", p.spec) for p in parts if p.category == "TYR")


def test_substitutes_symmetric(ds: DemoDataset) -> None:
    subs = {p.code: set(p.substitutes) for p in ds.parts}
    assert sum(bool(s) for s in subs.values()) > 100
    for code, others in subs.items():
        assert code not in others
        assert all(code in subs[o] for o in others), code


def test_supersession_chains_are_acyclic(ds: DemoDataset) -> None:
    nxt = {p.code: p.superseded_by for p in ds.parts}
    assert all(t is None or t in nxt for t in nxt.values())
    lengths = []
    for start in nxt:
        if start in nxt.values():
            continue  # not the head of a chain
        seen, code = [start], nxt[start]
        while code is not None:
            assert code not in seen, "cycle"
            seen.append(code)
            code = nxt[code]
        if len(seen) > 1:
            lengths.append(len(seen))
    assert lengths and set(lengths) <= {2, 3} and 3 in lengths


def test_synonyms(ds: DemoDataset) -> None:
    terms = [t for g in ds.synonyms for t in g]
    assert len(terms) == len(set(terms)) and all(len(g) >= 2 for g in ds.synonyms)
    assert any({"刹车片", "制动片", "brake pad"} <= set(g) for g in ds.synonyms)


def _multiple_of_precision(q: np.ndarray, prec: np.ndarray) -> bool:
    scaled = q * 10.0**prec
    return bool(np.all(np.abs(scaled - np.round(scaled)) < 1e-6))


def test_quantities_respect_uom_precision(ds: DemoDataset) -> None:
    prec = np.array([p.uom_precision for p in ds.parts])
    assert _multiple_of_precision(ds.stock_quantity, prec[ds.stock_part])
    assert _multiple_of_precision(ds.demand_quantity, prec[ds.demand_part])
    for arr in (ds.safety_stock, ds.reorder_point, ds.max_stock):
        assert arr.dtype == np.float64 and _multiple_of_precision(arr, prec[:, None])
    assert (ds.stock_quantity > 0).all() and (ds.demand_quantity > 0).all()
    assert any(p.uom_precision > 0 for p in ds.parts)


def test_policy_is_round_and_ordered(ds: DemoDataset) -> None:
    n = len(ds.parts)
    assert ds.safety_stock.shape == ds.reorder_point.shape == ds.max_stock.shape == (n, 26)
    assert (ds.safety_stock <= ds.reorder_point).all() and (ds.reorder_point <= ds.max_stock).all()
    assert set(np.unique(ds.safety_stock[:, :25])) <= {0, 1, 2, 4, 5, 10, 20, 40}
    carried = ds.max_stock[:, :25] > 0
    # Expensive C parts are special-order only, so a third of the part-stores and a quarter of the
    # warehouse lines carry nothing.
    assert 0.6 < carried.mean() < 0.8 and 0.65 < (ds.max_stock[:, 25] > 0).mean() < 0.85
    price = np.array([float(p.purchase_price) for p in ds.parts])
    special = np.array([p.abc_class == "C" and p.uom in ("PCS", "SET") for p in ds.parts]) & (price >= 300)
    assert special.any() and (ds.max_stock[special] == 0).all()


def test_opening_stock(ds: DemoDataset) -> None:
    kinds = np.array([loc.kind for loc in ds.locations])[ds.stock_location]
    assert set(kinds) == {"store", "bin"}
    assert (ds.stock_received_on < np.datetime64(TODAY)).all()
    n = len(ds.stock_part)
    assert len(ds.stock_lot) == n and ds.stock_expiry.shape == (n,) and ds.stock_part.dtype == np.int32
    tracked = np.array([p.lot_tracked for p in ds.parts])[ds.stock_part]
    assert ((np.array(ds.stock_lot) != "") == tracked).all()
    price = np.array([float(p.purchase_price) for p in ds.parts])[ds.stock_part]
    assert (np.abs(ds.stock_unit_cost / price - 1) < 0.2).all()
    keys = set(zip(ds.stock_part.tolist(), ds.stock_location.tolist(), ds.stock_lot, strict=True))
    assert len(keys) == n
    # A lot is one batch of one part: the same receipt, cost and expiry wherever it lies.
    lots: dict[tuple[int, str], tuple] = {}
    for i in np.flatnonzero(tracked):
        rec = (ds.stock_received_on[i], ds.stock_unit_cost[i], str(ds.stock_expiry[i]))
        assert lots.setdefault((int(ds.stock_part[i]), ds.stock_lot[i]), rec) == rec
    coolant = [i for i in np.flatnonzero(tracked) if ds.parts[ds.stock_part[i]].category == "BCL"]
    assert coolant and not np.isnat(ds.stock_expiry[coolant]).any()
    assert np.isnat(ds.stock_expiry[~tracked]).all()
    assert len({ds.stock_lot[i] for i in coolant}) > 5


def test_stock_shortfalls_and_dead_stock(ds: DemoDataset) -> None:
    on_hand = _on_hand(ds)
    carried = ds.max_stock > 0
    low = carried[:, :25] & ((on_hand[:, :25] <= 0) | (on_hand[:, :25] < ds.safety_stock[:, :25]))
    assert 0.13 < low.sum() / carried[:, :25].sum() < 0.19
    last = np.full((len(ds.parts), 25), -1)
    np.maximum.at(last, (ds.demand_part, ds.demand_site), ds.demand_day)
    recent = np.column_stack([last >= 730 - 180, (last >= 730 - 180).any(axis=1)])
    price = np.array([float(p.purchase_price) for p in ds.parts])
    value = on_hand * price[:, None]
    assert 0.14 < value[~recent].sum() / value.sum() < 0.22
    # Lean gut-feeling stock: ~7x last year's demand at cost (~4.5x what the old routine issues).
    last_year = ds.demand_day >= 730 - 365
    demand_value = (ds.demand_quantity[last_year] * price[ds.demand_part[last_year]]).sum()
    assert 5.5 < demand_value / value.sum() < 9
    assert 0.2 < value[:, 25].sum() / value.sum() < 0.35
    # Dead stock is old stock.
    dead_rows = ~recent[ds.stock_part, _site_of_location(ds)[ds.stock_location]]
    age = (np.datetime64(TODAY) - ds.stock_received_on).astype(np.int64)
    assert (age[dead_rows] > 180).all()


def test_demand_events(ds: DemoDataset) -> None:
    n_events = len(ds.demand_part)
    assert 1_000_000 <= n_events <= 3_000_000
    assert ds.demand_part.dtype == ds.demand_site.dtype == ds.demand_day.dtype == np.int32
    assert ds.demand_day.min() >= 0 and ds.demand_day.max() <= 729 and ds.demand_site.max() < 25
    assert (ds.start_date - TODAY).days == -730
    assert np.all(np.diff(ds.demand_day) >= 0)


def _monthly(ds: DemoDataset, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Totals per full calendar month of the history and the month number (1-12) of each."""
    dates = np.datetime64(ds.start_date) + ds.demand_day[mask]
    months = dates.astype("datetime64[M]")
    first, last = np.datetime64(ds.start_date, "M") + 1, np.datetime64(TODAY, "M") - 1
    span = np.arange(first, last + 1)
    totals = np.array([ds.demand_quantity[mask][months == m].sum() for m in span])
    return totals, span.astype(np.int64) % 12 + 1


def test_coolant_peaks_in_march_and_september(ds: DemoDataset) -> None:
    bcl = np.array([p.category == "BCL" for p in ds.parts])[ds.demand_part]
    totals, month = _monthly(ds, bcl)
    peak = totals[np.isin(month, (3, 9))]
    assert len(peak) >= 3 and (peak >= 1.8 * np.median(totals)).all()


def test_seasonal_wipers_and_northern_tyres(ds: DemoDataset) -> None:
    cat = np.array([p.category for p in ds.parts])[ds.demand_part]
    south = ds.demand_site >= ds.site_codes.index("S-GZ01")
    totals, month = _monthly(ds, (cat == "WIP") & south)
    assert totals[np.isin(month, (6, 7))].mean() > 1.5 * totals[np.isin(month, (12, 1, 2))].mean()
    north = ds.demand_site < ds.site_codes.index("S-SH01")
    totals, month = _monthly(ds, (cat == "TYR") & north)
    assert totals[np.isin(month, (10, 11))].mean() > 1.5 * totals[np.isin(month, (5, 6, 7))].mean()


def test_pareto_and_intermittency(ds: DemoDataset) -> None:
    n = len(ds.parts)
    price = np.array([float(p.purchase_price) for p in ds.parts])
    value = np.bincount(ds.demand_part, weights=ds.demand_quantity * price[ds.demand_part], minlength=n)
    events = np.bincount(ds.demand_part, minlength=n)
    top = np.argsort(-events)[: int(0.15 * n)]
    assert value[top].sum() / value.sum() > 0.6
    # Days with demand per (part, store): the tail sells on well under half of the days.
    key = np.unique((ds.demand_part.astype(np.int64) * 25 + ds.demand_site) * 730 + ds.demand_day) // 730
    days = np.bincount(key, minlength=n * 25).reshape(n, 25)
    tail = np.argsort(events)[: n // 2]
    assert (1 - days[tail] / 730 > 0.5).all()
    assert 1 - days.sum() / days.size / 730 > 0.8
    big, small = ds.site_codes.index("S-BJ01"), ds.site_codes.index("S-TY01")
    assert days[:, big].sum() > 1.5 * days[:, small].sum()
