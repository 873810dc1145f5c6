"""The whole daily planning run on the demo data (65,000 part × site series, 24 months of
history): from reading the history to writing suggestions, in one transaction that is rolled
back so the benchmark leaves the database as it found it. Also the forecast engine alone: the
Croston family on the demo's monthly series.

Prints JSON: run_seconds (median of BENCH_RUNS, default 3), forecast_series_per_s, and timings."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import date

import numpy as np

from benchmarks._harness import database_url, emit
from domain.db import create_engine, session_factory
from domain.planning import forecast
from domain.planning.run import run_planning
from domain.principal import Principal


async def _run_once() -> dict[str, object]:
    engine = create_engine(database_url())
    try:
        async with session_factory(engine)() as session:
            transaction = await session.begin()
            started = time.perf_counter()
            summary = await run_planning(session, Principal.system("benchmark"), today=date.today())
            elapsed = time.perf_counter() - started
            await transaction.rollback()
        return {
            "seconds": elapsed,
            "series": summary.series,
            "suggestions": summary.suggestions,
            "timings": summary.timings,
        }
    finally:
        await engine.dispose()


async def _monthly_matrix() -> np.ndarray:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            row = await raw.fetchrow(  # type: ignore[union-attr]
                """
                SELECT count(DISTINCT (part_id, location_id)) AS n, array_agg(k) AS k, array_agg(m) AS m,
                       array_agg(q) AS q
                  FROM (SELECT dense_rank() OVER (ORDER BY part_id, location_id) - 1 AS k, part_id, location_id,
                               ((extract(year FROM occurred_on) - extract(year FROM min(occurred_on) OVER ())) * 12
                                + extract(month FROM occurred_on) - 1)::int AS m,
                               quantity::float8 AS q
                          FROM demand_event) t
                """
            )
        n = int(row["n"])
        months = np.asarray(row["m"], dtype=np.int64)
        months -= months.min()
        Y = np.zeros((n, int(months.max()) + 1))
        np.add.at(Y, (np.asarray(row["k"], dtype=np.int64), months), np.asarray(row["q"]))
        return Y[:, -24:]
    finally:
        await engine.dispose()


def _forecast_speed(Y: np.ndarray, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        forecast.croston(Y)
        forecast.sba(Y)
        forecast.tsb(Y)
        times.append((time.perf_counter() - started) / 3)
    return Y.shape[0] / statistics.median(times)


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    results = [asyncio.run(_run_once()) for _ in range(runs)]
    Y = asyncio.run(_monthly_matrix())
    emit(
        {
            "benchmark": "planning",
            "series": results[0]["series"],
            "suggestions": results[0]["suggestions"],
            "run_seconds": round(statistics.median(float(r["seconds"]) for r in results), 2),
            "run_seconds_all": [round(float(r["seconds"]), 2) for r in results],
            "timings": results[-1]["timings"],
            "forecast_series": int(Y.shape[0]),
            "forecast_series_per_s": round(_forecast_speed(Y)),
        }
    )


if __name__ == "__main__":
    main()
