"""GraphQL over WebSocket (subscriptions, graphql-transport-ws): who is connecting.

Credentials come, in order, from the handshake's `Authorization: Bearer` header (servers, tests),
the login-session cookie when the `Origin` is this server (browsers; a foreign origin is refused,
so another site cannot ride the cookie), or the `connection_init` payload
`{"Authorization": "Bearer …"}` (browser clients, which cannot set handshake headers). A connection
without any gets no subscription: the anonymous principal may do nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.exceptions import ConnectionRejectionError

from api.auth import Authenticated, authenticate
from api.graphql.context import Context
from domain.principal import Principal, PrincipalKind

ANONYMOUS = Principal(kind=PrincipalKind.CLIENT, name="anonymous")


class SubscriptionGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        auth: Authenticated | None = None
        has_header = "authorization" in connection.headers
        if has_header or _same_origin(connection):
            try:
                auth = await authenticate(connection)
            except Exception:
                auth = None
            if has_header and auth is None:
                await send({"type": "websocket.close", "code": 4401, "reason": "invalid credentials"})
                return
        scope.setdefault("state", {})["auth"] = auth
        await self.app(scope, receive, send)


def _same_origin(connection: HTTPConnection) -> bool:
    origin = connection.headers.get("origin")
    host = connection.headers.get("host")
    return bool(origin and host and urlsplit(origin).netloc == host)


async def authenticate_init_payload(request: Any, payload: dict[str, Any]) -> Authenticated:
    """Authenticate the token a browser sent in `connection_init`, exactly as a header would be."""
    token = payload.get("Authorization") or payload.get("authorization")
    if not isinstance(token, str) or not token.strip():
        raise ConnectionRejectionError({"reason": "credentials required"})
    scope = dict(request.scope)
    scope["type"] = "http"
    scope["headers"] = [(b"authorization", token.strip().encode())]
    try:
        return await authenticate(Request(scope))
    except Exception:
        raise ConnectionRejectionError({"reason": "invalid credentials"}) from None


@dataclass
class WsContext(Context):
    """The context of a WebSocket connection: strawberry stores the `connection_init` payload here."""

    connection_params: dict[str, Any] | None = None
