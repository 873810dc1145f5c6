"""Simulator invariants (unit conservation, no peeking), IMS vs the manual routine, and the CLI."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli_simulate import simulate_app
from domain.demo.generate import generate
from domain.planning.planners import ImsPlanner, NaivePlanner, SeriesInfo
from domain.planning.sim_inputs import from_demo, run_policies
from domain.planning.simulate import METRIC_KEYS, _allocate, draw_lead_times, simulate
from domain.planning.tradeoff import TradeoffPoint, plot_tradeoff, sweep_service_targets

START = date(2023, 1, 1)


def _demand(n_parts: int = 40, n_stores: int = 4, days: int = 540, seed: int = 0) -> dict[str, np.ndarray]:
    """Intermittent, lumpy demand at ``n_stores`` stores per part plus a warehouse row per part."""
    rng = np.random.default_rng(seed)
    rate = rng.lognormal(-2.0, 1.3, n_parts)
    size_p = rng.uniform(0.4, 1.0, n_parts)
    sites = n_stores + 1
    dem = np.zeros((n_parts, sites, days), dtype=np.int32)
    events = rng.poisson(rate[:, None, None] * rng.uniform(0.5, 1.5, (n_parts, n_stores, 1)), (n_parts, n_stores, days))
    dem[:, :n_stores] = events * rng.geometric(size_p[:, None, None], (n_parts, n_stores, days))
    part = np.repeat(np.arange(n_parts), sites)
    site = np.tile(np.arange(sites), n_parts)
    return {
        "demand": dem.reshape(-1, days),
        "cost": rng.lognormal(4.0, 1.0, n_parts)[part],
        "part": part,
        "warehouse": np.where(site < n_stores, part * sites + n_stores, -1),
    }


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return _demand()


def _info(d: dict[str, np.ndarray], routed: bool = True) -> SeriesInfo:
    return SeriesInfo.build(d["cost"], 12.0, 3.0, 0.85, warehouse=d["warehouse"] if routed else None, group=d["part"])


@pytest.mark.parametrize("policy", ["ims", "naive"])
@pytest.mark.parametrize("routed", [False, True])
def test_units_are_conserved_per_series(data: dict[str, np.ndarray], policy: str, routed: bool) -> None:
    opening = np.full(data["demand"].shape[0], 3)
    res = simulate(data["demand"], policy, info=_info(data, routed), start_day=300, start_date=START,
                   opening_stock=opening, seed=3)  # fmt: skip
    # Stock leaves a series by customer issues and shipments to its stores; transfers happen only
    # when a series starts being served by its warehouse, and they net to zero.
    flow = res.starting_stock + res.received - res.served - res.shipped + res.transferred
    assert np.array_equal(flow, res.ending_stock)
    assert res.transferred.sum() == 0
    assert res.units_served == res.served.sum() <= res.units_demanded == data["demand"][:, 300:].sum()
    assert (res.ending_stock >= 0).all()
    assert 0.0 <= res.fill_rate <= 1.0 and 0.0 <= res.dead_stock_share <= 1.0


def test_no_peeking_future_demand_does_not_change_earlier_orders(data: dict[str, np.ndarray]) -> None:
    cut = 420
    kwargs: dict[str, Any] = {
        "info": _info(data),
        "start_day": 300,
        "start_date": START,
        "seed": 5,
        "record_orders": True,
    }
    base = simulate(data["demand"], ImsPlanner(), **kwargs)
    changed = data["demand"].copy()
    changed[:, cut:] = np.random.default_rng(9).poisson(3.0, changed[:, cut:].shape)
    alt = simulate(changed, ImsPlanner(), **kwargs)
    assert base.order_log is not None and alt.order_log is not None
    days_before = cut - 300
    assert np.array_equal(base.order_log[:, :days_before], alt.order_log[:, :days_before])
    assert not np.array_equal(base.order_log[:, days_before:], alt.order_log[:, days_before:])


def test_ims_beats_the_manual_routine(data: dict[str, np.ndarray]) -> None:
    n = data["demand"].shape[0]
    # Gut feeling: round numbers that ignore how fast each part actually sells.
    gut = NaivePlanner(np.full(n, 10), np.full(n, 20))
    kw: dict[str, Any] = {"info": _info(data), "start_day": 365, "start_date": START, "opening_stock": np.full(n, 12),
          "seed": 1}  # fmt: skip
    ims = simulate(data["demand"], "ims", **kw)
    naive = simulate(data["demand"], gut, **kw)
    assert ims.fill_rate > naive.fill_rate
    assert ims.turnover > naive.turnover
    assert ims.dead_stock_share < naive.dead_stock_share
    assert ims.cleared_dead_stock_value > 0.0


def test_warmup_runs_the_old_routine_before_the_replay(data: dict[str, np.ndarray]) -> None:
    n = data["demand"].shape[0]
    gut = NaivePlanner(np.full(n, 2), np.full(n, 6))
    res = simulate(data["demand"], "ims", info=_info(data), start_day=365, start_date=START,
                   opening_stock=np.full(n, 4), warmup=gut)  # fmt: skip
    assert res.days == data["demand"].shape[1] - 365
    assert not np.array_equal(res.starting_stock, np.full(n, 4))


def test_lead_times_follow_supplier_and_lateness() -> None:
    rng = np.random.default_rng(0)
    exact = draw_lead_times(rng, np.full(1000, 9.0), np.zeros(1000), np.ones(1000))
    assert (exact == 9).all()
    late = draw_lead_times(rng, np.full(20000, 9.0), np.zeros(20000), np.full(20000, 0.7))
    assert late.min() == 9 and late.max() == 19
    assert (late > 9).mean() == pytest.approx(0.3, abs=0.02)


def test_sweep_and_chart(data: dict[str, np.ndarray], tmp_path: Path) -> None:
    pts = sweep_service_targets(data["demand"], (0.8, 0.99), info=_info(data), start_day=400, start_date=START)
    assert pts[0].avg_inventory_value < pts[1].avg_inventory_value
    out = plot_tradeoff(pts, tmp_path / "tradeoff.png", TradeoffPoint(0.0, 0.8, pts[0].avg_inventory_value))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    rng = np.random.default_rng(2)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["series_id", "period", "quantity"])
        for s in range(12):
            for k in range(18):
                w.writerow([f"P{s}@S1", f"{2023 + k // 12}-{k % 12 + 1:02d}", int(rng.poisson(4 + s))])
    res = CliRunner().invoke(simulate_app, ["--data", str(path), "--months", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"ims", "naive"}
    for metrics in out.values():
        assert set(METRIC_KEYS) <= set(metrics)
    one = CliRunner().invoke(simulate_app, ["--data", str(path), "--months", "2", "--policy", "naive", "--json"])
    assert list(json.loads(one.stdout)) == ["naive"]


def test_warehouse_allocation_ships_in_order_until_stock_runs_out() -> None:
    src = np.array([7, 3, 7, 7, 3])
    want = np.array([4, 2, 4, 4, 5])
    free = np.zeros(8, np.int64)
    free[7], free[3] = 10, 3
    assert _allocate(src, want, free).tolist() == [4, 2, 4, 2, 1]


def test_excess_return_is_reported_apart_from_dead_stock(data: dict[str, np.ndarray]) -> None:
    n = data["demand"].shape[0]
    kw: dict[str, Any] = {
        "info": _info(data),
        "start_day": 365,
        "start_date": START,
        "opening_stock": np.full(n, 40),
        "seed": 1,
    }
    strict = simulate(data["demand"], ImsPlanner(), **kw)
    lever = simulate(data["demand"], ImsPlanner(return_excess_days=30), **kw)
    assert strict.returned_excess_value == 0.0 < lever.returned_excess_value
    assert lever.cleared_dead_stock_value == strict.cleared_dead_stock_value
    assert lever.avg_inventory_value < strict.avg_inventory_value


def test_demo_dataset_adapter_on_a_small_company() -> None:
    ds = generate(today=date(2025, 6, 30), n_parts=60)
    inputs = from_demo(ds)
    n_sites = len(ds.site_codes)
    assert inputs.info.n == 60 * n_sites == len(inputs.labels)
    assert inputs.n_days == 730 and inputs.replay_start(12) == 365
    scale = 10.0 ** np.array([p.uom_precision for p in ds.parts])
    assert inputs.demand.qty.sum() == pytest.approx((ds.demand_quantity * scale[ds.demand_part]).sum(), rel=1e-6)
    assert inputs.info.warehouse is not None
    assert (inputs.info.warehouse[n_sites - 1 :: n_sites] == -1).all()
    res = run_policies(inputs, 12)
    for r in res.values():
        flow = r.starting_stock + r.received - r.served - r.shipped + r.transferred
        assert np.array_equal(flow, r.ending_stock)
    assert res["ims"].fill_rate > res["naive"].fill_rate
