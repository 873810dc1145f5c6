"""Throughput of the Croston family (Croston, SBA, TSB) on 62,500 synthetic intermittent series.

The target is >= 100,000 series/s on a 2-core machine; the loop runs over the 24 periods only,
so this measures the vectorised path the planner uses for nightly runs. Prints one JSON object
with the median of 5 runs per method; ``forecast_series_per_s`` is the slowest method's figure.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.planning.forecast import croston, sba, tsb

N_SERIES, N_PERIODS, RUNS = 62_500, 24, 5


def synthetic(seed: int = 0) -> np.ndarray:
    """Bernoulli occurrence (per-series rate 5-60%) × Poisson size: typical spare-parts mix."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.05, 0.6, size=(N_SERIES, 1))
    occurs = rng.random((N_SERIES, N_PERIODS)) < rate
    return (occurs * (1 + rng.poisson(2.0, size=(N_SERIES, N_PERIODS)))).astype(np.float64)


def main() -> None:
    Y = synthetic()
    per_method = {}
    for name, fn in (("croston", croston), ("sba", sba), ("tsb", tsb)):
        fn(Y[:100])  # warm-up
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            fc = fn(Y)
            times.append(time.perf_counter() - start)
        assert fc.shape == (N_SERIES,) and np.all(np.isfinite(fc))
        med = statistics.median(times)
        per_method[name] = {"median_seconds": round(med, 5), "series_per_s": round(N_SERIES / med)}
    print(
        json.dumps(
            {
                "forecast_series_per_s": min(v["series_per_s"] for v in per_method.values()),
                "n_series": N_SERIES,
                "n_periods": N_PERIODS,
                "runs": RUNS,
                "cpu_count": os.cpu_count(),
                "methods": per_method,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
