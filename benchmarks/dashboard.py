"""The HQ dashboard (every store and the warehouse) and a full alert evaluation on the demo data.

Steps: a full alert evaluation over all part × site pairs (three runs: the first on a database
without alerts raises thousands; `alert_eval_seconds` is the slowest run), the KPI snapshot
refresh the worker does every 5 minutes, then the dashboard query through the API with an
`analytics:read` OAuth client (one server worker; a user loading the page: 1 client, 15 s,
BENCH_SECONDS to change; then 4 concurrent clients for the same time) and, for reference, the same
domain call without HTTP. Prints JSON: dashboard_p50_ms, dashboard_p99_ms (1 client),
dashboard_p99_ms_4_clients, dashboard_rps_4_clients, dashboard_domain_p99_ms, alert_eval_seconds,
alert_eval_first_seconds, alerts_raised, kpi_refresh_seconds, part_sites."""

from __future__ import annotations

import asyncio
import os
import time

from benchmarks._harness import closed_loop, database_url, emit, gql_body, live_server, obtain_token
from domain.alerts.engine import evaluate_alerts
from domain.analytics import kpis, snapshots
from domain.db import create_engine, normalise_url, read_session_factory, session_factory
from domain.principal import Principal

QUERY = """query Dashboard { dashboard {
  siteCount refreshedAt
  inventoryValue { value previous change trend } turnover { value previous } fillRate { value previous }
  stockoutSkus { value previous } deadStockSkus { value } deadStockValue { value }
  receiptsToday { value previous } receiptsTodayValue { value } issuesToday { value } issuesTodayValue { value }
  countCompletion { value } inventoryAccuracy { value }
  pendingTasks { suggestions transferApprovals countVariances total { value previous } } } }"""
CONCURRENCY = 4


async def _prepare() -> dict[str, object]:
    engine = create_engine(normalise_url(database_url()))
    system = Principal.system("benchmark")
    figures: dict[str, object] = {}
    try:
        runs = []
        for n in range(3):
            started = time.perf_counter()
            result = await evaluate_alerts(engine, system)
            runs.append(time.perf_counter() - started)
            if n == 0:
                figures["alerts_raised"] = result.raised
                figures["part_sites"] = result.part_sites
        figures["alert_eval_first_seconds"] = round(runs[0], 2)
        figures["alert_eval_seconds"] = round(max(runs), 2)
        started = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            await snapshots.refresh_today(session)
        figures["kpi_refresh_seconds"] = round(time.perf_counter() - started, 2)
        reads = read_session_factory(engine)
        latencies = []
        for _ in range(200):
            started = time.perf_counter()
            async with reads() as session:
                board = await kpis.dashboard(session, system)
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        figures["dashboard_domain_p50_ms"] = round(latencies[len(latencies) // 2] * 1000, 1)
        figures["dashboard_domain_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)
        figures["sites"] = len(board.site_ids)
    finally:
        await engine.dispose()
    return figures


def main() -> None:
    figures = asyncio.run(_prepare())
    seconds = float(os.environ.get("BENCH_SECONDS", "15"))
    with live_server() as port:
        token = obtain_token(port, scopes="analytics:read")
        body = gql_body(QUERY, {})
        asyncio.run(closed_loop(port, lambda rng: body, concurrency=CONCURRENCY, seconds=2, token=token))  # warm up
        single = asyncio.run(closed_loop(port, lambda rng: body, concurrency=1, seconds=seconds, token=token))
        loaded = asyncio.run(closed_loop(port, lambda rng: body, concurrency=CONCURRENCY, seconds=seconds, token=token))
    emit(
        {
            "dashboard_p50_ms": round(single.pct(50), 1),
            "dashboard_p99_ms": round(single.pct(99), 1),
            "dashboard_p99_ms_4_clients": round(loaded.pct(99), 1),
            "dashboard_rps_4_clients": round(loaded.rps, 1),
            "dashboard_errors": single.errors + loaded.errors,
            **figures,
        }
    )


if __name__ == "__main__":
    main()
