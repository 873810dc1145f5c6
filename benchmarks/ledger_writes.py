"""Ledger write throughput through the API: 16 concurrent writers calling moveStock for 20 s
(BENCH_SECONDS to change), then every ledger invariant is checked. Prints JSON with moves_per_s,
p50_ms, p99_ms, errors and violations.

Writers move one unit back and forth between random stores for random parts that have stock at
both, so the run never drains stock and exercises row locks on shared balance rows."""

from __future__ import annotations

import asyncio
import os
import uuid

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

MUTATION = """mutation($input: MoveStockInput!) { moveStock(input: $input) { move { id } errors { code } } }"""
CONCURRENCY = 16
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))


async def _pairs() -> list[tuple[str, str, str]]:
    conn = await asyncpg.connect(database_url().replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            """
            SELECT p.code AS part, a.code AS a, b.code AS b
              FROM stock_balance x JOIN stock_balance y ON x.part_id = y.part_id AND x.lot_no = '' AND y.lot_no = ''
              JOIN location a ON a.id = x.location_id AND a.kind = 'store'
              JOIN location b ON b.id = y.location_id AND b.kind = 'store' AND b.id > a.id
              JOIN part p ON p.id = x.part_id
             WHERE x.on_hand >= 50 AND y.on_hand >= 50
             LIMIT 2000
            """
        )
        return [(r["part"], r["a"], r["b"]) for r in rows]
    finally:
        await conn.close()


async def _violations() -> int:
    from domain.db import create_engine, session_factory
    from domain.stock.check import check_ledger

    engine = create_engine(database_url())
    try:
        async with session_factory(engine)() as session:
            return len(await check_ledger(session))
    finally:
        await engine.dispose()


def _ok(payload: bytes) -> bool:
    return b'"errors":[]' in payload.replace(b" ", b"")


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    analyze()
    pairs = asyncio.run(_pairs())
    if not pairs:
        raise SystemExit("no part with stock at two stores: load the demo data first")

    def body(rng):  # type: ignore[no-untyped-def]
        part, a, b = rng.choice(pairs)
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        return gql_body(
            MUTATION,
            {
                "input": {
                    "partCode": part,
                    "fromLocationCode": src,
                    "toLocationCode": dst,
                    "quantity": "1",
                    "reason": "benchmark",
                    "idempotencyKey": uuid.uuid4().hex,
                }
            },
        )

    with server_process(workers=WORKERS) as server:
        port = server.port
        token = obtain_token(port, "stock:write")
        asyncio.run(closed_loop(port, body, concurrency=CONCURRENCY, seconds=2, check=_ok, token=token))
        cpu = CpuWindow(server)
        cpu.start()
        result = asyncio.run(closed_loop(port, body, concurrency=CONCURRENCY, seconds=seconds, check=_ok, token=token))
        cpu.stop(len(result.latencies) + result.errors)
    emit(
        {
            "benchmark": "ledger_writes",
            "server_workers": WORKERS,
            "concurrency": CONCURRENCY,
            "seconds": round(result.seconds, 1),
            "moves": len(result.latencies),
            "errors": result.errors,
            "moves_per_s": round(result.rps, 1),
            "p50_ms": round(result.pct(50), 2),
            "p99_ms": round(result.pct(99), 2),
            "violations": asyncio.run(_violations()),
            **cpu.figures(),
        }
    )


if __name__ == "__main__":
    main()
