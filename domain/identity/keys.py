"""Token signing keys and the access-token format (RFC 9068 JWT profile).

An EC P-256 key (ES256) is generated on first use and kept in the database, so all workers and
hosts share it; the advisory lock makes concurrent first starts create exactly one. Rotation adds
a new key and keeps the old one published until every token it signed has expired."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import ServerSecret, SigningKey
from domain.settings import MAX_CLIENT_TOKEN_TTL

ALG = "ES256"
TOKEN_TYPE = "at+jwt"
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('ims.oauth_signing_key'))"


@dataclass(frozen=True)
class SigningKeys:
    kid: str
    private: ECKey
    public: KeySet
    kids: frozenset[str] = field(default_factory=frozenset)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.public.keys]}


def _new_key() -> tuple[str, ECKey]:
    kid = f"ims-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig", "alg": ALG}, private=True)
    return kid, key


async def _insert_key(session: AsyncSession) -> None:
    kid, key = _new_key()
    await session.execute(
        insert(SigningKey).values(
            kid=kid, alg=ALG, private_jwk=key.as_dict(private=True), public_jwk=key.as_dict(private=False)
        )
    )


async def load_signing_keys(session: AsyncSession) -> SigningKeys:
    """The current signing key and every key still needed for verification (creates the first).
    Call inside a transaction."""
    published_after = datetime.now(UTC) - timedelta(seconds=MAX_CLIENT_TOKEN_TTL + 300)
    stmt = (
        select(SigningKey)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > published_after))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid)
    )
    rows = (await session.execute(stmt)).scalars().all()
    if not any(r.retired_at is None for r in rows):
        await session.execute(text(_LOCK))
        rows = (await session.execute(stmt)).scalars().all()
        if not any(r.retired_at is None for r in rows):
            await _insert_key(session)
            rows = (await session.execute(stmt)).scalars().all()
    current = next(r for r in rows if r.retired_at is None)
    public = KeySet([ECKey.import_key(dict(r.public_jwk)) for r in rows])
    return SigningKeys(
        kid=current.kid,
        private=ECKey.import_key(dict(current.private_jwk)),
        public=public,
        kids=frozenset(r.kid for r in rows),
    )


async def rotate_signing_key(session: AsyncSession) -> str:
    """Retire the current keys and create a new one; returns the new kid."""
    await session.execute(text(_LOCK))
    retire = update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=datetime.now(UTC))
    await session.execute(retire)
    await _insert_key(session)
    return (await load_signing_keys(session)).kid


def mint_access_token(
    keys: SigningKeys,
    *,
    issuer: str,
    audience: str,
    subject: str,
    client_id: str,
    scope: str,
    ttl: int,
    now: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """Sign an access token; returns the compact JWT and its claims."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": issued + ttl,
        "iat": issued,
        "jti": secrets.token_urlsafe(16),
        "client_id": client_id,
        "scope": scope,
    }
    header = {"alg": ALG, "kid": keys.kid, "typ": TOKEN_TYPE}
    return jwt.encode(header, claims, keys.private, algorithms=[ALG]), claims


async def server_secret(session: AsyncSession, name: str) -> bytes:
    """A random secret shared by every worker, created on first use."""
    await session.execute(
        text("INSERT INTO server_secret (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING"),
        {"name": name, "value": secrets.token_bytes(32)},
    )
    return (await session.execute(select(ServerSecret.value).where(ServerSecret.name == name))).scalar_one()
