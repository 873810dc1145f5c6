"""Forecast accuracy on the shared spare-parts data sets: IMS methods vs statsforecast.

Run: ``python benchmarks/forecast_accuracy.py`` (data from ``IMS_SHARED_DATA`` or ../shared/data).
Both engines see the same split (the last ``horizon`` months held out) and are scored by the same
IMS metric functions, so differences are the methods', not the scoring's. Prints one JSON object.
statsforecast is optional (dependency group ``bench``); without it only IMS figures are printed.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.planning.forecast import backtest, mase, rmsse, scaled_bias
from integrations.demand_csv import read_demand_csv

DATASETS = {"auto": ("auto-parts-monthly.csv", 6), "raf": ("raf-parts-monthly.csv", 12)}
SEASON = 12


def data_dir() -> Path:
    env = os.environ.get("IMS_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 6)


def statsforecast_models() -> dict[str, Any] | None:
    """Closest statsforecast counterparts of the IMS methods (None when not installed)."""
    try:
        from statsforecast import models as m
    except ImportError:
        return None
    return {
        "WindowAverage(6)": m.WindowAverage(window_size=6),
        "SESOpt": m.SimpleExponentialSmoothingOptimized(),
        "Holt": m.Holt(),
        "AutoETS": m.AutoETS(),
        "CrostonClassic": m.CrostonClassic(),
        "CrostonSBA": m.CrostonSBA(),
        "CrostonOptimized": m.CrostonOptimized(),
        "TSB(0.1,0.1)": m.TSB(alpha_d=0.1, alpha_p=0.1),
        "ADIDA": m.ADIDA(),
        "IMAPA": m.IMAPA(),
    }


def run_statsforecast(
    ids: list[str], Y: np.ndarray, horizon: int
) -> dict[str, dict[str, float | None]] | None:
    models = statsforecast_models()
    if models is None:
        return None
    import pandas as pd
    from statsforecast import StatsForecast

    train, test = Y[:, :-horizon], Y[:, -horizon:]
    n, T = train.shape
    df = pd.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(ids), T),
            "ds": np.tile(np.arange(1, T + 1), n),
            "y": train.ravel(),
        }
    )
    out: dict[str, dict[str, float | None]] = {}
    for name, model in models.items():
        start = time.perf_counter()
        fc = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=df, h=horizon)
        seconds = time.perf_counter() - start
        col = next(c for c in fc.columns if c not in ("unique_id", "ds"))
        wide = fc.pivot(index="unique_id", columns="ds", values=col).reindex(ids).to_numpy(dtype=np.float64)
        wide = np.nan_to_num(wide, nan=0.0)
        out[name] = {
            "MASE": _num(mase(test, wide, train).mean()),
            "RMSSE": _num(rmsse(test, wide, train).mean()),
            "bias": _num(scaled_bias(test, wide, train).mean()),
            "seconds": round(seconds, 4),
        }
    return out


def evaluate(name: str, filename: str, horizon: int) -> dict[str, Any]:
    data = read_demand_csv(data_dir() / filename)
    ids, Y = data.complete_series()
    results = backtest(Y, horizon, season=SEASON)
    ims = {
        r.method: {
            "MASE": _num(r.MASE),
            "RMSSE": _num(r.RMSSE),
            "bias": _num(r.bias),
            "seconds": round(r.seconds, 4),
        }
        for r in results
    }
    singles = [r for r in results if r.method != "auto"]
    auto = next(r for r in results if r.method == "auto")
    best_mase = min(singles, key=lambda r: r.MASE)
    best_rmsse = min(singles, key=lambda r: r.RMSSE)
    report: dict[str, Any] = {
        "n_series": len(ids),
        "n_periods": int(Y.shape[1]),
        "horizon": horizon,
        "ims": ims,
        "best_single_mase": {"method": best_mase.method, "MASE": _num(best_mase.MASE)},
        "best_single_rmsse": {"method": best_rmsse.method, "RMSSE": _num(best_rmsse.RMSSE)},
        "auto_beats_best_single_mase": bool(auto.MASE <= best_mase.MASE),
        "auto_beats_best_single_rmsse": bool(auto.RMSSE <= best_rmsse.RMSSE),
    }
    sf = run_statsforecast(ids, Y, horizon)
    report["statsforecast"] = sf
    if sf:
        report["auto_beats_statsforecast_mase"] = bool(
            auto.MASE <= min(v["MASE"] or math.inf for v in sf.values())
        )
        report["auto_beats_statsforecast_rmsse"] = bool(
            auto.RMSSE <= min(v["RMSSE"] or math.inf for v in sf.values())
        )
    return report


def main() -> None:
    per = {name: evaluate(name, fname, h) for name, (fname, h) in DATASETS.items()}
    summary = {
        "datasets": per,
        "auto_beats_best_single_mase": all(d["auto_beats_best_single_mase"] for d in per.values()),
        "auto_beats_best_single_rmsse": all(d["auto_beats_best_single_rmsse"] for d in per.values()),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
