"""Lead-time demand distributions for safety-stock calculations.

Model choice: a two-moment fit of a **negative binomial** (variance > mean) or **Poisson**
(otherwise) to lead-time demand. Why not a Croston-style compound (interval × size) model: with
a handful of non-zero observations per part the size distribution cannot be identified, whereas
mean and variance can; the NBD is itself a compound Poisson (Poisson arrivals of logarithmic
sized orders), so it still captures clumped demand, has integer support with a real mass at zero,
and its quantiles and partial expectations are closed-form and vectorised in scipy. Under-
dispersed series get a Poisson, which slightly overstates their variance (a safe error for
stock). The lead time L may be fractional and random; demand over it is treated as a random sum,
so ``E[D] = μ E[L]`` and ``Var[D] = E[L] σ² + μ² Var[L]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_DISPERSION_TOL = 1e-9


@dataclass(frozen=True)
class DemandDistribution:
    """Per-series lead-time demand: moments plus the fitted NBD ``(n, p)`` (scipy convention).

    Rows with ``poisson=True`` (or zero mean) ignore ``n``/``p``, which hold harmless placeholders
    so vectorised scipy calls never see invalid parameters.
    """

    mean: FloatArray
    var: FloatArray
    n: FloatArray
    p: FloatArray
    poisson: BoolArray

    @property
    def degenerate(self) -> BoolArray:
        """Series with no expected demand: the whole mass sits at zero."""
        return self.mean <= 0


def _arr(x: ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


def per_period_moments(history: ArrayLike, forecast_mean: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Mean and variance per period: the forecast mean with the history's variance-to-mean ratio.

    Keeping the observed dispersion index (at least 1, the Poisson floor) rather than the raw
    historical variance lets the variance follow the forecast when demand grows or dies out.
    """
    H = np.atleast_2d(np.asarray(history, dtype=np.float64))
    mu = np.maximum(_arr(forecast_mean), 0.0)
    hist_mean = H.mean(axis=1)
    hist_var = H.var(axis=1, ddof=1) if H.shape[1] > 1 else np.zeros(H.shape[0])
    vmr = np.divide(hist_var, hist_mean, out=np.ones_like(hist_mean), where=hist_mean > 0)
    return mu, mu * np.maximum(vmr, 1.0)


def lead_time_demand(
    mean_per_period: ArrayLike,
    var_per_period: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
) -> DemandDistribution:
    """Fit the lead-time demand distribution from per-period moments and lead-time moments."""
    mu, sigma2, lt, lt_sd = np.broadcast_arrays(
        _arr(mean_per_period), _arr(var_per_period), _arr(lead_time_mean), _arr(lead_time_std)
    )
    if np.any(mu < 0) or np.any(sigma2 < 0) or np.any(lt < 0) or np.any(lt_sd < 0):
        raise ValueError("means, variances, lead time and its std must be non-negative")
    mean = mu * lt
    var = lt * sigma2 + mu**2 * lt_sd**2
    over = var > mean * (1.0 + _DISPERSION_TOL)
    nb = over & (mean > 0)
    excess = np.where(nb, var - mean, 1.0)
    n = np.where(nb, np.divide(mean**2, excess, out=np.ones_like(mean), where=nb), 1.0)
    p = np.where(nb, np.divide(mean, var, out=np.full_like(mean, 0.5), where=nb), 0.5)
    return DemandDistribution(mean=mean, var=np.where(nb, var, mean), n=n, p=p, poisson=~nb)


def cdf(dist: DemandDistribution, k: ArrayLike) -> FloatArray:
    """P(D <= k) per series."""
    kk = np.broadcast_to(_arr(k), dist.mean.shape)
    return np.where(
        dist.poisson, stats.poisson.cdf(kk, dist.mean), stats.nbinom.cdf(kk, dist.n, dist.p)
    ).astype(np.float64)


def _sf(dist: DemandDistribution, k: FloatArray, shift: int = 0) -> FloatArray:
    """P(D > k); ``shift=1`` uses the NBD with size n+1 (the size-biased law in partial moments)."""
    return np.where(
        dist.poisson, stats.poisson.sf(k, dist.mean), stats.nbinom.sf(k, dist.n + shift, dist.p)
    ).astype(np.float64)


def quantile(dist: DemandDistribution, p: ArrayLike) -> FloatArray:
    """Smallest integer stock s with P(D <= s) >= p: the reorder point for a cycle-service level."""
    pp = np.broadcast_to(_arr(p), dist.mean.shape)
    if np.any((pp < 0) | (pp >= 1)):
        raise ValueError("service level must be in [0, 1)")
    q = np.where(dist.poisson, stats.poisson.ppf(pp, dist.mean), stats.nbinom.ppf(pp, dist.n, dist.p))
    return np.where(dist.degenerate, 0.0, q).astype(np.float64)


def expected_shortage(dist: DemandDistribution, stock: ArrayLike) -> FloatArray:
    """E[(D - s)+]: expected units short when ``stock`` units are available against D.

    Closed form via the size-biased identity ``k·P(k) = μ·P'(k-1)`` (P' = same Poisson, or NBD
    with size n+1), so there is no truncated sum and ``stock`` may be any real number.
    """
    s = np.broadcast_to(_arr(stock), dist.mean.shape).astype(np.float64)
    m = np.floor(s) + 1.0
    tail = dist.mean * _sf(dist, m - 2.0, shift=1) - s * _sf(dist, m - 1.0)
    es = np.where(s < 0, dist.mean - s, tail)
    return np.where(dist.degenerate, np.maximum(-s, 0.0), np.maximum(es, 0.0))


def fill_rate(dist: DemandDistribution, reorder_point: ArrayLike, order_quantity: ArrayLike) -> FloatArray:
    """Fraction of demand met from stock in an (s, Q) policy: 1 - E[short per cycle] / Q."""
    s = np.broadcast_to(_arr(reorder_point), dist.mean.shape)
    Q = np.broadcast_to(_arr(order_quantity), dist.mean.shape)
    if np.any(Q <= 0):
        raise ValueError("order quantity must be positive")
    short = expected_shortage(dist, s) - expected_shortage(dist, s + Q)
    return np.clip(1.0 - short / Q, 0.0, 1.0)


def reorder_point_for_fill_rate(
    dist: DemandDistribution, target: ArrayLike, order_quantity: ArrayLike
) -> FloatArray:
    """Smallest integer reorder point reaching the fill-rate target (vectorised bisection)."""
    tgt = np.broadcast_to(_arr(target), dist.mean.shape)
    if np.any((tgt <= 0) | (tgt >= 1)):
        raise ValueError("fill-rate target must be in (0, 1)")
    Q = np.broadcast_to(_arr(order_quantity), dist.mean.shape)
    lo = np.full(dist.mean.shape, -1.0)
    hi = np.maximum(quantile(dist, np.full(dist.mean.shape, 1.0 - 1e-9)), 0.0)
    for _ in range(64):  # extreme targets with tiny Q can need more than the 1e-9 tail
        short = fill_rate(dist, hi, Q) < tgt
        if not short.any():
            break
        hi = np.where(short, 2.0 * hi + 1.0, hi)
    # invariant: fill_rate(lo) < target <= fill_rate(hi)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        ok = fill_rate(dist, mid, Q) >= tgt
        hi = np.where(ok & (hi - lo > 1), mid, hi)
        lo = np.where(~ok & (hi - lo > 1), mid, lo)
    return hi


def safety_stock(dist: DemandDistribution, reorder_point: ArrayLike) -> FloatArray:
    """Stock held beyond expected lead-time demand (may be negative for very low targets)."""
    return np.broadcast_to(_arr(reorder_point), dist.mean.shape) - dist.mean
