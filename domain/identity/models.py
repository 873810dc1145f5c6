"""Users, role assignments, OAuth clients and the server-side state of the OAuth2 server.

Secrets are never stored: passwords as argon2 hashes, client secrets, authorization codes and
refresh tokens as SHA-256 digests (they are long random strings, so a fast hash is enough and a
token request costs no key-stretching). Access tokens are stateless JWTs; only revoked ones are
remembered, by `jti`, until they would have expired anyway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

_TS = DateTime(timezone=True)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint("kind IN ('internal','supplier')", name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Where reports for this person go (the store manager's daily operations report); optional.
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))
    last_login_at: Mapped[datetime | None] = mapped_column(_TS)


class RoleAssignment(Base):
    """A role on a location subtree (the location and everything under it); supplier roles have none."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        Index("uq_role_assignment_user_role_location", "user_id", "role", "location_id", unique=True),
        CheckConstraint("(role = 'supplier') = (location_id IS NULL)", name="location_iff_internal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())


class OAuthClient(Base):
    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Empty for public clients (browser frontends), which must use PKCE instead.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(Text)
    grant_types: Mapped[str] = mapped_column(Text)
    redirect_uris: Mapped[str] = mapped_column(Text, default="")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(_TS)
    last_token_at: Mapped[datetime | None] = mapped_column(_TS)


class AuthorizationCode(Base):
    __tablename__ = "oauth_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    # Tokens issued from this code share the family, so a replayed code revokes them all.
    family: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(_TS)
    used_at: Mapped[datetime | None] = mapped_column(_TS)


class RefreshToken(Base):
    """One link of a rotation chain: presenting an already rotated token revokes its whole family."""

    __tablename__ = "oauth_refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text)
    # The access token issued with this refresh token, revoked with the family.
    access_jti: Mapped[str] = mapped_column(String(64))
    access_expires_at: Mapped[datetime] = mapped_column(_TS)
    issued_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(_TS)
    rotated_at: Mapped[datetime | None] = mapped_column(_TS)
    revoked_at: Mapped[datetime | None] = mapped_column(_TS)


class RevokedToken(Base):
    __tablename__ = "oauth_revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Rows may be purged after this: the token is refused for its `exp` anyway.
    expires_at: Mapped[datetime] = mapped_column(_TS, index=True)
    revoked_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())


class SigningKey(Base):
    """Token signing keys live in the database so every worker process and host signs and verifies
    with the same keys; retired keys stay published until the tokens they signed have expired."""

    __tablename__ = "oauth_signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    private_jwk: Mapped[dict[str, object]] = mapped_column(JSONB)
    public_jwk: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(_TS)


class ServerSecret(Base):
    """Random secrets shared by all workers (e.g. the key that signs login-session cookies)."""

    __tablename__ = "server_secret"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())


class RateLimitBucket(Base):
    """A fixed-window counter per key (endpoint + IP or client), shared by all workers."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(_TS)
    hits: Mapped[int] = mapped_column(Integer)
