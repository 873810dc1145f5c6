"""Policy maths against hand-checked values and scipy, plus seasonal anticipation."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from domain.planning.demand_profile import DemandHistory, estimate_profile, month_index
from domain.planning.planners import ImsPlanner, SeriesInfo, nice_round_up
from domain.planning.policy import (
    CostParams,
    Priority,
    ServiceTargets,
    economic_order_qty,
    effective_lead_time,
    expected_fill_rate,
    expected_shortage,
    inventory_position,
    lead_time_demand_moments,
    ltd_cdf,
    ltd_ppf,
    order_quantity,
    plan_replenishment,
    rop_for_csl,
    rop_for_fill_rate,
    round_order_qty,
    suggestion_priority,
)


def test_poisson_rop_equals_scipy_ppf() -> None:
    assert rop_for_csl(0.95, 2.0, 2.0) == stats.poisson.ppf(0.95, 2.0) == 5


def test_negative_binomial_rop_when_over_dispersed() -> None:
    # mean 3, variance 9 -> n = 1.5, p = 1/3
    assert rop_for_csl(0.95, 3.0, 9.0) == stats.nbinom.ppf(0.95, 1.5, 1 / 3)
    assert rop_for_csl(0.95, 3.0, 9.0) > rop_for_csl(0.95, 3.0, 3.0)


def test_small_counts_are_not_normal_approximated() -> None:
    # Mean 0.2 per lead time: a normal approximation gives 0.2 + 1.645*0.45 = 0.94 -> 1, Poisson gives 1
    # only above 81.9 %, and 0 at 80 %.
    assert rop_for_csl(0.80, 0.2, 0.2) == 0
    assert rop_for_csl(0.90, 0.2, 0.2) == 1
    assert ltd_cdf(0, 0.2, 0.2) == pytest.approx(np.exp(-0.2))


def test_lead_time_demand_moments_fold_in_lead_time_variability() -> None:
    mean, var = lead_time_demand_moments(2.0, 3.0, 10.0, 2.0, review_days=1.0)
    assert mean == pytest.approx(22.0)
    assert var == pytest.approx(11 * 3.0 + 2.0**2 * 2.0**2)


def test_late_deliveries_lengthen_and_widen_lead_time() -> None:
    m, s = effective_lead_time(10.0, 2.0, on_time_rate=0.8)
    assert m == pytest.approx(10.0 + 0.2 * 6.5)
    assert s > 2.0
    assert effective_lead_time(10.0, 2.0, 1.0) == (pytest.approx(10.0), pytest.approx(2.0))


@pytest.mark.parametrize(("mean", "var"), [(2.0, 2.0), (0.3, 0.9), (5.0, 20.0), (12.0, 12.0)])
def test_expected_shortage_matches_brute_force(mean: float, var: float) -> None:
    ks = np.arange(600)
    if var > mean:
        pmf = stats.nbinom.pmf(ks, mean**2 / (var - mean), mean / var)
    else:
        pmf = stats.poisson.pmf(ks, mean)
    for r in range(-2, 25):
        assert expected_shortage(r, mean, var) == pytest.approx((np.maximum(ks - r, 0) * pmf).sum(), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    mean=st.floats(0.01, 40.0),
    ratio=st.floats(1.0, 6.0),
    target=st.floats(0.5, 0.995),
    q=st.integers(1, 60),
)
def test_fill_rate_rop_is_the_smallest_that_meets_the_target(mean: float, ratio: float, target: float, q: int) -> None:
    var = mean * ratio
    r = int(rop_for_fill_rate(target, q, mean, var))
    assert expected_fill_rate(r, q, mean, var) >= target - 1e-12
    assert r == 0 or expected_fill_rate(r - 1, q, mean, var) < target
    assert r <= rop_for_csl(target, mean, var)  # fill rate >= CSL for the same r
    assert ltd_ppf(target, mean, var) == rop_for_csl(target, mean, var)


def test_fill_rate_rop_is_vectorised() -> None:
    mean = np.array([0.0, 0.5, 4.0, 30.0])
    r = rop_for_fill_rate(0.95, np.array([1, 2, 10, 50]), mean, mean * 2)
    assert r.shape == (4,)
    assert r[0] == 0
    assert np.all(np.diff(r) >= 0)


def test_eoq_and_rounding() -> None:
    assert economic_order_qty(1000, 10.0, CostParams(25.0, 0.25)) == pytest.approx(np.sqrt(20000))
    assert round_order_qty(3, moq=10, pack_size=6) == 12  # up to MOQ 10, then to a whole pack
    assert round_order_qty(13, moq=10, pack_size=6) == 18
    assert round_order_qty(0.2) == 1  # never below one unit
    assert round_order_qty(0.0, moq=0, pack_size=0) == 1
    assert order_quantity(0.0, 50.0, moq=10, pack_size=6) == 12
    # Cover cap: a slow mover is not ordered for years ahead.
    assert order_quantity(12.0, 1.0, max_cover_days=30) == 1


def test_plan_sets_max_stock_and_skips_parts_without_demand() -> None:
    plan = plan_replenishment(
        ltd_mean=[0.0, 2.0, 2.0],
        ltd_var=[0.0, 2.0, 2.0],
        annual_demand=[0.0, 2.0, 50.0],
        unit_cost=[10.0, 10.0, 10.0],
        abc=["A", "A", "C"],
        moq=[1, 10, 1],
        pack_size=[1, 6, 1],
    )
    assert plan.reorder_point.tolist() == [-1, 5, int(stats.poisson.ppf(0.90, 2.0))]
    assert plan.order_qty[0] == 0 and plan.order_qty[1] == 12
    assert plan.max_stock[1] == 5 + 12
    assert plan.safety_stock[1] == pytest.approx(3.0)
    assert plan.target.tolist() == [0.98, 0.98, 0.90]


def test_service_targets_by_class_and_kind() -> None:
    t = ServiceTargets(kind="fill_rate")
    assert t.for_classes(["A", "b", "C", "?"]).tolist() == [0.98, 0.95, 0.90, 0.90]
    plan_fr = plan_replenishment([4.0], [8.0], [200.0], [5.0], ["A"], t)
    plan_csl = plan_replenishment([4.0], [8.0], [200.0], [5.0], ["A"], ServiceTargets())
    assert plan_fr.reorder_point[0] <= plan_csl.reorder_point[0]


def test_priority_colours_and_stockout_probability() -> None:
    position = inventory_position(
        on_hand=[1, 10, 16, 40], on_order=[0, 0, 0, 0], reserved=[0, 0, 0, 0], backorders=[0, 0, 0, 0]
    )
    colour, p_out = suggestion_priority(position, safety=[5, 5, 5, 5], daily_mean=[2.0] * 4, lead_time_mean=[5.0] * 4,
                                        lead_time_demand_var=[10.0] * 4)  # fmt: skip
    assert colour.tolist() == [Priority.RED, Priority.ORANGE, Priority.YELLOW, Priority.GREEN]
    assert np.all(np.diff(p_out) < 0)
    assert inventory_position(5, on_order=3, in_transit=2, reserved=1, backorders=4) == 5


def test_nice_round_numbers() -> None:
    assert nice_round_up([0, 0.3, 3, 7, 11, 45, 120]).tolist() == [0, 1, 5, 10, 20, 50, 200]


def _coolant_history(end: date, years: int = 2, seed: int = 7) -> tuple[np.ndarray, date]:
    """Four locations of a coolant-like part: ~1.5 units/day, x3 in March and September."""
    start = date(end.year - years, end.month, 1)
    days = (end - start).days
    peak = np.ones(12)
    peak[[2, 8]] = 3.0
    rate = 1.5 * peak[month_index(start, days)]
    rng = np.random.default_rng(seed)
    return rng.poisson(rate, size=(4, days)), start


def test_seasonal_peak_is_detected_and_flat_series_stay_flat() -> None:
    hist, start = _coolant_history(date(2025, 1, 1))
    flat = np.random.default_rng(1).poisson(1.5, size=(4, hist.shape[1]))
    prof = estimate_profile(np.vstack([hist, flat]), start, group=[0, 0, 0, 0, 1, 1, 1, 1])
    assert prof.seasonal.tolist() == [True] * 4 + [False] * 4
    assert prof.season[0, 2] > 2.0 and prof.season[0, 8] > 2.0 and prof.season[0, 5] < 0.9
    assert prof.level[0] == pytest.approx(1.5 * 16 / 12, rel=0.15)  # index averages 1 over the year


def test_policy_raises_coolant_rop_ahead_of_march_and_september_peaks() -> None:
    planner = ImsPlanner()
    info = SeriesInfo.build(np.full(4, 40.0), 10.0, 2.0, 0.95, group=np.zeros(4, np.int64))
    rop: dict[int, float] = {}
    for year, month in [(2025, 1), (2025, 2), (2024, 11), (2024, 12), (2025, 5), (2025, 7), (2025, 8)]:
        plan_date = date(year, month, 1)
        hist, start = _coolant_history(plan_date)
        rop[month] = float(planner.plan(DemandHistory.from_dense(hist), plan_date, start, info).reorder_point.mean())
    off_season = max(rop[11], rop[12], rop[5])
    for month in (1, 2, 7, 8):
        assert rop[month] > 1.5 * off_season, (month, rop)
    # Without a season the same planner keeps the ROP flat through January.
    flat_hist = np.random.default_rng(3).poisson(1.5, size=(4, 731))
    jan = planner.plan(
        DemandHistory.from_dense(flat_hist), date(2025, 1, 1), date(2023, 1, 1), info
    ).reorder_point.mean()
    nov = planner.plan(
        DemandHistory.from_dense(flat_hist[:, :-61]), date(2024, 11, 1), date(2023, 1, 1), info
    ).reorder_point.mean()
    assert abs(jan - nov) <= 0.25 * nov


def test_month_index_crosses_year_end() -> None:
    assert month_index(date(2024, 12, 30), 4).tolist() == [11, 11, 0, 0]
    assert (date(2024, 12, 30) + timedelta(days=2)).month == 1
