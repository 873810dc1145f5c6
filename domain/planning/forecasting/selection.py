"""Automatic method choice by rolling-origin validation, and the backtest harness.

Why the selector works the way it does: one or two years of intermittent history are too short
to tell methods apart series by series (per-series "pick the best on validation" loses to a
single good method on both shared data sets). So evidence is **pooled per demand class**: every
class gets the single method or equal-weight combination of 2-3 of its best methods with the
lowest mean validation error, and an individual series overrides that default only when another
candidate beats it by a clear margin on *both* scaled MAE and scaled RMSE. Requiring both keeps
the override from trading one metric for the other (low forecasts win on MAE but lose on RMSE).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .classify import Classification, classify
from .methods import (
    FloatArray,
    adida,
    as_matrix,
    croston,
    holt,
    moving_average,
    sba,
    seasonal,
    ses,
    tsb,
)
from .metrics import mase, naive_scale, rmsse, scaled_bias

MethodFn = Callable[[FloatArray, int, int | None], FloatArray]


def _flat(fn: Callable[[FloatArray], FloatArray]) -> MethodFn:
    def run(Y: FloatArray, horizon: int, season: int | None) -> FloatArray:
        return np.repeat(fn(Y)[:, None], horizon, axis=1)

    return run


METHODS: dict[str, MethodFn] = {
    "ma": _flat(moving_average),
    "ses": _flat(ses),
    "holt": lambda Y, h, s: holt(Y, h),
    "holt_damped": lambda Y, h, s: holt(Y, h, phi=0.9),
    "seasonal": lambda Y, h, s: seasonal(Y, h, s or 1),
    "croston": _flat(croston),
    "sba": _flat(sba),
    "tsb": _flat(tsb),
    "croston_opt": _flat(lambda Y: croston(Y, alpha=None)),
    "sba_opt": _flat(lambda Y: sba(Y, alpha=None)),
    "tsb_opt": _flat(lambda Y: tsb(Y, alpha=None, beta=None)),
    "adida": _flat(adida),
}
"""Registry of single methods: ``croston``/``sba``/``tsb`` use the literature default alpha=0.1,
the ``_opt`` variants tune per series; ``holt_damped`` uses phi=0.9."""


def default_methods(season: int | None = None) -> list[str]:
    """All registered methods; ``seasonal`` only when a season length is known."""
    return [m for m in METHODS if m != "seasonal" or (season is not None and season >= 2)]


def forecast(Y: ArrayLike, method: str, horizon: int, season: int | None = None) -> FloatArray:
    """Run one registered method and return per-horizon forecasts of shape (n, horizon)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    return METHODS[method](as_matrix(Y), horizon, season)


@dataclass(frozen=True)
class AutoForecast:
    """Automatic forecasts (n, horizon), the chosen method or combination per series, and the class."""

    forecast: FloatArray
    choice: NDArray[np.str_]
    demand_class: Classification


def validation_origins(n_periods: int, horizon: int, n_origins: int = 6) -> list[int]:
    """Forecast origins inside the history, newest first, half a horizon apart.

    Each keeps at least a third of the history (and 6 periods) for fitting; origins near the end
    are scored on the periods that remain, so short histories still get several origins.
    """
    step = max(1, horizon // 2)
    min_train = max(6, n_periods // 3)
    origins = [n_periods - step * k for k in range(1, n_origins + 1)]
    return [o for o in origins if o >= min_train]


def _fallback(X: FloatArray, horizon: int, cls: Classification) -> AutoForecast:
    """Too little history to validate: SES for smooth/erratic demand, SBA otherwise (textbook)."""
    smooth = cls.code <= 1
    out = np.where(smooth[:, None], forecast(X, "ses", horizon), forecast(X, "sba", horizon))
    return AutoForecast(out, np.where(smooth, "ses", "sba"), cls)


def auto_forecast(
    Y: ArrayLike,
    horizon: int,
    season: int | None = None,
    methods: Sequence[str] | None = None,
    *,
    n_origins: int = 6,
    decay: float = 0.8,
    top: int = 5,
    margin: float = 0.2,
    prior_weight: float = 50.0,
) -> AutoForecast:
    """Choose a method or combination per series by rolling-origin validation (see module doc).

    ``decay`` weights each older origin less (ageing parts' demand drifts, so recent windows
    say more); ``top`` limits combinations to the class's best few single methods; ``margin`` is the
    relative improvement on both error components a series needs to leave its class default;
    ``prior_weight`` shrinks small classes' evidence towards the all-series choice.
    """
    X = as_matrix(Y)
    n, T = X.shape
    names = list(methods) if methods else default_methods(season)
    cls = classify(X)
    origins = validation_origins(T, horizon, n_origins)
    if not origins:
        return _fallback(X, horizon, cls)

    final = np.stack([forecast(X, m, horizon, season) for m in names], axis=1)
    folds = []
    for o in origins:
        hh = min(horizon, T - o)
        V = np.stack([forecast(X[:, :o], m, hh, season) for m in names], axis=1).astype(np.float32)
        folds.append((V, X[:, o : o + hh]))

    s1, s2 = naive_scale(X, 1), naive_scale(X, 2)
    scored = (s1 > 0) & (s2 > 0)
    s1, s2 = np.where(scored, s1, 1.0), np.where(scored, s2, 1.0)
    weights = decay ** np.arange(len(folds), dtype=np.float64)
    weights /= weights.sum()
    cache: dict[tuple[int, ...], tuple[FloatArray, FloatArray]] = {}

    def components(combo: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        if combo not in cache:
            e1, e2 = np.zeros(n), np.zeros(n)
            for w, (V, A) in zip(weights, folds, strict=True):
                err = V[:, list(combo)].mean(axis=1) - A
                e1 += w * np.abs(err).mean(axis=1) / s1
                e2 += w * np.sqrt((err * err).mean(axis=1) / s2)
            cache[combo] = (e1, e2)
        return cache[combo]

    def candidates(rows: NDArray[np.bool_]) -> list[tuple[int, ...]]:
        single = [(j,) for j in range(len(names))]
        pooled = [float(np.sum(components(c)[0][rows] + components(c)[1][rows])) for c in single]
        best = [int(j) for j in np.argsort(pooled, kind="stable")[:top]]
        combos = [tuple(sorted(c)) for k in (2, 3) for c in itertools.combinations(best, k)]
        return single + combos

    everyone = scored if scored.any() else np.ones(n, dtype=bool)
    global_cands = candidates(everyone)

    def pick_default(cands: list[tuple[int, ...]], rows: NDArray[np.bool_]) -> tuple[int, ...]:
        """Class mean error shrunk towards the all-series mean by ``prior_weight`` pseudo-series."""
        score = []
        for c in cands:
            total = components(c)[0] + components(c)[1]
            prior = float(np.mean(total[everyone]))
            score.append((float(np.sum(total[rows])) + prior_weight * prior) / (rows.sum() + prior_weight))
        return cands[int(np.argmin(score))]

    choice_idx = np.zeros(n, dtype=np.int64)
    table: list[tuple[int, ...]] = []

    for code in np.unique(cls.code):
        members = cls.code == code
        pool = members & scored
        cands = list(dict.fromkeys(global_cands + (candidates(pool) if pool.any() else [])))
        default = pick_default(cands, pool)
        d1, d2 = components(default)
        best_total = np.where(members, d1 + d2, np.inf)
        pick = np.full(n, -1)
        for i, c in enumerate(cands):
            e1, e2 = components(c)
            better = members & scored & (e1 < (1 - margin) * d1) & (e2 < (1 - margin) * d2)
            better &= e1 + e2 < best_total
            best_total = np.where(better, e1 + e2, best_total)
            pick = np.where(better, i, pick)
        for i in np.unique(pick[members]):
            c = default if i < 0 else cands[int(i)]
            if c not in table:
                table.append(c)
            choice_idx[members & (pick == i)] = table.index(c)

    out = np.zeros((n, horizon))
    labels = np.empty(n, dtype=object)
    for k, c in enumerate(table):
        rows = choice_idx == k
        out[rows] = final[rows][:, list(c)].mean(axis=1)
        labels[rows] = "+".join(names[j] for j in c)
    return AutoForecast(out, labels.astype(str), cls)


@dataclass(frozen=True)
class MethodResult:
    """Test-window accuracy of one method: means over series with a defined scale.

    ``bias`` is the mean *scaled* error (forecast minus actual over the naive MAE), so it is
    comparable across series; positive means over-forecasting.
    """

    method: str
    MASE: float
    RMSSE: float
    bias: float
    seconds: float

    def as_dict(self) -> dict[str, str | float]:
        return asdict(self)


def score(
    actual: ArrayLike, forecast_: ArrayLike, history: ArrayLike, method: str, seconds: float
) -> MethodResult:
    """Summarise one method's test-window forecasts."""
    return MethodResult(
        method=method,
        MASE=mase(actual, forecast_, history).mean(),
        RMSSE=rmsse(actual, forecast_, history).mean(),
        bias=scaled_bias(actual, forecast_, history).mean(),
        seconds=seconds,
    )


def backtest(
    Y: ArrayLike,
    horizon: int,
    season: int | None = None,
    methods: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[MethodResult]:
    """Hold out the last ``horizon`` periods, fit on the rest, score every method and ``auto``.

    ``auto`` only ever sees the training window (its validation origins are inside it) and
    chooses among the same ``methods``. ``progress`` is called with each method name before it
    runs, for user feedback in long runs.
    """
    X = as_matrix(Y)
    if horizon < 1 or X.shape[1] - horizon < 2:
        raise ValueError(f"horizon {horizon} leaves {X.shape[1] - horizon} training periods; need at least 2")
    train, test = X[:, :-horizon], X[:, -horizon:]
    names = list(methods) if methods else default_methods(season)
    for m in names:
        if m not in METHODS:
            raise ValueError(f"unknown method {m!r}; choose from {', '.join(METHODS)}")
    results = []
    for m in [*names, "auto"]:
        if progress is not None:
            progress(m)
        start = time.perf_counter()
        if m == "auto":
            fc = auto_forecast(train, horizon, season, names).forecast
        else:
            fc = forecast(train, m, horizon, season)
        results.append(score(test, fc, train, m, time.perf_counter() - start))
    return results
