"""Per-request GraphQL context: who is asking, how to reach the database, and the DataLoaders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from domain.audit import service as audit
from domain.db import bound_engine
from domain.principal import Principal
from domain.settings import Settings

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class OperationInfo:
    """What the authorization extension saw of the operation (used to label audit entries)."""

    kind: str
    root_fields: tuple[str, ...]
    variables: dict[str, Any]


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
    # "bearer" or "session" (browser login); where the request came from, for the audit trail.
    auth_method: str = "bearer"
    origin: audit.Origin = field(default_factory=audit.Origin)
    operation: OperationInfo | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read session. Each loader batch gets its own, because resolvers of one request
        run concurrently and an AsyncSession must not be shared between tasks."""
        async with self.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A short autocommit connection for reads through `domain.db.fetch_rows` that need no ORM
        session (hot paths: the stock lookup); same rules as `read`."""
        async with bound_engine(self.read_sessions).connect() as connection:
            yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction per mutation: everything or nothing, its audit entry included. A mutation
        that records no entry of its own (`audit`) gets a generic one — operation and variables,
        secrets redacted — so no change is ever committed unaudited."""
        async with self.sessions() as session, session.begin():
            yield session
            if not session.info.get(audit.AUDITED):
                operation = self.operation
                fields = ",".join(operation.root_fields) if operation else "unknown"
                await audit.record(
                    session,
                    self.principal,
                    f"graphql.{fields}",
                    after={"variables": operation.variables if operation else {}},
                    origin=self.origin,
                )

    async def audit(
        self,
        session: AsyncSession,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record one audit entry in the mutation's transaction (call inside `write()`)."""
        await audit.record(
            session,
            self.principal,
            action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
            origin=self.origin,
        )

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
