"""Who is calling: a Bearer access token (partners, frontends) or the login-session cookie
(GraphiQL in a browser). Every request is resolved against the database, so revocation,
deactivation and role changes apply at once.

Failures follow RFC 6750: 401 with a `WWW-Authenticate: Bearer` challenge (no error code when no
credentials were sent, `invalid_token` when they were wrong)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import InvalidTokenError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.oauth.runtime import REALM, AuthRuntime
from api.oauth.session import CSRF_HEADER, read_session, same_token
from domain.identity.policy import ALL_SCOPES
from domain.identity.principals import principal_for_claims, principal_for_user
from domain.principal import Principal, PrincipalKind


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    method: Literal["bearer", "session"]
    # The session's CSRF token, which cookie-authenticated writes must echo.
    csrf: str | None = None


class NotAuthenticated(Exception):
    """No credentials at all (as opposed to wrong ones, which raise Authlib's InvalidTokenError)."""


def runtime_of(connection: HTTPConnection) -> AuthRuntime:
    return connection.app.state.auth


async def authenticate(connection: HTTPConnection) -> Authenticated:
    runtime = runtime_of(connection)
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError("use `Authorization: Bearer <access token>`", realm=REALM)
        claims = await runtime.verify(token.strip())
        async with runtime.read_sessions() as session:
            principal = await principal_for_claims(session, dict(claims))
        if principal is None:
            raise InvalidTokenError("the access token has been revoked", realm=REALM)
        return Authenticated(principal, "bearer")
    login = read_session(await runtime.session_serializer(), connection, runtime.settings.session_ttl)
    if login is not None:
        async with runtime.read_sessions() as session:
            principal = await principal_for_user(session, login.user_id, scopes=ALL_SCOPES)
        if principal is not None:
            return Authenticated(principal, "session", login.csrf)
    raise NotAuthenticated


async def principal_for(connection: HTTPConnection) -> Principal:
    return (await authenticate(connection)).principal


def challenge(error: OAuth2Error | None) -> Response:
    """The RFC 6750 answer to a request without valid credentials."""
    if error is None:
        return JSONResponse(
            {"error_description": "authentication required: send `Authorization: Bearer <access token>`"},
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"', "Cache-Control": "no-store"},
        )
    status, body, headers = error()
    return JSONResponse(body, status_code=status, headers={k: v for k, v in headers if k.lower() != "content-type"})


class GraphQLGate:
    """Authenticates every /graphql request before strawberry sees it.

    - no or bad credentials: RFC 6750 401 (a browser asking for GraphiQL is sent to the login page);
    - GraphiQL (an HTML GET) only for internal users;
    - a cookie-authenticated POST must echo the session's CSRF token in `X-CSRFToken`.
    The result is left in `request.state.auth` for the GraphQL context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no GraphQL over websockets: subscriptions are not offered
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        request = Request(scope, receive)
        wants_ide = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        try:
            auth = await authenticate(request)
        except (NotAuthenticated, OAuth2Error) as error:
            if wants_ide:
                response: Response = RedirectResponse("/oauth/login?next=/graphql", status_code=303)
            else:
                response = challenge(error if isinstance(error, OAuth2Error) else None)
            await response(scope, receive, send)
            return
        if wants_ide and auth.principal.kind is not PrincipalKind.USER:
            await JSONResponse({"error": "GraphiQL is for internal users"}, status_code=403)(scope, receive, send)
            return
        if auth.method == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
            if not same_token(auth.csrf, request.headers.get(CSRF_HEADER)):
                body = {"error": "csrf_failed", "error_description": "missing or wrong X-CSRFToken header"}
                await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        scope.setdefault("state", {})["auth"] = auth
        await self.app(scope, receive, send)
