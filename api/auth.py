"""Who is calling: a Bearer access token (partners, frontends) or the login-session cookie
(GraphiQL in a browser). Every request is resolved against the database, so revocation,
deactivation and role changes apply at once. Only the signature check of a token string already
verified by this process is remembered (`VerifiedTokens`): a signed token cannot change, and its
expiry is still checked on every request.

Failures follow RFC 6750: 401 with a `WWW-Authenticate: Bearer` challenge (no error code when no
credentials were sent, `invalid_token` when they were wrong)."""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import InvalidTokenError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.oauth.runtime import REALM, AuthRuntime
from api.oauth.session import CSRF_HEADER, read_session, same_token
from domain.db import bound_engine
from domain.identity.keys import SigningKeys
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


class VerifiedTokens:
    """Claims of access tokens whose signature and claims this process has checked, by token string.

    An ES256 check costs about 0.1 ms of CPU, and a client sends the same token for up to an hour.
    An entry is used only while the token has not expired and the signing keys it was checked with
    are still the current ones (they are re-read every minute, so a withdrawn key ends its
    tokens as before). Bounded: least recently used entries go first. Failures are not cached."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[dict[str, Any], SigningKeys, float]] = OrderedDict()

    def get(self, token: str, keys: SigningKeys) -> dict[str, Any] | None:
        found = self._entries.get(token)
        if found is None:
            return None
        claims, checked_with, expires = found
        if checked_with is not keys or time.time() >= expires:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return claims

    def put(self, token: str, keys: SigningKeys, claims: dict[str, Any]) -> None:
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or "nbf" in claims:
            return  # only the expiry is re-checked on a hit; anything else time-bound is verified each time
        self._entries[token] = (claims, keys, float(expires))
        self._entries.move_to_end(token)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


# One per AuthRuntime (one per app), so test apps and their keys never share entries.
_VERIFIED: weakref.WeakKeyDictionary[AuthRuntime, VerifiedTokens] = weakref.WeakKeyDictionary()


async def verified_claims(runtime: AuthRuntime, token: str) -> dict[str, Any]:
    """The token's claims, verified now or by an earlier request of this process."""
    cache = _VERIFIED.get(runtime)
    if cache is None:
        cache = _VERIFIED[runtime] = VerifiedTokens()
    keys = await runtime.keys()
    claims = cache.get(token, keys)
    if claims is None:
        claims = dict(await runtime.verify(token))
        # Remember it under the keys it was verified with (verify may have reloaded them).
        cache.put(token, await runtime.keys(), claims)
    return claims


async def authenticate(connection: HTTPConnection) -> Authenticated:
    runtime = runtime_of(connection)
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError("use `Authorization: Bearer <access token>`", realm=REALM)
        claims = await verified_claims(runtime, token.strip())
        async with bound_engine(runtime.read_sessions).connect() as connection:
            principal = await principal_for_claims(connection, claims)
        if principal is None:
            raise InvalidTokenError("the access token has been revoked", realm=REALM)
        return Authenticated(principal, "bearer")
    login = read_session(await runtime.session_serializer(), connection, runtime.settings.session_ttl)
    if login is not None:
        async with bound_engine(runtime.read_sessions).connect() as connection:
            principal = await principal_for_user(connection, login.user_id, scopes=ALL_SCOPES)
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
