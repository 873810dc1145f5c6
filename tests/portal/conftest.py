"""Fixtures of the web areas (/portal, /console).

HTTP tests use the root fixtures (`app`, `anon_client`, per-test database copies) with helpers in
tests/portal/helpers.py. Browser tests share, per test session, ONE live `ims serve` on a free port
(its own copy of the seeded template database, login rate limit raised so many sign-ins from
127.0.0.1 pass) and ONE headless Chromium (/usr/bin/chromium); each test gets a fresh context:

    async def test_x(live_web, browser):
        context = await new_context(browser, live_web.base_url, phone=True)
        page = await context.new_page()
        await sign_in(page, "console", "staff.bj01")
        ...
        await screenshot(page, "console-lookup")
        await context.close()

or the `phone_page` / `desktop_page` fixtures (a page in a fresh context, closed afterwards).
Browser tests share the live database: make data each test needs unique (or read-only)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.portal.browser import new_context

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class LiveWeb:
    base_url: str  # http://127.0.0.1:<port>
    db_url: str  # the live server's database (postgresql+asyncpg://...)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dsn(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/" + database, parts.query, ""))


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


@pytest.fixture(scope="session")
async def live_web_db(server_url: str, template_url: str) -> AsyncIterator[str]:
    name = f"ims_web_{uuid.uuid4().hex[:10]}"
    template = urlsplit(template_url).path.lstrip("/")
    conn = await asyncpg.connect(_dsn(server_url, "postgres"))
    try:
        for attempt in range(5):
            try:
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except asyncpg.ObjectInUseError:
                await asyncio.sleep(0.1 * (attempt + 1))
    finally:
        await conn.close()
    yield _with_database(server_url, name)
    conn = await asyncpg.connect(_dsn(server_url, "postgres"))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def live_web(live_web_db: str) -> Iterator[LiveWeb]:
    """`ims serve` on a free port against the session's web database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": live_web_db,
        "IMS_LOG_LEVEL": "WARNING",
        "IMS_RATE_LIMIT_LOGIN_PER_MINUTE": "10000",
    }
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "ims"), "serve", "--no-migrate", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("ims serve exited during start-up")
            time.sleep(0.2)
        else:
            raise RuntimeError("ims serve did not become ready in 60 s")
        yield LiveWeb(base, live_web_db)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole test session (Debian's; browser downloads are impossible)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def phone_page(browser: Browser, live_web: LiveWeb) -> AsyncIterator[Page]:
    """A page in a fresh phone context (390×844, touch, zh-CN) on the live server."""
    context = await new_context(browser, live_web.base_url, phone=True)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def desktop_page(browser: Browser, live_web: LiveWeb) -> AsyncIterator[Page]:
    """A page in a fresh desktop context (1280×800, zh-CN) on the live server."""
    context = await new_context(browser, live_web.base_url, phone=False)
    page = await context.new_page()
    yield page
    await context.close()
