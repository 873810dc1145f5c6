"""Shared benchmark plumbing: a live server in a subprocess, an OAuth client and its access token,
and a lean closed-loop HTTP client.

The client speaks HTTP/1.1 keep-alive over raw asyncio streams so that, on a 2-core machine, the
load generator costs as little CPU as possible and the figures measure the server."""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("benchmarks need DATABASE_URL pointing at a database with the demo data (`ims demo`)")
    return url


def analyze() -> None:
    """Refresh the planner statistics first: a freshly loaded demo database has none until autovacuum
    runs (and this machine's PostgreSQL runs without autovacuum), and plans made without them
    hash whole tables for a 20-row lookup."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(database_url().replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()

    asyncio.run(run())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A live `ims serve` process; `cpu_seconds()` is its CPU time so far (workers included)."""

    port: int
    proc: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(pid) for pid in descendants(self.proc.pid))


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The process and its children (uvicorn workers), depth-bounded."""
    found = [pid]
    for _ in range(3):
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


@contextmanager
def server_process(workers: int = 1) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "IMS_LOG_LEVEL": "WARNING", "IMS_APPLICATION_NAME": f"ims-bench-{port}"}
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
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b"200" in s.recv(100):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not become ready")
        yield Server(port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def live_server(workers: int = 1) -> Iterator[int]:
    with server_process(workers) as server:
        yield server.port


async def database_cpu_seconds(application_name: str) -> float:
    """CPU time of the PostgreSQL backends serving one server's connections (same host only)."""
    import asyncpg

    conn = await asyncpg.connect(database_url().replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = $1", application_name)
        pids = [r["pid"] for r in rows]
    finally:
        await conn.close()
    return sum(process_cpu_seconds(pid) for pid in pids)


@dataclass
class CpuWindow:
    """CPU spent by the server, this load-generating process and the database during a run:
    on a shared 2-core machine, CPU-ms per request is steadier than requests per second."""

    server: Server
    requests: int = 0
    _start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _end: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _sample(self) -> tuple[float, float, float]:
        backends = asyncio.run(database_cpu_seconds(f"ims-bench-{self.server.port}"))
        return (self.server.cpu_seconds(), time.process_time(), backends)

    def start(self) -> None:
        self._start = self._sample()

    def stop(self, requests: int) -> None:
        self._end = self._sample()
        self.requests = requests

    def figures(self) -> dict[str, float]:
        """CPU milliseconds per completed request, per party."""
        n = max(self.requests, 1)
        server, client, db = (1000 * (e - s) / n for s, e in zip(self._start, self._end, strict=True))
        return {
            "server_cpu_ms_per_req": round(server, 3),
            "client_cpu_ms_per_req": round(client, 3),
            "db_cpu_ms_per_req": round(db, 3),
        }


def obtain_token(port: int, scopes: str = "stock:read stock:write") -> str:
    """Register a throw-away OAuth client (`ims client create`, on DATABASE_URL) and get an access token
    from the live server with client credentials, as a partner would."""
    import httpx

    created = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ims"), "client", "create", "--name", "benchmark", "--scopes", scopes, "--json"],
        cwd=ROOT,
        env=os.environ.copy(),
        check=True,
        capture_output=True,
        text=True,
    )
    client = json.loads(created.stdout)
    response = httpx.post(
        f"http://127.0.0.1:{port}/oauth/token",
        data={"grant_type": "client_credentials", "scope": scopes},
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def _client(
    port: int,
    body_for: Callable[[random.Random], bytes],
    stop_at: float,
    result: LoadResult,
    seed: int,
    check: Callable[[bytes], bool],
    token: str | None,
) -> None:
    rng = random.Random(seed)
    auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            body = body_for(rng)
            request = (
                b"POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                + auth
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            payload = await reader.readexactly(length)
            elapsed = time.perf_counter() - started
            if head.startswith(b"HTTP/1.1 200") and check(payload):
                result.latencies.append(elapsed)
            else:
                result.errors += 1
    finally:
        writer.close()


async def closed_loop(
    port: int,
    body_for: Callable[[random.Random], bytes],
    *,
    concurrency: int,
    seconds: float,
    check: Callable[[bytes], bool] = lambda payload: b'"errors"' not in payload,
    token: str | None = None,
) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(_client(port, body_for, stop_at, result, n, check, token) for n in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def gql_body(query: str, variables: dict[str, object]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def median(values: list[float]) -> float:
    return statistics.median(values)


def emit(figures: dict[str, object]) -> None:
    print(json.dumps(figures, indent=2, ensure_ascii=False))
