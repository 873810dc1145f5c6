"""Open-model mixed workload against a live server: requests arrive at a fixed rate (Poisson
arrivals), each in its own asyncio task, independent of how fast the server answers, so a slow
server shows up as latency and errors instead of quietly lowering the offered load.

Mix: 80 % reads (40 % cross-store part lookup, 25 % parts search, 15 % HQ dashboard) and 20 %
writes (moveStock of one unit between two stores that both hold the part). Transfers are not in
the mix.

Ramp mode (default): arrival rates BENCH_RATES (default 25,50,100,150,200 req/s), each held
BENCH_STEP_SECONDS (default 10). Prints one JSON object: p99_ms and error_rate of the highest step,
max_rate_p99_50ms and the per-step figures.

Soak mode (`--soak MINUTES`): BENCH_RATE (default 50) req/s for MINUTES, sampling the VmRSS of
the server process and its children every 10 s; reports memory_growth_mb_per_hour (least squares
over all samples) and the same after the first WARMUP_SECONDS (start-up caches filling).

KPI snapshots: in production the job worker refreshes them every 5 minutes, and the dashboard reads
them (a handful of index reads); without a fresh one it computes the state live (~300-400 ms on the
demo data). The benchmark runs no worker, so it refreshes them itself before the run and every
5 minutes during a soak, as the job would; BENCH_KPI_REFRESH=0 leaves them stale (the slow path).

One server worker by default (BENCH_WORKERS to change); only 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from benchmarks._harness import ROOT, database_url, emit, free_port, gql_body, obtain_token

LOOKUP = """query Lookup($code: String!) { part(code: $code) { code nameZh
  stock { location { code name kind } onHand reserved available lots { lotNo onHand receivedOn } } } }"""
SEARCH = """query Search($q: String!) { parts(search: $q, first: 20) { totalCount
  edges { node { code nameZh category uom } } } }"""
DASHBOARD = """query Dashboard { dashboard { siteCount inventoryValue { value previous } fillRate { value }
  stockoutSkus { value } pendingTasks { suggestions transferApprovals countVariances } } }"""
MOVE = """mutation($input: MoveStockInput!) { moveStock(input: $input) { move { id } errors { code } } }"""

MIX = {"lookup": 0.40, "search": 0.25, "dashboard": 0.15, "move": 0.20}
SCOPES = "stock:read stock:write analytics:read"
POOL_SIZE = 64  # keep-alive connections; when all are busy a new one is opened for the request
REQUEST_TIMEOUT = 10.0  # a request slower than this counts as an error
IDLE_SECONDS = 3.0
MAX_IN_FLIGHT = 2000  # beyond this, arrivals are counted as errors (dropped), not queued
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
KPI_REFRESH = os.environ.get("BENCH_KPI_REFRESH", "1") != "0"
KPI_REFRESH_SECONDS = 300.0  # the cadence of the worker's `ims.kpi.refresh` job
WARMUP_SECONDS = 120.0


async def refresh_kpis() -> float:
    """What the worker's 5-minute job does: today's KPI snapshot of every site. Returns seconds."""
    from domain.analytics import snapshots
    from domain.db import create_engine, normalise_url, session_factory

    engine = create_engine(normalise_url(database_url()))
    started = time.perf_counter()
    try:
        async with session_factory(engine)() as session, session.begin():
            await snapshots.refresh_today(session)
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def _keep_kpis_fresh() -> None:
    while True:
        await asyncio.sleep(KPI_REFRESH_SECONDS)
        await refresh_kpis()


def _dsn() -> str:
    return database_url().replace("postgresql+asyncpg://", "postgresql://")


async def _fixtures() -> tuple[list[str], list[tuple[str, str, str]]]:
    conn = await asyncpg.connect(_dsn())
    try:
        codes = [r["code"] for r in await conn.fetch("SELECT code FROM part ORDER BY code LIMIT 5000")]
        pairs = await conn.fetch(
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
        return codes, [(r["part"], r["a"], r["b"]) for r in pairs]
    finally:
        await conn.close()


def _make_request(codes: list[str], pairs: list[tuple[str, str, str]]) -> Callable[[random.Random], tuple[str, bytes]]:
    kinds = list(MIX)
    weights = list(MIX.values())

    def make(rng: random.Random) -> tuple[str, bytes]:
        kind = rng.choices(kinds, weights)[0]
        if kind == "lookup":
            return kind, gql_body(LOOKUP, {"code": rng.choice(codes)})
        if kind == "search":
            code = rng.choice(codes)
            return kind, gql_body(SEARCH, {"q": code[: max(2, len(code) // 2)]})
        if kind == "dashboard":
            return kind, gql_body(DASHBOARD, {})
        part, a, b = rng.choice(pairs)
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        variables = {
            "input": {
                "partCode": part,
                "fromLocationCode": src,
                "toLocationCode": dst,
                "quantity": "1",
                "reason": "load benchmark",
                "idempotencyKey": uuid.uuid4().hex,
            }
        }
        return kind, gql_body(MOVE, variables)

    return make


def _ok(kind: str, payload: bytes) -> bool:
    compact = payload.replace(b" ", b"")
    if kind == "move":
        return b'"errors":[]' in compact and b'"move":{' in compact
    return b'"errors":' not in compact


@dataclass
class Window:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    kind_latencies: dict[str, list[float]] = field(default_factory=dict)
    send_seconds: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    error_sample: str = ""

    def fail(self, kind: str, detail: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        if not self.error_sample:
            self.error_sample = f"{kind}: {detail[:300]}"

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class Pool:
    """Keep-alive HTTP/1.1 connections to 127.0.0.1; one request per connection at a time."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.in_flight = 0

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        # uvicorn closes keep-alive connections idle for 5 s: never reuse one idle for longer than
        # IDLE_SECONDS, or the request would fail on a connection the server already closed.
        now = time.monotonic()
        while self.idle:
            reader, writer, last_used = self.idle.pop()
            if now - last_used < IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, body: bytes) -> tuple[bool, bytes]:
        reader, writer = await self._connection()
        try:
            writer.write(
                b"POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                + self.auth
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            close = False
            for line in head.split(b"\r\n"):
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line[15:])
                elif lower.startswith(b"connection:") and b"close" in lower:
                    close = True
            payload = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close or len(self.idle) >= POOL_SIZE:
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return head.startswith(b"HTTP/1.1 200"), payload

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


async def _one(pool: Pool, kind: str, body: bytes, window: Window) -> None:
    pool.in_flight += 1
    started = time.perf_counter()
    try:
        status_ok, payload = await asyncio.wait_for(pool.post(body), REQUEST_TIMEOUT)
        if status_ok and _ok(kind, payload):
            elapsed = time.perf_counter() - started
            window.latencies.append(elapsed)
            window.kind_latencies.setdefault(kind, []).append(elapsed)
        else:
            window.fail(kind, payload.decode("utf-8", "replace"))
    except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
        window.fail(kind, type(e).__name__)
    finally:
        pool.in_flight -= 1


async def open_loop(
    pool: Pool, make: Callable[[random.Random], tuple[str, bytes]], rate: float, seconds: float, seed: int
) -> tuple[Window, float]:
    """Send Poisson arrivals at `rate` per second for `seconds`; wait (bounded) for stragglers."""
    rng = random.Random(seed)
    window = Window()
    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    next_at = started
    stop_at = started + seconds
    limit = int(rate * seconds * 3) + 100  # hard bound on arrivals in one step
    while window.sent < limit:
        next_at += rng.expovariate(rate)
        if next_at >= stop_at:
            break
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, body = make(rng)
        window.sent += 1
        window.by_kind[kind] = window.by_kind.get(kind, 0) + 1
        if pool.in_flight >= MAX_IN_FLIGHT:
            window.fail(kind, "dropped: too many requests in flight")
            continue
        task = asyncio.create_task(_one(pool, kind, body, window))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    window.send_seconds = time.perf_counter() - started
    if tasks:
        await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT + 1)
    for task in list(tasks):
        task.cancel()
        window.errors += 1
    return window, time.perf_counter() - started


def _step_figures(rate: float, window: Window, elapsed: float) -> dict[str, object]:
    done = len(window.latencies) + window.errors
    send = window.send_seconds or elapsed
    per_kind = {}
    for kind, values in sorted(window.kind_latencies.items()):
        ordered = sorted(values)
        per_kind[kind] = {
            "ok": len(ordered),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
        }
    return {
        "arrival_rate": rate,
        "seconds": round(elapsed, 1),
        "sent": window.sent,
        "achieved_rate": round(window.sent / send, 1) if send else 0.0,
        "ok_per_s": round(len(window.latencies) / elapsed, 1) if elapsed else 0.0,
        "errors": window.errors,
        "error_rate": round(window.errors / done, 4) if done else 0.0,
        "p50_ms": round(window.pct(50), 1),
        "p95_ms": round(window.pct(95), 1),
        "p99_ms": round(window.pct(99), 1),
        "mix": window.by_kind,
        "by_kind": per_kind,
        "errors_by_kind": window.error_kinds,
        "first_error": window.error_sample,
    }


@contextmanager
def _server(workers: int):  # type: ignore[no-untyped-def]
    """Like _harness.live_server but yields the process too, for RSS sampling."""
    import socket

    port = free_port()
    env = {**os.environ, "IMS_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "ims"), "serve", "--no-migrate", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b"200" in s.recv(100):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not become ready")
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for _ in range(4):  # bounded depth: server → workers → their children
        frontier = []
        for task in Path("/proc").glob("[0-9]*"):
            try:
                ppid = int((task / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in found and int(task.name) not in found:
                frontier.append(int(task.name))
        if not frontier:
            break
        found.extend(frontier)
    return found


def rss_mb(pid: int) -> float:
    total_kb = 0
    for child in _descendants(pid):
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def _slope_per_hour(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in samples) / var * 3600


async def _ramp(port: int, token: str, make: Callable[[random.Random], tuple[str, bytes]]) -> dict[str, object]:
    rates = [float(r) for r in os.environ.get("BENCH_RATES", "25,50,100,150,200").split(",") if r.strip()][:20]
    step_seconds = float(os.environ.get("BENCH_STEP_SECONDS", "10"))
    pool = Pool(port, token)
    try:
        await open_loop(pool, make, rates[0], min(3.0, step_seconds), seed=999)  # warm-up, not reported
        steps = []
        for n, rate in enumerate(rates):
            window, elapsed = await open_loop(pool, make, rate, step_seconds, seed=n)
            steps.append(_step_figures(rate, window, elapsed))
            print(
                f"# {rate:>6.0f}/s  p50 {steps[-1]['p50_ms']} p95 {steps[-1]['p95_ms']} p99 {steps[-1]['p99_ms']} ms"
                f"  errors {steps[-1]['error_rate']}",
                flush=True,
            )
    finally:
        pool.close()
    good = [s["arrival_rate"] for s in steps if s["p99_ms"] <= 50 and s["error_rate"] < 0.01]  # type: ignore[operator]
    return {
        "p99_ms": steps[-1]["p99_ms"],
        "error_rate": steps[-1]["error_rate"],
        "max_rate_p99_50ms": max(good) if good else 0,
        "step_seconds": step_seconds,
        "steps": steps,
    }


async def _soak(
    port: int, pid: int, token: str, make: Callable[[random.Random], tuple[str, bytes]], minutes: float
) -> dict[str, object]:
    rate = float(os.environ.get("BENCH_RATE", "50"))
    pool = Pool(port, token)
    samples: list[tuple[float, float]] = []
    windows = []
    started = time.monotonic()
    refresher = asyncio.create_task(_keep_kpis_fresh()) if KPI_REFRESH else None
    try:
        for n in range(int(minutes * 6) + 1):  # one 10 s window per RSS sample
            if time.monotonic() - started >= minutes * 60:
                break
            samples.append((time.monotonic() - started, rss_mb(pid)))
            window, elapsed = await open_loop(pool, make, rate, 10.0, seed=n)
            windows.append((window, elapsed))
        samples.append((time.monotonic() - started, rss_mb(pid)))
    finally:
        pool.close()
        if refresher is not None:
            refresher.cancel()
    total = Window()
    seconds = 0.0
    for window, elapsed in windows:
        total.latencies.extend(window.latencies)
        total.errors += window.errors
        total.sent += window.sent
        for kind, count in window.by_kind.items():
            total.by_kind[kind] = total.by_kind.get(kind, 0) + count
        seconds += elapsed
        for kind, count in window.error_kinds.items():
            total.error_kinds[kind] = total.error_kinds.get(kind, 0) + count
        total.error_sample = total.error_sample or window.error_sample
        total.send_seconds += window.send_seconds or elapsed
        for kind, values in window.kind_latencies.items():
            total.kind_latencies.setdefault(kind, []).extend(values)
    figures = _step_figures(rate, total, seconds)
    return {
        "p99_ms": figures["p99_ms"],
        "error_rate": figures["error_rate"],
        "minutes": round((samples[-1][0] if samples else 0) / 60, 1),
        "memory_growth_mb_per_hour": round(_slope_per_hour(samples), 1),
        "memory_growth_mb_per_hour_after_warmup": round(
            _slope_per_hour([(t, m) for t, m in samples if t >= WARMUP_SECONDS]), 1
        ),
        "rss_mb_first": round(samples[0][1], 1) if samples else None,
        "rss_mb_last": round(samples[-1][1], 1) if samples else None,
        "rss_samples": [(round(t), round(m, 1)) for t, m in samples],
        "soak": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="fixed rate (BENCH_RATE) for MINUTES")
    args = parser.parse_args()
    codes, pairs = asyncio.run(_fixtures())
    if not codes or not pairs:
        raise SystemExit("no parts or no part with stock at two stores: load the demo data first (`ims demo`)")
    make = _make_request(codes, pairs)
    kpi_seconds = asyncio.run(refresh_kpis()) if KPI_REFRESH else None
    with _server(WORKERS) as (port, proc):
        token = obtain_token(port, SCOPES)
        if args.soak:
            figures = asyncio.run(_soak(port, proc.pid, token, make, min(args.soak, 24 * 60)))
        else:
            figures = asyncio.run(_ramp(port, token, make))
    emit(
        {
            "benchmark": "load",
            "model": "open (Poisson arrivals, one task per request)",
            "server_workers": WORKERS,
            "mix": {**MIX, "note": "reads: part lookup, parts search, HQ dashboard; writes: moveStock only"},
            "kpi_snapshots": "stale (BENCH_KPI_REFRESH=0): the dashboard computes the state live"
            if kpi_seconds is None
            else f"refreshed before the run ({kpi_seconds:.1f} s)" + (" and every 5 min" if args.soak else ""),
            **figures,
        }
    )


if __name__ == "__main__":
    main()
