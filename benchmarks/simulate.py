"""IMS policy vs the manual routine on the demo company: the last 12 months replayed day by day.

Prints one JSON object ``{"ims": {...}, "naive": {...}, "seconds": ...}`` plus two context entries:
``ims_excess_return`` (the same policy when live overstock is also returned to vendors at go-live,
a commercial lever reported apart from the dead-stock clearance) and ``acceptance`` (the targets
fill >= 0.96, turnover >= 8.5, dead stock <= 0.06, and by how much each run misses them).
With ``--runs k`` the lead-time seeds 0..k-1 are replayed and every number is the median.
``seconds`` is the wall time of one ims + one naive replay (65,000 series x 365 days).

    .venv/bin/python benchmarks/simulate.py [--runs 3] [--today 2025-06-30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.demo.generate import generate
from domain.planning.planners import ImsPlanner
from domain.planning.sim_inputs import from_demo, run_policies

TARGETS = {"fill_rate": (0.96, "min"), "turnover": (8.5, "min"), "dead_stock_share": (0.06, "max")}
EXCESS_RETURN_DAYS = 30.0


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}


def _shortfall(metrics: dict[str, float]) -> dict[str, float]:
    """Gap to each acceptance target (0 when met)."""
    gap = {}
    for key, (goal, kind) in TARGETS.items():
        v = metrics[key]
        gap[key] = round(max(goal - v, 0.0) if kind == "min" else max(v - goal, 0.0), 4)
    return gap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--today", type=date.fromisoformat, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    inputs = from_demo(generate(today=args.today))
    prep = time.perf_counter() - t0
    ims = ImsPlanner()
    runs: dict[str, list[dict[str, float]]] = {"ims": [], "naive": [], "ims_excess_return": []}
    seconds = []
    for seed in range(args.runs):
        t = time.perf_counter()
        res = run_policies(inputs, 12, ("ims", "naive"), ims=ims, seed=seed)
        seconds.append(time.perf_counter() - t)
        extra = run_policies(inputs, 12, ("ims",), ims=replace(ims, return_excess_days=EXCESS_RETURN_DAYS), seed=seed)
        runs["ims"].append(res["ims"].metrics())
        runs["naive"].append(res["naive"].metrics())
        runs["ims_excess_return"].append(extra["ims"].metrics())
    out: dict[str, object] = {k: _median(v) for k, v in runs.items()}
    out["seconds"] = round(statistics.median(seconds), 2)
    out["prepare_seconds"] = round(prep, 2)
    out["acceptance"] = {
        name: {"met": not any(_shortfall(out[name]).values()), "shortfall": _shortfall(out[name])}  # type: ignore[arg-type]
        for name in ("ims", "ims_excess_return")
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
