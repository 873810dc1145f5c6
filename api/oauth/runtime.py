"""Per-process identity state: the signing keys (loaded lazily from the database, shared by all
workers), the serializer of login-session cookies, and token verification."""

from __future__ import annotations

import asyncio
import time

from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.oauth.tokens import REALM, AccessTokenValidator, token_header
from domain.identity.keys import SigningKeys, load_signing_keys, server_secret
from domain.settings import Settings

# Keys are re-read this often, so a rotation (`ims keys rotate`) reaches every worker within a
# minute; a token naming an unknown kid triggers an earlier reload, at most every 10 seconds.
_REFRESH_INTERVAL = 60.0
_UNKNOWN_KID_INTERVAL = 10.0


class AuthRuntime:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
    ) -> None:
        self.sessions = sessions
        # Autocommit sessions: resolving the principal of a request costs one statement, no BEGIN.
        self.read_sessions = read_sessions
        self.settings = settings
        self._keys: SigningKeys | None = None
        self._serializer: URLSafeTimedSerializer | None = None
        self._lock = asyncio.Lock()
        self._loaded_at = 0.0

    async def _load(self) -> SigningKeys:
        async with self.sessions() as session, session.begin():
            self._keys = await load_signing_keys(session)
        self._loaded_at = time.monotonic()
        return self._keys

    async def keys(self) -> SigningKeys:
        if self._keys is None or time.monotonic() - self._loaded_at > _REFRESH_INTERVAL:
            async with self._lock:
                if self._keys is None or time.monotonic() - self._loaded_at > _REFRESH_INTERVAL:
                    return await self._load()
        assert self._keys is not None
        return self._keys

    async def reload_keys(self) -> SigningKeys:
        async with self._lock:
            return await self._load()

    async def validator(self, token: str | None = None) -> AccessTokenValidator:
        """A validator holding the current keys; reloads them once when `token` names an unknown kid."""
        keys = await self.keys()
        if token is not None and time.monotonic() - self._loaded_at > _UNKNOWN_KID_INTERVAL:
            try:
                kid = token_header(token).get("kid")
            except InvalidTokenError:
                kid = None
            if isinstance(kid, str) and kid not in keys.kids:
                keys = await self.reload_keys()
        return AccessTokenValidator(keys, self.settings.oauth_issuer, self.settings.oauth_audience)

    async def verify(self, token: str) -> JWTAccessTokenClaims:
        return (await self.validator(token)).verify(token)

    async def session_serializer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            async with self.sessions() as session, session.begin():
                secret = await server_secret(session, "session-cookie")
            self._serializer = URLSafeTimedSerializer(secret, salt="ims.session")
        return self._serializer


__all__ = ["REALM", "AuthRuntime"]
