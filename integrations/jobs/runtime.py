"""Per-process resources of the worker: the SQLAlchemy engine the tasks use and the notification
channels. Configured by `run_worker`; a task run in a process nobody configured (e.g. started by
the procrastinate CLI) configures itself from DATABASE_URL."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.alerts.notify import Channel
from domain.db import create_engine, resolve_database_url, session_factory

ChannelFactory = Callable[[], AbstractAsyncContextManager[dict[str, Channel]]]


@dataclass
class JobRuntime:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    channels: ChannelFactory


_current: JobRuntime | None = None


def _default_channels() -> AbstractAsyncContextManager[dict[str, Channel]]:
    from integrations.notifications import open_channels

    return open_channels()


def configure(url: str, channels: ChannelFactory | None = None) -> JobRuntime:
    global _current
    engine = create_engine(url)
    _current = JobRuntime(url, engine, session_factory(engine), channels or _default_channels)
    return _current


def runtime() -> JobRuntime:
    return _current or configure(resolve_database_url())


async def dispose() -> None:
    global _current
    if _current is not None:
        await _current.engine.dispose()
        _current = None
