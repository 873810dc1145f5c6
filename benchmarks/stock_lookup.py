"""Cross-store stock lookup through the API vs the equivalent raw asyncpg query.

One server worker, 16 concurrent clients, 20 s (BENCH_SECONDS to change). Prints JSON:
rps, p50_ms, p99_ms, raw_rps, raw_p50_ms, raw_p99_ms, api_raw_ratio (median API time / median raw time),
and CPU milliseconds per request of the server, the load generator and the database backends."""

from __future__ import annotations

import asyncio
import os
import random
import time

import asyncpg

from benchmarks._harness import (
    CpuWindow,
    analyze,
    closed_loop,
    database_url,
    emit,
    gql_body,
    obtain_token,
    server_process,
)

QUERY = """query Lookup($code: String!) { part(code: $code) { code nameZh
  stock { location { code name kind } onHand reserved available lots { lotNo onHand receivedOn } } } }"""

RAW = """
SELECT p.code, p.name_zh, l.code AS location, l.name_zh AS location_name, l.kind, b.lot_no, b.on_hand, b.reserved,
       b.on_hand - b.reserved AS available, lot.received_on
  FROM part p
  LEFT JOIN stock_balance b ON b.part_id = p.id AND b.on_hand > 0
  LEFT JOIN location l ON l.id = b.location_id
  LEFT JOIN lot ON lot.part_id = b.part_id AND lot.lot_no = b.lot_no
 WHERE p.code = $1
 ORDER BY l.code, lot.received_on NULLS FIRST, b.lot_no
"""

CONCURRENCY = 16


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _raw(codes: list[str], seconds: float) -> tuple[list[float], float]:
    pool = await asyncpg.create_pool(_dsn(database_url()), min_size=CONCURRENCY, max_size=CONCURRENCY)
    latencies: list[float] = []
    started = time.perf_counter()
    stop_at = started + seconds

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        async with pool.acquire() as conn:
            statement = await conn.prepare(RAW)
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                await statement.fetch(rng.choice(codes))
                latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return latencies, elapsed


async def _codes() -> list[str]:
    conn = await asyncpg.connect(_dsn(database_url()))
    try:
        return [r["code"] for r in await conn.fetch("SELECT code FROM part ORDER BY code")]
    finally:
        await conn.close()


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    analyze()
    codes = asyncio.run(_codes())
    with server_process(workers=1) as server:
        port = server.port
        token = obtain_token(port, "stock:read")

        def body(rng: random.Random) -> bytes:
            return gql_body(QUERY, {"code": rng.choice(codes)})

        # Warm-up: fill caches and pools before measuring.
        asyncio.run(closed_loop(port, body, concurrency=CONCURRENCY, seconds=2, token=token))
        cpu = CpuWindow(server)
        cpu.start()
        api = asyncio.run(closed_loop(port, body, concurrency=CONCURRENCY, seconds=seconds, token=token))
        cpu.stop(len(api.latencies) + api.errors)
    raw_latencies, raw_elapsed = asyncio.run(_raw(codes, min(seconds, 10)))
    raw_sorted = sorted(raw_latencies)

    def raw_pct(p: float) -> float:
        return raw_sorted[min(len(raw_sorted) - 1, int(p / 100 * len(raw_sorted)))] * 1000

    emit(
        {
            "benchmark": "stock_lookup",
            "concurrency": CONCURRENCY,
            "seconds": round(api.seconds, 1),
            "requests": len(api.latencies),
            "errors": api.errors,
            "rps": round(api.rps, 1),
            "p50_ms": round(api.pct(50), 2),
            "p99_ms": round(api.pct(99), 2),
            "raw_rps": round(len(raw_latencies) / raw_elapsed, 1),
            "raw_p50_ms": round(raw_pct(50), 3),
            "raw_p99_ms": round(raw_pct(99), 3),
            "api_raw_ratio": round(api.pct(50) / raw_pct(50), 2),
            **cpu.figures(),
        }
    )


if __name__ == "__main__":
    main()
