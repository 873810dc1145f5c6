"""From a verified access token (or a login session) to the Principal every service takes.

The principal is read from the database on every request — one prepared statement on the driver
connection, about a tenth of a millisecond — so a revoked token, a revoked client, a deactivated
user or a changed role applies at once, in every process, with no cache to expire."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Reader, fetch_rows
from domain.errors import DomainError, ErrorCode
from domain.identity.keys import SigningKeys, mint_access_token
from domain.identity.models import User
from domain.identity.policy import ALL_SCOPES, visible_roots
from domain.principal import Principal, PrincipalKind, Role
from domain.settings import Settings

USER_SUBJECT_PREFIX = "user:"
INTERNAL_CLIENT_ID = "ims-internal"
_ROLE_VALUES = frozenset(r.value for r in Role)

# Rows are read positionally (fetch_rows hands back asyncpg records).
_USER_PRINCIPAL = """
    SELECT u.username, u.supplier_id, u.active,
           (SELECT coalesce(json_agg(json_build_array(ra.role, l.path) ORDER BY ra.id), '[]'::json)
              FROM role_assignment ra LEFT JOIN location l ON l.id = ra.location_id
             WHERE ra.user_id = u.id) AS grants,
           EXISTS (SELECT 1 FROM oauth_revoked_token r WHERE r.jti = :jti) AS revoked,
           EXISTS (SELECT 1 FROM oauth_client c WHERE c.client_id = :cid AND c.revoked_at IS NOT NULL)
               AS client_revoked
      FROM app_user u WHERE u.id = :uid
"""
_CLIENT_PRINCIPAL = """
    SELECT c.scopes, c.supplier_id, c.revoked_at IS NULL AS active,
           EXISTS (SELECT 1 FROM oauth_revoked_token r WHERE r.jti = :jti) AS revoked
      FROM oauth_client c WHERE c.client_id = :cid
"""


def user_subject(user_id: int) -> str:
    return f"{USER_SUBJECT_PREFIX}{user_id}"


async def principal_for_user(
    session: Reader,
    user_id: int,
    *,
    scopes: frozenset[str],
    jti: str | None = None,
    client_id: str | None = None,
) -> Principal | None:
    """The user as of now (roles and deactivation apply at once); None when revoked or inactive."""
    rows = await fetch_rows(session, _USER_PRINCIPAL, {"uid": user_id, "jti": jti or "", "cid": client_id or ""})
    if not rows:
        return None
    username, supplier_id, active, grant_rows, revoked, client_revoked = rows[0]
    if not active or revoked or client_revoked:
        return None
    if supplier_id is not None:
        return Principal(
            kind=PrincipalKind.SUPPLIER_USER,
            name=username,
            roles=frozenset({Role.SUPPLIER}),
            location_paths=None,
            supplier_id=supplier_id,
            scopes=scopes,
            user_id=user_id,
            client_id=client_id,
        )
    grants = tuple((Role(role), path) for role, path in grant_rows if role in _ROLE_VALUES and path)
    return Principal(
        kind=PrincipalKind.USER,
        name=username,
        roles=frozenset(role for role, _ in grants),
        location_paths=visible_roots(grants),
        scopes=scopes,
        user_id=user_id,
        client_id=client_id,
        grants=grants,
    )


async def principal_for_client(
    session: Reader, client_id: str, *, scopes: frozenset[str], jti: str | None = None
) -> Principal | None:
    """The client as of now: scopes it lost since the token was issued are gone at once."""
    rows = await fetch_rows(session, _CLIENT_PRINCIPAL, {"cid": client_id, "jti": jti or ""})
    if not rows:
        return None
    client_scopes, supplier_id, active, revoked = rows[0]
    if not active or revoked:
        return None
    return Principal(
        kind=PrincipalKind.CLIENT,
        name=client_id,
        location_paths=None,
        supplier_id=supplier_id,
        scopes=scopes & frozenset(client_scopes.split()),
        client_id=client_id,
    )


async def principal_for_claims(session: Reader, claims: dict[str, object]) -> Principal | None:
    """The principal behind verified access-token claims (signature, iss, aud, exp already checked)."""
    subject = str(claims.get("sub", ""))
    client_id = str(claims.get("client_id", ""))
    jti = str(claims.get("jti", ""))
    scopes = frozenset(str(claims.get("scope", "")).split()) & ALL_SCOPES
    if subject.startswith(USER_SUBJECT_PREFIX):
        user_id = subject[len(USER_SUBJECT_PREFIX) :]
        if not user_id.isdigit() or len(user_id) > 18:
            return None
        return await principal_for_user(session, int(user_id), scopes=scopes, jti=jti, client_id=client_id)
    if subject != client_id or not client_id:
        return None
    return await principal_for_client(session, client_id, scopes=scopes, jti=jti)


async def mint_user_token(
    session: AsyncSession,
    keys: SigningKeys,
    settings: Settings,
    username: str,
    *,
    scopes: Sequence[str] | None = None,
    client_id: str = INTERNAL_CLIENT_ID,
    ttl: int | None = None,
) -> str:
    """An access token for a user without the browser flow (tests, operator tooling)."""
    user = (await session.execute(select(User).where(User.username == username.strip().lower()))).scalar_one_or_none()
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such user", ["username"])
    token, _ = mint_access_token(
        keys,
        issuer=settings.oauth_issuer,
        audience=settings.oauth_audience,
        subject=user_subject(user.id),
        client_id=client_id,
        scope=" ".join(sorted(scopes if scopes is not None else ALL_SCOPES)),
        ttl=min(ttl or settings.user_token_ttl, settings.user_token_ttl),
    )
    return token
