"""The composition root: settings, engine, schema and routes are wired here and nowhere else."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException  # the error type strawberry answers 4xx with
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from api.auth import Authenticated, GraphQLGate
from api.exports import export_download
from api.graphql.alerts.hub import NotificationHub
from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.graphql.ws import ANONYMOUS, SubscriptionGate, WsContext, authenticate_init_payload
from api.migrations import current_revisions, head_revisions
from api.oauth.routes import exception_handlers, oauth_routes
from api.oauth.runtime import AuthRuntime
from api.observability import RequestContextMiddleware
from api.statements import statement_download
from api.unavailable import database_exception_handlers
from domain.audit.service import Origin
from domain.db import create_engine, read_session_factory, resolve_database_url, session_factory
from domain.settings import Settings, get_settings
from integrations.documents import statement_renderer
from integrations.http import integration_routes
from portal.web.app import web_mounts

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

    def parse_json(self, data: str | bytes) -> Any:
        """Every malformed body is the client's mistake (400), not only what strawberry checks:
        invalid UTF-8, nesting too deep to parse, JSON that is not an object or a list."""
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise HTTPException(400, "Unable to parse request body as JSON (UTF-8)") from error
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    async def get_context(self, request: Any, response: Any) -> Context:
        # GraphQLGate (HTTP) or SubscriptionGate (WebSocket, maybe still anonymous) authenticated
        # the request before strawberry saw it.
        auth: Authenticated | None = request.state.auth
        request_id = request.scope.get("state", {}).get("request_id", "-")
        websocket = request.scope["type"] == "websocket"
        return (WsContext if websocket else Context)(
            request=request,
            response=None if websocket else response,  # no status code or headers to set mid-stream
            sessions=self.sessions,
            read_sessions=self.read_sessions,
            principal=auth.principal if auth else ANONYMOUS,
            settings=self.settings,
            request_id=request_id,
            auth_method=auth.method if auth else "none",
            origin=Origin(request_id=request_id, ip=request.client.host if request.client else None),
        )

    async def on_ws_connect(self, context: Context) -> Any:
        """A browser's subscription authenticates with the token in `connection_init`."""
        if context.principal is ANONYMOUS and isinstance(context, WsContext):
            auth = await authenticate_init_payload(context.request, context.connection_params or {})
            context.principal, context.auth_method = auth.principal, auth.method
        return await super().on_ws_connect(context)


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
        # Import files are uploaded (multipart). Safe here: GraphQLGate demands a bearer token or the
        # session's X-CSRFToken on every POST, and uploads have their own size limit (below).
        multipart_uploads_enabled=True,
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
        try:
            await app.state.auth.keys()  # the first request should not pay for loading the signing keys
        except Exception:
            log.warning("signing keys not loaded at start-up; retrying on first use", exc_info=True)
        jobs = None
        if os.environ.get("IMS_INPROCESS_WORKER") == "1":  # `ims serve --worker`
            from integrations.jobs.worker import run_worker

            jobs = asyncio.create_task(run_worker(url, concurrency=2, install_signal_handlers=False))
        yield
        if jobs is not None:
            jobs.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await jobs
        await app.state.notification_hub.close()
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", GraphQLGate(graphql), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", SubscriptionGate(graphql)),
            Route("/exports/{token}", export_download, methods=["GET"]),
            Route("/statements/{ref}.{fmt}", statement_download, methods=["GET"]),
            *oauth_routes(),
            *integration_routes(),
            *web_mounts(sessions, read_sessions, settings),  # /portal (suppliers) and /console (stores)
        ],
        middleware=[
            Middleware(
                RequestContextMiddleware,
                max_body_bytes=settings.max_body_bytes,
                upload_max_bytes=settings.max_upload_bytes,
            )
        ],
        lifespan=lifespan,
        # A database outage is a 503 to retry, not a 500 (the generic handler keeps everything else).
        exception_handlers={**database_exception_handlers(), **exception_handlers},
    )
    app.state.engine = engine
    app.state.notification_hub = NotificationHub(url)
    app.state.auth = AuthRuntime(sessions, read_sessions, settings)
    app.state.sessions = sessions
    app.state.read_sessions = read_sessions
    app.state.settings = settings
    app.state.statement_renderer = statement_renderer()  # PDF/Excel for the statement downloads
    return app
