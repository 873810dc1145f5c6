"""Daily demand rate, variance and monthly seasonality per part-location, from history only.

The replenishment maths needs a *daily* rate and variance (lead times are in days) plus the seasonal
shape (EV battery coolant peaks in March and September). Series are estimated all at once with a few
matrix products over the trailing window; nothing looks past the last column of ``history``.

Seasonality is multiplicative by calendar month. Per series it is only kept when a dispersion-aware
chi-square test says the monthly pattern is not noise, and it is shrunk towards flat by the test's
signal-to-noise ratio, so thousands of sparse series do not get spurious peaks. Passing ``group``
(e.g. the part index) pools the pattern across the locations of a part, which finds the coolant peak
even where each store sells only a few litres a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def month_index(start: date, n_days: int) -> IntArray:
    """Calendar month (0-11) of each day ``start + j``."""
    days = np.arange(n_days)
    d0 = np.datetime64(start, "D") + days
    return (d0.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)


def month_bucket(start: date, n_days: int) -> IntArray:
    """Running month number (0 for the first calendar month touched) of each day."""
    d0 = np.datetime64(start, "D") + np.arange(n_days)
    m = d0.astype("datetime64[M]").astype(np.int64)
    return m - m[0] if n_days else m


@dataclass(frozen=True)
class DemandProfile:
    """Deseasonalised daily ``level`` and ``var`` with a (n, 12) multiplicative ``season`` index."""

    level: FloatArray
    var: FloatArray
    season: FloatArray
    hits: IntArray  # days with demand in the window: sparse-demand test for stocking decisions
    seasonal: NDArray[np.bool_]
    days_since: IntArray  # days since the last demand (window length if none in the window)
    window: int  # days of history the level and hits were measured over


def seasonal_indices(
    monthly: FloatArray, months: IntArray, dispersion: FloatArray, alpha: float = 0.001
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """(n, 12) calendar-month indices (mean 1) from monthly totals; flat where not significant.

    ``monthly`` holds totals per full month with calendar month ``months``; ``dispersion`` is the
    variance/mean ratio of those totals under no seasonality (>= 1), so lumpy demand is not mistaken
    for a season.
    """
    n = monthly.shape[0]
    season = np.ones((n, 12))
    found = np.zeros(n, dtype=bool)
    if monthly.shape[1] < 12:
        return season, found
    onehot = np.zeros((monthly.shape[1], 12))
    onehot[np.arange(monthly.shape[1]), months] = 1.0
    per_cal = onehot.sum(axis=0)
    if np.any(per_cal == 0):
        return season, found
    avg = (monthly @ onehot) / per_cal  # mean total per calendar month
    grand = avg.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Variance of a calendar-month mean shrinks with the number of years averaged.
        chi2 = (((avg - grand) ** 2) * per_cal).sum(axis=1) / (dispersion * grand[:, 0])
        raw = avg / grand
    chi2 = np.nan_to_num(chi2)
    found = (grand[:, 0] > 0) & (stats.chi2.sf(chi2, 11) < alpha)
    shrink = np.clip(1.0 - 11.0 / np.maximum(chi2, 1e-9), 0.0, 1.0)[:, None]
    idx = 1.0 + shrink * (np.nan_to_num(raw, nan=1.0) - 1.0)
    idx = np.maximum(idx, 0.05)
    idx /= idx.mean(axis=1, keepdims=True)
    season[found] = idx[found]
    return season, found


@dataclass(frozen=True)
class DemandHistory:
    """Daily demand as events sorted by day: one entry per (series, day) with positive demand.

    Spare-parts demand is >90 % zeros, so events make monthly re-planning and the day-by-day replay
    cost O(events) instead of O(series × days). ``until(t)`` is the only way planners get history,
    which keeps them from seeing day ``t`` or later.
    """

    n_series: int
    n_days: int
    day: NDArray[np.int32]
    row: NDArray[np.int32]
    qty: NDArray[np.int64]

    @classmethod
    def from_dense(cls, daily: ArrayLike) -> DemandHistory:
        """From an (n_series, n_days) array of whole units."""
        d = np.asarray(daily)
        day, row = np.nonzero(d.T)  # day-major order: already sorted by day
        qty = np.rint(d[row, day]).astype(np.int64)
        return cls(d.shape[0], d.shape[1], day.astype(np.int32), row.astype(np.int32), qty)

    @classmethod
    def from_events(cls, n_series: int, n_days: int, row: ArrayLike, day: ArrayLike, qty: ArrayLike) -> DemandHistory:
        """From raw (possibly repeated) events; same-day events of a series are summed."""
        r, d = np.asarray(row, np.int64), np.asarray(day, np.int64)
        q = np.rint(np.asarray(qty, np.float64)).astype(np.int64)
        keep = (q > 0) & (d >= 0) & (d < n_days)
        key, inv = np.unique(d[keep] * n_series + r[keep], return_inverse=True)
        total = np.bincount(inv, q[keep]).astype(np.int64)
        return cls(n_series, n_days, (key // n_series).astype(np.int32), (key % n_series).astype(np.int32), total)

    def until(self, t: int) -> DemandHistory:
        """Demand strictly before day ``t``."""
        k = int(np.searchsorted(self.day, t))
        return DemandHistory(self.n_series, t, self.day[:k], self.row[:k], self.qty[:k])

    def day_bounds(self) -> IntArray:
        """Offsets so that day ``t``'s events are ``[b[t], b[t+1])``."""
        return np.searchsorted(self.day, np.arange(self.n_days + 1)).astype(np.int64)

    def dense(self) -> NDArray[np.int64]:
        out = np.zeros((self.n_series, self.n_days), np.int64)
        out[self.row, self.day] = self.qty
        return out


def as_history(history: ArrayLike | DemandHistory) -> DemandHistory:
    return history if isinstance(history, DemandHistory) else DemandHistory.from_dense(history)


def estimate_profile(
    history: ArrayLike | DemandHistory,
    start: date,
    window_days: int = 365,
    halflife_days: float = 120.0,
    group: ArrayLike | None = None,
    season_days: int = 730,
) -> DemandProfile:
    """Profile from daily ``history`` (n, T, or events) whose day 0 is ``start``.

    The level is an exponentially weighted mean over the last ``window_days`` (recent months count
    more, so EV-driven trends are followed), after dividing out the seasonal index.
    """
    h = as_history(history)
    n, t = h.n_series, h.n_days
    if t == 0:
        z = np.zeros(n)
        zi = np.zeros(n, np.int64)
        return DemandProfile(z, z.copy(), np.ones((n, 12)), zi, np.zeros(n, bool), zi.copy(), 0)
    cal = month_index(start, t)
    buckets = month_bucket(start, t)

    # Seasonality from whole calendar months within the last ``season_days``.
    s0 = max(0, t - season_days)
    first_full = s0 if (start + timedelta(days=s0)).day == 1 else int(np.searchsorted(buckets, buckets[s0] + 1))
    last_full = t if (start + timedelta(days=t)).day == 1 else int(np.searchsorted(buckets, buckets[t - 1]))
    g = np.arange(n) if group is None else np.asarray(group, dtype=np.int64)
    ng = int(g.max()) + 1 if g.size else 0
    if last_full > first_full:
        b0, nb = buckets[first_full], buckets[last_full - 1] - buckets[first_full] + 1
        lo, hi = np.searchsorted(h.day, [first_full, last_full])
        gr = g[h.row[lo:hi]]
        key = gr * nb + (buckets[h.day[lo:hi]] - b0)
        q = h.qty[lo:hi].astype(np.float64)
        days_per = np.bincount(buckets[first_full:last_full] - b0, minlength=nb)
        # Per-day rates scaled to an average month, so February's short length is not a "season".
        monthly = np.bincount(key, q, minlength=ng * nb).reshape(ng, nb) * ((365.25 / 12) / days_per)
        sq = np.bincount(gr, q * q, minlength=ng).astype(np.float64)
        raw = np.bincount(gr, q, minlength=ng).astype(np.float64)
        months_cal = (np.arange(nb) + b0 + start.month - 1) % 12
    else:
        monthly = np.zeros((ng, 0))
        sq = raw = np.zeros(ng, dtype=np.float64)
        months_cal = np.zeros(0, np.int64)
    # Compound-Poisson dispersion of a monthly total = E[size^2]/E[size] of daily demand.
    disp = np.where(raw > 0, sq / np.maximum(raw, 1e-9), 1.0)
    g_season, g_found = seasonal_indices(monthly, months_cal, np.maximum(disp, 1.0))
    season, found = g_season[g], g_found[g]

    w0 = max(0, t - window_days)
    lo = int(np.searchsorted(h.day, w0))
    row, day, q = h.row[lo:], h.day[lo:], h.qty[lo:].astype(np.float64)
    age = (t - 1 - np.arange(w0, t)).astype(np.float64)
    w = 0.5 ** (age / halflife_days)
    w /= w.sum()
    x = q / g_season[g[row], cal[day]]  # deseasonalised quantity of each event
    wx = w[day - w0] * x
    level = np.bincount(row, wx, minlength=n).astype(np.float64)
    second = np.bincount(row, wx * x, minlength=n).astype(np.float64)
    var = np.maximum(second - level**2, level)
    hits = np.bincount(row, minlength=n).astype(np.int64)
    last = np.full(n, -1, np.int32)
    np.maximum.at(last, row, day)  # same dtypes keep numpy on its fast ufunc.at path
    days_since = np.where(hits > 0, t - 1 - last, t - w0).astype(np.int64)
    return DemandProfile(level, var, season, hits, found, days_since, t - w0)


def window_factor(
    season: FloatArray,
    plan_date: date,
    horizon_days: ArrayLike,
    lookahead_days: int = 0,
) -> FloatArray:
    """Sum of seasonal indices over the protection window ``horizon_days`` (per series).

    The window may start anywhere from ``plan_date`` to ``plan_date + lookahead_days``; the largest
    sum is returned, so a plan made now already covers a peak that orders placed before the next
    re-plan (or a pre-season build) must meet. Flat series give exactly ``horizon_days``.
    """
    hz = np.asarray(horizon_days, dtype=np.float64)
    hz = np.broadcast_to(hz, season.shape[:1]).astype(np.float64)
    flat = np.all(season == 1.0, axis=1)
    out = hz.copy()
    rows = np.flatnonzero(~flat)
    if rows.size == 0:
        return out
    span = int(np.ceil(hz[rows].max())) + lookahead_days + 1
    cal = month_index(plan_date, span)
    path = season[rows][:, cal]  # (r, span) daily index
    csum = np.concatenate([np.zeros((rows.size, 1)), np.cumsum(path, axis=1)], axis=1)
    whole = np.floor(hz[rows]).astype(np.int64)
    frac = hz[rows] - whole
    starts = np.arange(lookahead_days + 1)
    ends = starts[None, :] + whole[:, None]
    r_idx = np.arange(rows.size)[:, None]
    sums = csum[r_idx, ends] - csum[r_idx, starts[None, :]] + frac[:, None] * path[r_idx, np.minimum(ends, span - 1)]
    out[rows] = sums.max(axis=1)
    return out


def current_rate(profile: DemandProfile, plan_date: date) -> FloatArray:
    """Seasonal daily rate for the plan month (used for EOQ and priority)."""
    return profile.level * profile.season[:, plan_date.month - 1]
