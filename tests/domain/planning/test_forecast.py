"""Forecasting engine: hand-computed values, metric edge cases, distributions, auto selection."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from domain.planning import forecast as fc

# --- methods: known values --------------------------------------------------------------------


def test_croston_by_hand() -> None:
    # first demand (t=2) initialises size 3, interval 2; next demand: size 2 after 3 periods
    # z = 3 + 0.1 (2 - 3) = 2.9, p = 2 + 0.1 (3 - 2) = 2.1
    y = [0, 3, 0, 0, 2]
    assert fc.croston(y, alpha=0.1) == pytest.approx([2.9 / 2.1])
    assert fc.sba(y, alpha=0.1) == pytest.approx([0.95 * 2.9 / 2.1])


def test_tsb_by_hand() -> None:
    # probability starts at the overall share 2/5 and is smoothed every period with beta=0.1
    d = 0.4
    for occurred in (0, 1, 0, 0, 1):
        d += 0.1 * (occurred - d)
    assert fc.tsb([0, 3, 0, 0, 2], alpha=0.1, beta=0.1) == pytest.approx([d * 2.9])
    assert d == pytest.approx(0.409096)


def test_ses_ma_holt_adida_by_hand() -> None:
    # SES starts at the mean of the first three periods (4): 3, 3.5, 4.75, 6.375
    assert fc.ses([2, 4, 6, 8], alpha=0.5) == pytest.approx([6.375])
    assert fc.moving_average([1, 2, 3, 4, 5, 6], window=3) == pytest.approx([5.0])
    assert fc.moving_average([1, 2], window=6) == pytest.approx([1.5])
    # Holt, alpha=beta=0.5: level 1.5, 1.625, 2.28125; trend -0.25, -0.0625, 0.296875
    assert fc.holt([1, 2, 3], 2, alpha=0.5, beta=0.5) == pytest.approx(np.array([[2.578125, 2.875]]))
    # ADIDA at level 2: bucket totals [2, 2, 2] -> SES 2 -> 1 per period
    assert fc.adida([0, 2, 0, 2, 0, 2], level=2, alpha=0.3) == pytest.approx([1.0])


def test_all_zero_and_single_demand_series() -> None:
    Y = np.array([[0.0] * 8, [0.0] * 7 + [4.0]])
    for method in fc.default_methods(4):
        out = fc.forecast(Y, method, 3, season=4)
        assert np.all(out[0] == 0), method
        assert np.all(np.isfinite(out[1])) and np.all(out[1] >= 0), method
    assert fc.croston(Y[1], alpha=0.1) == pytest.approx([4.0 / 8.0])


def test_seasonal_uses_indices_only_when_seasonal() -> None:
    rng = np.random.default_rng(1)
    pattern = np.tile([10.0, 0.0, 0.0, 0.0], 6) + rng.uniform(0, 0.5, 24)
    noise = rng.poisson(2.0, 24).astype(float)
    Y = np.stack([pattern, noise])
    assert fc.seasonality_test(Y, 4).tolist() == [True, False]
    out = fc.seasonal(Y, 4, 4, alpha=0.2)
    assert np.argmax(out[0]) == 0 and out[0, 0] > 5 * out[0, 1]
    assert out[1] == pytest.approx(np.repeat(fc.ses(noise, 0.2), 4))
    short = fc.seasonal(pattern[:7], 3, 4, alpha=0.2)  # < 2 seasons: SES fallback
    assert short == pytest.approx(np.repeat(fc.ses(pattern[:7], 0.2), 3)[None, :])


def test_rejects_nan_history() -> None:
    with pytest.raises(ValueError, match="NaN"):
        fc.ses([[1.0, np.nan]])


# --- property: finite, non-negative, vectorised == per series ----------------------------------

histories = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 30)),
    elements=st.one_of(st.just(0.0), st.integers(0, 50).map(float)),
)


@settings(max_examples=40, deadline=None)
@given(Y=histories, horizon=st.integers(1, 4))
def test_forecasts_finite_nonnegative_and_rowwise(Y: np.ndarray, horizon: int) -> None:
    for method in fc.default_methods(season=3):
        together = fc.forecast(Y, method, horizon, season=3)
        assert together.shape == (Y.shape[0], horizon)
        assert np.all(np.isfinite(together)) and np.all(together >= 0), method
        for i in range(Y.shape[0]):
            alone = fc.forecast(Y[i], method, horizon, season=3)
            np.testing.assert_allclose(alone[0], together[i], rtol=1e-12, atol=1e-12, err_msg=method)


# --- classification --------------------------------------------------------------------------


def test_classification_cutoffs() -> None:
    Y = [
        [1] * 12,  # ADI 1, CV² 0
        [17, 3] * 6,  # ADI 1, CV² exactly 0.49 -> erratic
        [5, 0, 0] * 4,  # ADI 3, CV² 0
        [17, 0, 3, 0] * 3,  # ADI 2, CV² 0.49 -> lumpy
        [0] * 12,
    ]
    c = fc.classify(Y)
    assert c.labels.tolist() == ["smooth", "erratic", "intermittent", "lumpy", "no demand"]
    assert c.cv2[1] == pytest.approx(0.49)
    # ADI exactly 1.32 (33 periods, 25 demands) sits on the intermittent side
    y = np.zeros(33)
    y[:25] = 4.0
    assert fc.classify(y).adi[0] == pytest.approx(1.32)
    assert fc.classify(y).labels[0] == "intermittent"
    y2 = np.zeros(33)
    y2[:26] = 4.0  # ADI 1.269
    assert fc.classify(y2).labels[0] == "smooth"


# --- metrics -----------------------------------------------------------------------------------


def test_mase_rmsse_bias_by_hand() -> None:
    history = [[1.0, 3.0, 2.0, 4.0]]  # naive |diffs| 2, 1, 2 -> MAE 5/3, MSE 3
    actual, forecast = [[2.0, 2.0]], [[3.0, 1.0]]
    assert fc.mase(actual, forecast, history).values == pytest.approx([0.6])
    assert fc.rmsse(actual, forecast, history).values == pytest.approx([np.sqrt(1 / 3)])
    assert fc.bias(actual, [[3.0, 3.0]]) == pytest.approx([1.0])
    assert fc.scaled_bias(actual, [[3.0, 3.0]], history).values == pytest.approx([0.6])
    # a flat (n,) forecast broadcasts over the horizon
    assert fc.mase(actual, [2.0], history).values == pytest.approx([0.0])


def test_zero_scale_is_explicitly_undefined() -> None:
    history = [[5.0, 5.0, 5.0], [1.0, 2.0, 3.0]]
    score = fc.mase([[5.0], [4.0]], [[6.0], [3.0]], history)
    assert score.defined.tolist() == [False, True]
    assert np.isnan(score.values[0]) and score.values[1] == pytest.approx(1.0)
    assert score.mean() == pytest.approx(1.0)  # undefined series left out, not inf
    assert score.n_defined == 1
    assert np.isnan(fc.rmsse([[1.0]], [[2.0]], [[0.0, 0.0]]).mean())


def test_mape_undefined_with_zero_actuals() -> None:
    score = fc.mape([[0.0, 2.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]])
    assert score.defined.tolist() == [False, True]
    assert np.isnan(score.values[0])
    assert score.values[1] == pytest.approx(75.0)


def test_worsening_error_flags() -> None:
    rng = np.random.default_rng(0)
    stable = rng.normal(1.0, 0.1, 24)
    worse = np.concatenate([rng.normal(1.0, 0.1, 18), rng.normal(3.0, 0.1, 6)])
    better = np.concatenate([rng.normal(3.0, 0.1, 18), rng.normal(1.0, 0.1, 6)])
    sparse = np.full(24, np.nan)
    sparse[[0, 23]] = [1.0, 9.0]  # too few scored periods to judge
    flags = fc.worsening_error(np.stack([stable, worse, better, sparse]), recent=6)
    assert flags.tolist() == [False, True, False, False]


# --- distributions ------------------------------------------------------------------------------


def test_negative_binomial_lead_time_matches_scipy() -> None:
    dist = fc.lead_time_demand(2.0, 6.0, 3.0)  # mean 6, var 18 -> n = 3, p = 1/3
    assert not dist.poisson[0]
    assert dist.n[0] == pytest.approx(3.0) and dist.p[0] == pytest.approx(1 / 3)
    for p in (0.5, 0.9, 0.95, 0.99):
        assert fc.quantile(dist, p)[0] == stats.nbinom.ppf(p, 3.0, 1 / 3)


def test_poisson_and_random_lead_time() -> None:
    dist = fc.lead_time_demand([1.5, 0.0], [1.0, 0.0], 2.5)  # under-dispersed -> Poisson
    assert dist.poisson.tolist() == [True, True]
    assert fc.quantile(dist, 0.9).tolist() == [stats.poisson.ppf(0.9, 3.75), 0.0]
    # random lead time: Var = E[L] σ² + μ² Var[L]
    rand = fc.lead_time_demand(2.0, 2.0, 4.0, 1.5)
    assert rand.mean[0] == pytest.approx(8.0)
    assert rand.var[0] == pytest.approx(4.0 * 2.0 + 4.0 * 2.25)


def test_expected_shortage_and_fill_rate() -> None:
    dist = fc.lead_time_demand([2.0, 3.0], [6.0, 3.0], 2.0)  # one NBD, one Poisson
    ks = np.arange(400)
    pmfs = [stats.nbinom.pmf(ks, dist.n[0], dist.p[0]), stats.poisson.pmf(ks, dist.mean[1])]
    for s in (0, 3, 7.5):
        es = fc.expected_shortage(dist, s)
        brute = [np.sum(np.maximum(ks - s, 0) * pmf) for pmf in pmfs]
        assert es == pytest.approx(brute, rel=1e-9)
    assert fc.expected_shortage(dist, -2.0) == pytest.approx(dist.mean + 2.0)
    rop = fc.reorder_point_for_fill_rate(dist, 0.95, 5.0)
    assert np.all(fc.fill_rate(dist, rop, 5.0) >= 0.95)
    assert np.all((rop == 0) | (fc.fill_rate(dist, rop - 1, 5.0) < 0.95))
    assert fc.safety_stock(dist, rop) == pytest.approx(rop - dist.mean)


def test_per_period_moments_keep_dispersion() -> None:
    history = [[0, 0, 9, 0, 0, 3], [2, 2, 2, 2, 2, 2]]
    mean, var = fc.per_period_moments(history, [1.0, 2.0])
    vmr = np.var(history[0], ddof=1) / np.mean(history[0])
    assert mean.tolist() == [1.0, 2.0]
    assert var == pytest.approx([vmr, 2.0])  # constant history -> Poisson floor


# --- backtest and automatic selection ------------------------------------------------------------


def test_backtest_reports_every_method_and_auto() -> None:
    rng = np.random.default_rng(3)
    Y = (rng.random((60, 30)) < 0.4) * rng.poisson(3, (60, 30)).astype(float)
    results = fc.backtest(Y, 6)
    assert [r.method for r in results] == [*fc.default_methods(None), "auto"]
    for r in results:
        assert np.isfinite([r.MASE, r.RMSSE, r.bias, r.seconds]).all()
        assert set(r.as_dict()) == {"method", "MASE", "RMSSE", "bias", "seconds"}
    with pytest.raises(ValueError, match="training periods"):
        fc.backtest(Y, 29)


def test_auto_falls_back_on_short_history() -> None:
    out = fc.auto_forecast([[1.0, 0.0, 2.0], [0.0, 0.0, 5.0]], 2)
    assert out.forecast.shape == (2, 2)
    assert set(out.choice.tolist()) <= {"ses", "sba"}


def _shared_data() -> Path:
    env = os.environ.get("IMS_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data"


def test_auto_no_worse_than_best_single_on_auto_sample() -> None:
    path = _shared_data() / "auto-parts-monthly.csv"
    if not path.is_file():
        pytest.skip(f"shared data set not found at {path}")
    raw = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2))
    Y = raw[:, 1].reshape(-1, int(raw[:, 0].max()))
    sample = Y[::10]  # 300 series spread over the whole file
    results = {r.method: r for r in fc.backtest(sample, 6, season=12)}
    auto = results.pop("auto")
    assert auto.MASE <= min(r.MASE for r in results.values())
    assert auto.RMSSE <= min(r.RMSSE for r in results.values())


def test_croston_family_speed() -> None:
    rng = np.random.default_rng(0)
    Y = (rng.random((62_500, 24)) < 0.3) * rng.poisson(3.0, (62_500, 24)).astype(float)
    for method in (fc.croston, fc.sba, fc.tsb):
        method(Y[:10])
        start = time.perf_counter()
        method(Y)
        # >= 100,000 series/s; generous so a busy CI machine does not flake
        assert time.perf_counter() - start < 0.625
