"""Server-side OAuth2 state: clients as the authorization server sees them, authorization codes,
rotating refresh tokens with reuse detection, and revoked access-token ids.

Everything is looked up by the SHA-256 of the presented secret. A code or refresh token presented
a second time means it leaked (or a client is broken): its whole family — every refresh token and
the access tokens issued with them — is revoked (RFC 9700 §2.2.2, §4.14)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import AuthorizationCode, OAuthClient, RefreshToken, RevokedToken, User
from domain.identity.secrets import digest


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClientRecord:
    client_id: str
    name: str
    secret_hash: str | None
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    supplier_id: int | None

    @property
    def public(self) -> bool:
        return self.secret_hash is None


@dataclass(frozen=True)
class CodeRecord:
    id: int
    client_id: str
    user_id: int
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    family: str


@dataclass(frozen=True)
class RefreshRecord:
    id: int
    family: str
    client_id: str
    user_id: int
    scope: str
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str


async def active_client(session: AsyncSession, client_id: str) -> ClientRecord | None:
    if not client_id or len(client_id) > 64:
        return None
    row = (
        await session.execute(
            select(OAuthClient).where(OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return ClientRecord(
        client_id=row.client_id,
        name=row.name,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes.split()),
        grant_types=tuple(row.grant_types.split()),
        redirect_uris=tuple(row.redirect_uris.split()),
        supplier_id=row.supplier_id,
    )


async def touch_client(session: AsyncSession, client_id: str) -> None:
    await session.execute(update(OAuthClient).where(OAuthClient.client_id == client_id).values(last_token_at=_now()))


async def active_user(session: AsyncSession, user_id: int) -> UserRecord | None:
    row = (await session.execute(select(User.id, User.username).where(User.id == user_id, User.active))).first()
    return UserRecord(row.id, row.username) if row else None


async def save_authorization_code(
    session: AsyncSession,
    code: str,
    *,
    client_id: str,
    user_id: int,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
    ttl: int,
) -> None:
    await session.execute(
        insert(AuthorizationCode).values(
            code_hash=digest(code),
            client_id=client_id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            family=secrets.token_urlsafe(16),
            expires_at=_now() + timedelta(seconds=ttl),
        )
    )


async def take_authorization_code(session: AsyncSession, code: str, client_id: str) -> CodeRecord | None:
    """The unused, unexpired code issued to this client (row-locked until the transaction ends).
    A code presented again revokes everything issued from it."""
    row = (
        await session.execute(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.client_id != client_id:
        return None
    if row.used_at is not None:
        await revoke_family(session, row.family)
        return None
    if row.expires_at <= _now():
        return None
    return CodeRecord(
        id=row.id,
        client_id=row.client_id,
        user_id=row.user_id,
        redirect_uri=row.redirect_uri,
        scope=row.scope,
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        family=row.family,
    )


async def mark_code_used(session: AsyncSession, code_id: int) -> None:
    await session.execute(update(AuthorizationCode).where(AuthorizationCode.id == code_id).values(used_at=_now()))


async def save_refresh_token(
    session: AsyncSession,
    token: str,
    *,
    family: str,
    client_id: str,
    user_id: int,
    scope: str,
    access_jti: str,
    access_expires_at: datetime,
    ttl: int,
) -> None:
    await session.execute(
        insert(RefreshToken).values(
            token_hash=digest(token),
            family=family,
            client_id=client_id,
            user_id=user_id,
            scope=scope,
            access_jti=access_jti,
            access_expires_at=access_expires_at,
            expires_at=_now() + timedelta(seconds=ttl),
        )
    )


def _refresh_record(row: RefreshToken) -> RefreshRecord:
    return RefreshRecord(
        id=row.id,
        family=row.family,
        client_id=row.client_id,
        user_id=row.user_id,
        scope=row.scope,
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None or row.rotated_at is not None or row.expires_at <= _now(),
    )


async def use_refresh_token(session: AsyncSession, token: str) -> RefreshRecord | None:
    """A usable refresh token (row-locked, so two concurrent refreshes cannot both rotate it).
    One that was already rotated is a replay: its family is revoked and None returned."""
    row = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update())
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if row.rotated_at is not None:
        await revoke_family(session, row.family)
        return None
    if row.expires_at <= _now():
        return None
    return _refresh_record(row)


async def find_refresh_token(session: AsyncSession, token: str) -> RefreshRecord | None:
    row = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == digest(token)))
    ).scalar_one_or_none()
    return _refresh_record(row) if row else None


async def mark_rotated(session: AsyncSession, refresh_id: int) -> None:
    await session.execute(update(RefreshToken).where(RefreshToken.id == refresh_id).values(rotated_at=_now()))


async def revoke_family(session: AsyncSession, family: str) -> None:
    """Revoke every refresh token of the family and the access tokens issued with them."""
    await session.execute(
        text(
            """
            INSERT INTO oauth_revoked_token (jti, expires_at)
            SELECT access_jti, access_expires_at FROM oauth_refresh_token
             WHERE family = :family AND access_expires_at > now()
            ON CONFLICT (jti) DO NOTHING
            """
        ),
        {"family": family},
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


async def revoke_jti(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    await session.execute(
        text("INSERT INTO oauth_revoked_token (jti, expires_at) VALUES (:jti, :exp) ON CONFLICT (jti) DO NOTHING"),
        {"jti": jti[:64], "exp": expires_at},
    )


async def is_jti_revoked(session: AsyncSession, jti: str) -> bool:
    return (await session.execute(select(RevokedToken.jti).where(RevokedToken.jti == jti))).first() is not None


async def purge_expired(session: AsyncSession) -> None:
    """Drop state that can no longer matter (expired revocations, codes, refresh tokens)."""
    now = _now()
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    await session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now - timedelta(days=1)))
    await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now - timedelta(days=1)))
