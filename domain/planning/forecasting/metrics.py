"""Forecast accuracy metrics that stay meaningful for intermittent demand.

Scaled errors (MASE, RMSSE, scaled bias) divide by the in-sample error of the one-step naive
forecast so series of very different volumes can be averaged. A series whose training history is
constant has a zero scale: rather than emitting ``inf`` or a silent ``nan`` the score is marked
*undefined* in an explicit mask and left out of averages, and callers can report how many were
left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SeriesScore:
    """Per-series metric values with an explicit mask of series where the metric is defined."""

    values: FloatArray
    defined: BoolArray

    def mean(self) -> float:
        """Average over defined series only; NaN when none is defined (nothing to average)."""
        if not self.defined.any():
            return float("nan")
        return float(self.values[self.defined].mean())

    @property
    def n_defined(self) -> int:
        return int(self.defined.sum())


def _pair(actual: ArrayLike, forecast: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Align actuals (n, h) with forecasts given as (n, h), flat (n,), or one series (h,)."""
    a = np.asarray(actual, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    f = np.asarray(forecast, dtype=np.float64)
    if f.ndim == 1 and a.shape[0] == 1 and f.shape[0] == a.shape[1]:
        f = f[None, :]
    elif f.ndim == 1:
        f = f[:, None]
    return a, np.broadcast_to(f, a.shape)


def naive_scale(history: ArrayLike, power: int = 1) -> FloatArray:
    """Mean |Δy|**power of the in-sample one-step naive forecast (MAE for 1, MSE for 2)."""
    h = np.atleast_2d(np.asarray(history, dtype=np.float64))
    if h.shape[1] < 2:
        return np.zeros(h.shape[0])
    return np.mean(np.abs(np.diff(h, axis=1)) ** power, axis=1)


def _scaled(num: FloatArray, scale: FloatArray) -> SeriesScore:
    defined = scale > 0
    values = np.full(num.shape, np.nan)
    np.divide(num, scale, out=values, where=defined)
    return SeriesScore(values, defined)


def mase(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike) -> SeriesScore:
    """Mean absolute scaled error per series (Hyndman & Koehler 2006)."""
    a, f = _pair(actual, forecast)
    return _scaled(np.mean(np.abs(a - f), axis=1), naive_scale(history, 1))


def rmsse(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike) -> SeriesScore:
    """Root mean squared scaled error per series (the M5 metric), which rewards the mean level."""
    a, f = _pair(actual, forecast)
    mse = np.mean((a - f) ** 2, axis=1)
    s = _scaled(mse, naive_scale(history, 2))
    return SeriesScore(np.sqrt(s.values), s.defined)


def bias(actual: ArrayLike, forecast: ArrayLike) -> FloatArray:
    """Mean error per series, forecast minus actual: positive means over-forecasting."""
    a, f = _pair(actual, forecast)
    return np.mean(f - a, axis=1)


def scaled_bias(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike) -> SeriesScore:
    """Mean error over the naive MAE, so bias can be averaged across series of any volume."""
    return _scaled(bias(actual, forecast), naive_scale(history, 1))


def mape(actual: ArrayLike, forecast: ArrayLike) -> SeriesScore:
    """Mean absolute percentage error, *undefined* for any series with a zero actual.

    MAPE divides by the actual, so it does not exist for intermittent demand, where zeros are the
    norm. Such series get NaN and ``defined=False``; do not use MAPE to compare methods on
    intermittent data (use MASE/RMSSE).
    """
    a, f = _pair(actual, forecast)
    defined = np.all(a != 0, axis=1)
    values = np.full(a.shape[0], np.nan)
    if defined.any():
        values[defined] = 100.0 * np.mean(np.abs((a[defined] - f[defined]) / a[defined]), axis=1)
    return SeriesScore(values, defined)


def worsening_error(
    errors: ArrayLike, recent: int = 6, alpha: float = 0.05, min_ratio: float = 1.25
) -> BoolArray:
    """Flag series whose last ``recent`` scaled errors are significantly worse than before.

    A one-sided Welch t-test per series (vectorised) guards against flagging noise, and
    ``min_ratio`` demands a material worsening too, since with long histories tiny shifts become
    "significant". NaN errors (periods not yet scored) are ignored; series with fewer than two
    scored periods on either side are never flagged.
    """
    from scipy import stats

    E = np.atleast_2d(np.asarray(errors, dtype=np.float64))
    if recent < 1 or recent >= E.shape[1]:
        raise ValueError("recent must be between 1 and n_periods - 1")

    def moments(block: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        ok = np.isfinite(block)
        cnt = ok.sum(axis=1)
        mean = np.where(ok, block, 0.0).sum(axis=1) / np.maximum(cnt, 1)
        ss = np.where(ok, (block - mean[:, None]) ** 2, 0.0).sum(axis=1)
        return mean, ss / np.maximum(cnt - 1, 1) / np.maximum(cnt, 1), cnt

    m_old, v_old, n_old = moments(E[:, :-recent])
    m_new, v_new, n_new = moments(E[:, -recent:])
    enough = (n_old >= 2) & (n_new >= 2)
    se2 = v_old + v_new
    safe = se2 > 0
    tstat = np.divide(m_new - m_old, np.sqrt(se2), out=np.zeros_like(se2), where=safe)
    denom = v_old**2 / np.maximum(n_old - 1, 1) + v_new**2 / np.maximum(n_new - 1, 1)
    dof = np.divide(se2**2, denom, out=np.ones_like(se2), where=denom > 0)
    pval = np.where(safe, stats.t.sf(tstat, np.maximum(dof, 1.0)), np.where(m_new > m_old, 0.0, 1.0))
    return enough & (pval < alpha) & (m_new > min_ratio * m_old)
