"""Point-forecast methods, vectorised over many series at once.

Every function takes ``Y`` of shape ``(n_series, n_periods)`` (non-negative demand, oldest period
first) and loops over *time* only, never over series, so cost grows with ``n_periods`` and the
per-step numpy work is shared by all series. Flat methods return ``(n,)``; trend and seasonal
methods return ``(n, horizon)``. Forecasts are clipped at zero because negative demand is
meaningless for spare parts.

Where a smoothing parameter is ``None`` it is chosen per series from a small grid by in-sample
one-step mean squared error; the grid is a trailing axis so all candidates run in one pass.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

ALPHA_GRID: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5)
BETA_GRID: tuple[float, ...] = (0.02, 0.1, 0.2)
WINDOW_GRID: tuple[int, ...] = (3, 6, 12)
_INIT_PERIODS = 3
"""SES-type levels start at the mean of the first few periods: a single first value is too noisy
for intermittent demand, and a whole-history mean would leak the future into the fit."""


def as_matrix(Y: ArrayLike) -> FloatArray:
    """Accept one series or many, so callers need not reshape a single part's history."""
    arr = np.asarray(Y, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D array (n_series, n_periods), got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError("need at least one period of history")
    if not np.all(np.isfinite(arr)):
        raise ValueError("history contains NaN or infinite values; fill or drop incomplete series first")
    return arr


def _grid(values: float | None, default: tuple[float, ...]) -> FloatArray:
    return np.asarray(default if values is None else (values,), dtype=np.float64)


def _pick(candidates: FloatArray, sse: FloatArray) -> FloatArray:
    """Per-series pick along the grid axis; ties go to the first (smoothest) candidate."""
    best = np.argmin(sse, axis=-1)
    return np.take_along_axis(candidates, best[..., None], axis=-1)[..., 0]


def _repeat(flat: FloatArray, horizon: int) -> FloatArray:
    return np.repeat(flat[:, None], horizon, axis=1)


def _ses_grid(Y: FloatArray, alphas: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Final levels and in-sample one-step SSE for every (series, alpha)."""
    n, T = Y.shape
    m = min(T, _INIT_PERIODS)
    level = np.repeat(Y[:, :m].mean(axis=1)[:, None], alphas.size, axis=1)
    sse = np.zeros((n, alphas.size))
    for t in range(T):
        err = Y[:, t, None] - level
        if t >= m:
            sse += err * err
        level += alphas * err
    return level, sse


def ses(Y: ArrayLike, alpha: float | None = None) -> FloatArray:
    """Simple exponential smoothing: the baseline every intermittent method is judged against."""
    X = as_matrix(Y)
    level, sse = _ses_grid(X, _grid(alpha, ALPHA_GRID))
    return np.maximum(_pick(level, sse), 0.0)


def moving_average(Y: ArrayLike, window: int | None = None) -> FloatArray:
    """Mean of the last ``window`` periods (whole history if shorter); robust, parameter-light."""
    X = as_matrix(Y)
    n, T = X.shape
    windows = WINDOW_GRID if window is None else (window,)
    if any(w < 1 for w in windows):
        raise ValueError("window must be >= 1")
    csum = np.concatenate([np.zeros((n, 1)), np.cumsum(X, axis=1)], axis=1)
    finals, sses = [], []
    for w in windows:
        k = min(w, T)
        finals.append((csum[:, T] - csum[:, T - k]) / k)
        if T > k:
            fitted = (csum[:, k:T] - csum[:, 0 : T - k]) / k
            sses.append(np.sum((X[:, k:] - fitted) ** 2, axis=1) / (T - k))
        else:
            sses.append(np.full(n, np.inf))
    final = np.stack(finals, axis=1)
    sse = np.stack(sses, axis=1)
    if np.all(np.isinf(sse)):
        sse = np.zeros_like(sse)
    return np.maximum(_pick(final, sse), 0.0)


def holt(
    Y: ArrayLike,
    horizon: int,
    alpha: float | None = None,
    beta: float | None = None,
    phi: float = 1.0,
) -> FloatArray:
    """Additive-trend Holt (damped when ``phi < 1``) for the few parts whose demand drifts."""
    X = as_matrix(Y)
    T = X.shape[1]
    a_grid, b_grid = np.meshgrid(_grid(alpha, ALPHA_GRID), _grid(beta, BETA_GRID), indexing="ij")
    a, b = a_grid.ravel(), b_grid.ravel()
    m = min(T, _INIT_PERIODS)
    level = np.repeat(X[:, :m].mean(axis=1)[:, None], a.size, axis=1)
    trend = np.zeros_like(level)
    sse = np.zeros_like(level)
    for t in range(T):
        pred = level + phi * trend
        err = X[:, t, None] - pred
        if t >= m:
            sse += err * err
        new_level = pred + a * err
        trend = phi * trend + a * b * err
        level = new_level
    best = np.argmin(sse, axis=1)[:, None]
    lvl = np.take_along_axis(level, best, axis=1)
    trd = np.take_along_axis(trend, best, axis=1)
    steps = np.arange(1, horizon + 1, dtype=np.float64)
    damp = np.cumsum(phi**steps)
    return np.maximum(lvl + trd * damp[None, :], 0.0)


def seasonality_test(Y: ArrayLike, season: int) -> NDArray[np.bool_]:
    """Per-series 90% test that the lag-``season`` autocorrelation is real (as in the Theta method).

    Seasonal indices estimated from noise fit the history's random spikes, which deflates the
    deseasonalised level and biases forecasts low; only series that pass get indices.
    """
    X = as_matrix(Y)
    n, T = X.shape
    if season < 2 or T <= season:
        return np.zeros(n, dtype=bool)
    D = X - X.mean(axis=1, keepdims=True)
    denom = np.einsum("ij,ij->i", D, D)
    acf = np.stack([np.einsum("ij,ij->i", D[:, k:], D[:, : T - k]) for k in range(1, season + 1)], axis=1)
    acf = np.divide(acf, denom[:, None], out=np.zeros_like(acf), where=denom[:, None] > 0)
    bound = 1.645 * np.sqrt((1.0 + 2.0 * np.sum(acf[:, :-1] ** 2, axis=1)) / T)
    return acf[:, -1] > bound


def seasonal(Y: ArrayLike, horizon: int, season: int, alpha: float | None = None) -> FloatArray:
    """Level × seasonal index; plain SES for series without two full seasons or no seasonality.

    Multiplicative indices suit intermittent demand (a zero level stays zero, unlike additive
    Holt-Winters). The level is SES over whole-season totals divided by the season length, so it
    never divides by an index: deseasonalising by a near-zero index (a month that rarely sells)
    would blow single orders up and bias the level. Indices are shrunk towards 1 by one
    pseudo-season; series failing :func:`seasonality_test` get plain SES.
    """
    X = as_matrix(Y)
    T = X.shape[1]
    flat = _repeat(ses(X, alpha), horizon)
    if season < 2 or T < 2 * season:
        return flat
    seasonal_rows = seasonality_test(X, season)
    if not seasonal_rows.any():
        return flat
    S = X[seasonal_rows]
    cycles = T // season
    block = S[:, T - cycles * season :].reshape(S.shape[0], cycles, season)
    pos_mean = block.mean(axis=1)
    overall = pos_mean.mean(axis=1, keepdims=True)
    raw = np.divide(pos_mean, overall, out=np.ones_like(pos_mean), where=overall > 0)
    index = (cycles * raw + 1.0) / (cycles + 1.0)
    index /= index.mean(axis=1, keepdims=True)
    level = ses(block.sum(axis=2), alpha) / season
    future = (np.arange(T, T + horizon) - (T - cycles * season)) % season
    flat[seasonal_rows] = np.maximum(level[:, None] * index[:, future], 0.0)
    return flat


def _croston_states(
    Y: FloatArray, alphas: FloatArray, deflate: bool
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Per-series rate forecast and one-step SSE for every alpha in the grid.

    The first demand initialises size and interval (interval counted from the start of history),
    so a series needs only one non-zero period to get a forecast. With ``deflate`` the SBA factor
    is applied *inside* the tuning loss, so alpha is chosen for the forecast actually issued.
    The SSE is skipped for a single alpha: that is the hot path measured for speed.
    """
    n, T = Y.shape
    g = alphas.size
    factor = 1.0 - alphas / 2.0 if deflate else np.ones(g)
    z = np.zeros((n, g))
    p = np.ones((n, g))
    q = np.zeros(n)
    seen = np.zeros(n, dtype=bool)
    sse = np.zeros((n, g))
    for t in range(T):
        y = Y[:, t]
        q += 1.0
        nz = y > 0
        if g > 1:
            err = y[:, None] - np.where(seen[:, None], factor * z / p, 0.0)
            sse += err * err
        if not nz.any():
            continue
        step = np.where(seen[:, None], alphas, 1.0) * nz[:, None]
        z += step * (y[:, None] - z)
        p += step * (q[:, None] - p)
        q[nz] = 0.0
        seen |= nz
    rate = np.where(seen[:, None], factor * z / p, 0.0)
    return rate, sse, seen


def croston(Y: ArrayLike, alpha: float | None = 0.1) -> FloatArray:
    """Croston (1972): separate smoothing of demand size and inter-demand interval."""
    rate, sse, _ = _croston_states(as_matrix(Y), _grid(alpha, ALPHA_GRID), deflate=False)
    return _pick(rate, sse)


def sba(Y: ArrayLike, alpha: float | None = 0.1) -> FloatArray:
    """Syntetos-Boylan approximation: Croston times (1 - alpha/2) to remove Croston's upward bias."""
    rate, sse, _ = _croston_states(as_matrix(Y), _grid(alpha, ALPHA_GRID), deflate=True)
    return _pick(rate, sse)


def tsb(Y: ArrayLike, alpha: float | None = 0.1, beta: float | None = 0.1) -> FloatArray:
    """Teunter-Syntetos-Babai: smooth demand *probability* every period so dying parts decay.

    The probability starts at the series' overall non-zero share (a neutral prior the recursion
    quickly corrects); the size starts at the first demand as in Croston.
    """
    X = as_matrix(Y)
    n, T = X.shape
    a_grid, b_grid = np.meshgrid(_grid(alpha, ALPHA_GRID), _grid(beta, BETA_GRID), indexing="ij")
    a, b = a_grid.ravel(), b_grid.ravel()
    nz_all = X > 0
    d = np.repeat(nz_all.mean(axis=1)[:, None], a.size, axis=1)
    z = np.zeros_like(d)
    seen = np.zeros(n, dtype=bool)
    sse = np.zeros_like(d)
    single = a.size == 1
    for t in range(T):
        y = X[:, t]
        nz = nz_all[:, t]
        if not single:
            err = y[:, None] - d * z
            sse += err * err
        d += b * (nz[:, None] - d)
        if nz.any():
            step = np.where(seen[:, None], a, 1.0) * nz[:, None]
            z += step * (y[:, None] - z)
            seen |= nz
    best = np.argmin(sse, axis=1)[:, None]
    return np.maximum(np.take_along_axis(d * z, best, axis=1)[:, 0], 0.0)


def mean_interval(Y: ArrayLike) -> FloatArray:
    """Average inter-demand interval (ADI); infinite for series that never had demand."""
    X = as_matrix(Y)
    count = np.count_nonzero(X > 0, axis=1)
    return np.divide(X.shape[1], count, out=np.full(X.shape[0], np.inf), where=count > 0)


def adida(Y: ArrayLike, level: int | None = None, alpha: float | None = None) -> FloatArray:
    """ADIDA: SES on non-overlapping bucket totals, spread back evenly over the bucket.

    Aggregating to roughly one demand per bucket removes most zeros, which is where SES breaks
    down. With ``level=None`` each series uses its own rounded ADI, grouping series that share a
    level so the work stays vectorised.
    """
    X = as_matrix(Y)
    n, T = X.shape
    if level is None:
        adi = mean_interval(X)
        levels = np.clip(np.rint(np.where(np.isfinite(adi), adi, 1.0)), 1, max(1, T // 2)).astype(int)
    else:
        if level < 1:
            raise ValueError("aggregation level must be >= 1")
        levels = np.full(n, min(level, T), dtype=int)
    out = np.zeros(n)
    for k in np.unique(levels):
        rows = levels == k
        buckets = T // k
        agg = X[rows, T - buckets * k :].reshape(int(rows.sum()), buckets, k).sum(axis=2)
        out[rows] = ses(agg, alpha) / k
    return out


def naive(Y: ArrayLike) -> FloatArray:
    """Last observed value; the reference forecast that MASE and RMSSE scale by."""
    return as_matrix(Y)[:, -1].copy()
