"""Authlib's generic AuthorizationServer adapted to Starlette.

Authlib ships no Starlette integration and its server classes are synchronous. The async route
reads the form (or query) first, then runs Authlib's grant in a worker thread; every storage hook
Authlib calls from that thread hops back onto the event loop (`anyio.from_thread.run`) to use the
request's AsyncSession. So the event loop never blocks, the database driver stays async, and one
OAuth request is one database transaction. A server object is built per request: it is cheap and
holds that request's session, so no state is shared between requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from sqlalchemy.ext.asyncio import AsyncSession

from api.oauth.models import (
    ALL_METHODS,
    SECRET_METHODS,
    AccessTokenView,
    Client,
    Code,
    RefreshTokenView,
    User,
)
from api.oauth.tokens import AccessTokenValidator
from domain.identity import oauth_store
from domain.identity.keys import SigningKeys, mint_access_token
from domain.identity.policy import ALL_SCOPES
from domain.identity.principals import principal_for_claims
from domain.settings import Settings

T = TypeVar("T")


# ------------------------------------------------------------------------------------- grants


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS


class S256CodeChallenge(CodeChallenge):
    """PKCE is mandatory and only S256 is accepted (`plain` would defeat its purpose)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCode(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    server: IMSAuthorizationServer

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.call(
            oauth_store.save_authorization_code,
            code,
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope or "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            ttl=self.server.settings.authorization_code_ttl,
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = self.server.call(oauth_store.take_authorization_code, code, client.get_client_id())
        return Code(found) if found else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        self.server.call(oauth_store.mark_code_used, authorization_code.record.id)

    def authenticate_user(self, authorization_code: Code) -> User | None:
        found = self.server.call(oauth_store.active_user, authorization_code.record.user_id)
        return User(found) if found else None


class RefreshToken(RefreshTokenGrant):
    """Rotation: every refresh returns a new refresh token and retires the old one; a retired one
    presented again revokes its family (see `oauth_store.use_refresh_token`)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: IMSAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenView | None:
        if not refresh_token or len(refresh_token) > 200:
            return None
        found = self.server.call(oauth_store.use_refresh_token, refresh_token)
        return RefreshTokenView(found) if found else None

    def authenticate_user(self, refresh_token: RefreshTokenView) -> User | None:
        found = self.server.call(oauth_store.active_user, refresh_token.record.user_id)
        return User(found) if found else None

    def revoke_old_credential(self, refresh_token: RefreshTokenView) -> None:
        self.server.call(oauth_store.mark_rotated, refresh_token.record.id)


# ---------------------------------------------------------------------------------- endpoints


class Revocation(RevocationEndpoint):
    """RFC 7009 for both kinds of token: an access token's jti joins the revocation list; a refresh
    token takes its whole family (and the access tokens issued with it) along."""

    CLIENT_AUTH_METHODS = ALL_METHODS
    server: IMSAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.lookup_token(token_string, token_type_hint)

    def revoke_token(self, token: Any, request: OAuth2Request) -> None:
        if isinstance(token, AccessTokenView):
            expires = datetime.fromtimestamp(int(token.claims["exp"]), UTC)
            self.server.call(oauth_store.revoke_jti, str(token.claims["jti"]), expires)
        elif isinstance(token, RefreshTokenView):
            self.server.call(oauth_store.revoke_family, token.record.family)


class Introspection(IntrospectionEndpoint):
    """RFC 7662 for confidential clients: a client may introspect the tokens issued to it; a client
    holding the `admin` scope may introspect any."""

    CLIENT_AUTH_METHODS = SECRET_METHODS
    server: IMSAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.lookup_token(token_string, token_type_hint)

    def check_permission(self, token: Any, client: Client, request: OAuth2Request) -> bool:
        return token.check_client(client) or "admin" in client.record.scopes

    def introspect_token(self, token: Any) -> dict[str, Any]:
        return token.introspection()


# ------------------------------------------------------------------------------------- server


class TokenIssuer(BearerTokenGenerator):
    """Authlib builds the token response; the domain's `mint_access_token` signs the JWT, so tokens
    minted elsewhere (tests, tooling) are identical. Users' tokens live at most 15 minutes,
    clients' at most 60 (capped in Settings)."""

    def __init__(self, keys: SigningKeys, settings: Settings) -> None:
        super().__init__(self._access_token, self._refresh_token, self._expires_in)
        self.keys = keys
        self.settings = settings
        self.last_claims: dict[str, Any] | None = None

    def _expires_in(self, client: Client, grant_type: str) -> int:
        if grant_type == "client_credentials":
            return self.settings.client_token_ttl
        return self.settings.user_token_ttl

    def _access_token(self, client: Client, grant_type: str, user: User | None, scope: str | None) -> str:
        token, claims = mint_access_token(
            self.keys,
            issuer=self.settings.oauth_issuer,
            audience=self.settings.oauth_audience,
            subject=user.get_user_id() if user else client.get_client_id(),
            client_id=client.get_client_id(),
            scope=scope or "",
            ttl=self._expires_in(client, grant_type),
        )
        self.last_claims = claims
        return token

    @staticmethod
    def _refresh_token(**_: Any) -> str:
        return generate_token(48)


class IMSAuthorizationServer(AuthorizationServer):
    def __init__(self, session: AsyncSession, keys: SigningKeys, settings: Settings) -> None:
        super().__init__(scopes_supported=sorted(ALL_SCOPES))
        self.session = session
        self.keys = keys
        self.settings = settings
        self.issuer = TokenIssuer(keys, settings)
        self.register_token_generator("default", self.issuer)
        self.register_grant(ClientCredentials)
        self.register_grant(AuthorizationCode, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshToken)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run a storage coroutine on the event loop with this request's session (from the worker)."""
        return anyio.from_thread.run(partial(fn, self.session, *args, **kwargs))

    # Authlib's framework hooks.
    def query_client(self, client_id: str) -> Client | None:
        found = self.call(oauth_store.active_client, client_id)
        return Client(found) if found else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        claims = self.issuer.last_claims
        assert claims is not None, "the access token was minted by this server's issuer"
        client_id = request.client.get_client_id()
        self.call(oauth_store.touch_client, client_id)
        refresh = token.get("refresh_token")
        if not refresh:
            return
        if request.refresh_token is not None:
            family = request.refresh_token.record.family
        else:
            family = request.authorization_code.record.family
        self.call(
            oauth_store.save_refresh_token,
            refresh,
            family=family,
            client_id=client_id,
            user_id=request.user.id,
            scope=token.get("scope", ""),
            access_jti=str(claims["jti"]),
            access_expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            ttl=self.settings.refresh_token_ttl,
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if not isinstance(request, OAuth2Request):
            raise TypeError("the route prepares the request before calling the server")
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def lookup_token(self, token_string: str, token_type_hint: str | None) -> AccessTokenView | RefreshTokenView | None:
        """A token this server issued, as introspection and revocation see it (expired ones too)."""
        if not token_string or len(token_string) > 8192:
            return None
        if token_type_hint != "refresh_token" and token_string.count(".") == 2:
            validator = AccessTokenValidator(self.keys, self.settings.oauth_issuer, self.settings.oauth_audience)
            try:
                claims = dict(validator.authenticate_token(token_string))
            except InvalidTokenError:
                return None
            if claims.get("iss") != self.settings.oauth_issuer or "exp" not in claims or "jti" not in claims:
                return None
            principal = self.call(principal_for_claims, claims)
            return AccessTokenView(claims, revoked=principal is None)
        if token_type_hint == "access_token":
            return None
        found = self.call(oauth_store.find_refresh_token, token_string)
        return RefreshTokenView(found) if found else None


async def run_in_worker(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one of Authlib's synchronous server methods off the event loop."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
