"""A database that is restarting, unreachable or out of connections is a temporary condition the
client should retry, not a server bug: it answers 503 with `Retry-After` and a stable
`SERVICE_UNAVAILABLE` code, both from the HTTP gate (authentication reads the database) and from
inside GraphQL execution (where it would otherwise be masked as "Unexpected error." with 200).

The pool needs no help to recover: SQLAlchemy invalidates it on the first disconnect error, so the
next checkout opens a fresh connection (tests/e2e/test_pg_restart.py measures the window)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator

import asyncpg
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

log = logging.getLogger("ims.unavailable")

CODE = "SERVICE_UNAVAILABLE"
MESSAGE = "the database is temporarily unavailable; retry shortly (with the same idempotency key for writes)"
RETRY_AFTER_SECONDS = "1"
# Connection exceptions (class 08), shutdown / starting up (57P01-57P03), too many connections.
_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_NETWORK_ERRNOS = frozenset({errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH})
_ASYNCPG = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])


def database_unavailable(error: BaseException) -> bool:
    """Whether the error means "the database cannot be reached right now"."""
    for e in _chain(error):
        if isinstance(e, (ConnectionError, PoolTimeout, *_ASYNCPG)):
            return True
        if isinstance(e, OSError) and e.errno in _NETWORK_ERRNOS:
            return True
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        sqlstate = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _SQLSTATES):
            return True
        if isinstance(e, asyncpg.exceptions.InterfaceError) and "closed" in str(e):
            return True
        # A connection whose protocol was left mid-operation by a connection loss.
        if isinstance(e, asyncpg.exceptions.InternalClientError) and "cannot switch to state" in str(e):
            return True
    return False


def unavailable_response() -> JSONResponse:
    """Readable by OAuth clients (`error`, RFC 6749's `temporarily_unavailable`) and GraphQL
    clients (`errors[].extensions.code`) alike."""
    body = {
        "error": "temporarily_unavailable",
        "error_description": MESSAGE,
        "errors": [{"message": MESSAGE, "extensions": {"code": CODE}}],
    }
    return JSONResponse(
        body, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS, "Cache-Control": "no-store"}
    )


def database_exception_handlers() -> dict[type[Exception], object]:
    """Starlette handlers for the exception types a database outage raises. Any other error of
    those types is re-raised, so it still reaches the generic 500 handler and is logged."""

    async def handle(request: Request, error: Exception) -> Response:
        if not database_unavailable(error):
            raise error
        log.warning("database unavailable: %s", type(error).__name__)
        return unavailable_response()

    types: tuple[type[Exception], ...] = (
        DBAPIError,
        PoolTimeout,
        OSError,
        asyncpg.exceptions.PostgresError,
        asyncpg.exceptions.InterfaceError,
        asyncpg.exceptions.InternalClientError,
    )
    return dict.fromkeys(types, handle)


class DatabaseUnavailableExtension(SchemaExtension):
    """Turns resolver errors caused by a database outage into one unmasked SERVICE_UNAVAILABLE
    error per path and answers 503, so clients retry instead of reporting a bug."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        replaced = False
        errors = []
        for error in result.errors:
            original = error.original_error
            if original is not None and database_unavailable(original):
                errors.append(GraphQLError(MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": CODE}))
                replaced = True
            else:
                errors.append(error)
        if not replaced:
            return
        log.warning("database unavailable during execution")
        result.errors = errors
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = RETRY_AFTER_SECONDS
