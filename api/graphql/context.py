"""Per-request GraphQL context: who is asking, how to reach the database, and the DataLoaders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from domain.principal import Principal
from domain.settings import Settings

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class Context:
    request: Request
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    principal: Principal
    settings: Settings
    request_id: str
    response: Any = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read session. Each loader batch gets its own, because resolvers of one request
        run concurrently and an AsyncSession must not be shared between tasks."""
        async with self.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction per mutation: everything or nothing."""
        async with self.sessions() as session, session.begin():
            yield session

    def loader(
        self, name: str, batch: Callable[[Context, Sequence[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        found = self._loaders.get(name)
        if found is None:

            async def load(keys: list[Any]) -> Sequence[Any]:
                return await batch(self, keys)

            found = DataLoader(load_fn=load)
            self._loaders[name] = found
        return found
