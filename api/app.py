"""The composition root: settings, engine, schema and routes are wired here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api.auth import principal_for
from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.migrations import current_revisions, head_revisions
from api.observability import RequestContextMiddleware
from domain.db import create_engine, read_session_factory, resolve_database_url, session_factory
from domain.settings import Settings, get_settings

log = logging.getLogger("ims.app")


class IMSGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        **kwargs: Any,
    ) -> None:
        super().__init__(build_schema(settings), **kwargs)
        self.sessions = sessions
        self.read_sessions = read_sessions
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            request=request,
            response=response,
            sessions=self.sessions,
            read_sessions=self.read_sessions,
            principal=await principal_for(request),
            settings=self.settings,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
        )


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Starlette:
    settings = settings or get_settings()
    url = database_url or resolve_database_url(settings)
    engine = create_engine(url, settings)
    sessions = session_factory(engine)
    read_sessions = read_session_factory(engine)
    expected_revisions = head_revisions()

    graphql = IMSGraphQL(
        sessions,
        read_sessions,
        settings,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            revisions = await current_revisions(engine)
        except Exception:
            log.warning("readiness check: database unreachable", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        if revisions != expected_revisions:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "database": "ok",
                    "migrations": sorted(revisions),
                    "expected": sorted(expected_revisions),
                },
                status_code=503,
            )
        return JSONResponse({"status": "ready", "database": "ok", "migrations": sorted(revisions)})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        middleware=[Middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.read_sessions = read_sessions
    app.state.settings = settings
    return app
