"""Transfer optimisation on the demo company, timed through the domain services on a session.

- `plan_seconds`: a network-wide rebalance plan (scope HQ: every part × every site) — read the
  positions, classify, solve with OR-tools, store the plan — median of BENCH_PLAN_RUNS (default 3).
  Each run is rolled back, so the database is left as it was (target ≤ 5 s).
- `recommend_p99_ms`: single `recommendTransfer` calls for random (part, store, quantity), one
  statement plus a CP-SAT solve each, BENCH_RECOMMENDATIONS of them (default 400; target ≤ 50 ms).

Needs DATABASE_URL with the demo data and the workshop/transfers migration applied. Prints JSON."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from decimal import Decimal

from sqlalchemy import text

from benchmarks._harness import database_url, emit
from domain.db import create_engine, normalise_url, read_session_factory, session_factory
from domain.principal import Principal
from domain.transfers import rebalancing, recommender

SYSTEM = Principal.system("benchmark")


async def _plan(sessions, runs: int) -> tuple[list[float], list[float], dict[str, object]]:  # type: ignore[no-untyped-def]
    seconds: list[float] = []
    cpu: list[float] = []
    figures: dict[str, object] = {}
    for _ in range(runs):
        async with sessions() as session:
            await session.begin()
            started, started_cpu = time.perf_counter(), time.process_time()
            plan = await rebalancing.propose_rebalance_plan(session, SYSTEM, "HQ")
            await session.flush()
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            lines = (
                await session.execute(
                    text("SELECT count(*) FROM rebalance_plan_line WHERE plan_id = :p"), {"p": plan.id}
                )
            ).scalar_one()
            figures = {
                "plan_units_moved": str(plan.units_moved),
                "plan_unmet_need": str(plan.unmet_need),
                "plan_shipments": plan.shipments,
                "plan_lines": lines,
                "plan_total_cost": str(plan.total_cost),
                "plan_read_and_solve_ms": plan.solve_ms,
            }
            await session.rollback()
    return seconds, cpu, figures


async def _recommend(reads, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    async with reads() as session:
        parts = [
            row.code
            for row in await session.execute(
                text(
                    "SELECT p.code FROM part p WHERE EXISTS (SELECT 1 FROM stock_balance b WHERE b.part_id = p.id "
                    "AND b.on_hand > b.reserved) ORDER BY p.code"
                )
            )
        ]
        stores = list(
            (await session.execute(text("SELECT code FROM location WHERE kind = 'store' ORDER BY code"))).scalars()
        )
        latencies: list[float] = []
        for n in range(count + 20):
            part, store, quantity = rng.choice(parts), rng.choice(stores), Decimal(rng.randint(1, 20))
            started = time.perf_counter()
            await recommender.recommend_transfer(session, SYSTEM, part, store, quantity)
            if n >= 20:  # the first calls warm caches and the solver
                latencies.append(time.perf_counter() - started)
    return latencies


def _p(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))]


async def main() -> None:
    url = normalise_url(database_url())
    engine = create_engine(url)
    try:
        plan_seconds, plan_cpu, figures = await _plan(
            session_factory(engine), int(os.environ.get("BENCH_PLAN_RUNS", "3"))
        )
        latencies = await _recommend(read_session_factory(engine), int(os.environ.get("BENCH_RECOMMENDATIONS", "400")))
    finally:
        await engine.dispose()
    emit(
        {
            "plan_seconds": round(statistics.median(plan_seconds), 3),
            "plan_seconds_max": round(max(plan_seconds), 3),
            # This process's CPU (the database's work is not in it): the figure a busy machine cannot inflate.
            "plan_cpu_seconds": round(statistics.median(plan_cpu), 3),
            **figures,
            "recommendations": len(latencies),
            "recommend_p50_ms": round(_p(latencies, 50) * 1000, 2),
            "recommend_p99_ms": round(_p(latencies, 99) * 1000, 2),
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
