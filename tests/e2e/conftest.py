"""Live servers for end-to-end tests: `ims serve` in a subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(db_url: str, *, workers: int = 1, port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "IMS_LOG_LEVEL": "WARNING"}
    # IMS_E2E_LOG=<file> keeps the server's log when a live-server test needs explaining.
    log_path = os.environ.get("IMS_E2E_LOG")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "ims"), "serve", "--no-migrate", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("server exited during start-up")
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not become ready in 120 s")
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
