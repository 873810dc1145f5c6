"""Identity use cases: users and their roles on location subtrees, OAuth clients. Administration
requires the admin permissions, checked before any lookup (see `principals` for token → Principal)."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.identity import secrets as secret_util
from domain.identity.models import OAuthClient, RefreshToken, RoleAssignment, User
from domain.identity.policy import (
    ALL_SCOPES,
    ASSIGNABLE_ROLES,
    SCOPES,
    SUPPLIER_CLIENT_SCOPES,
    Permission,
    can,
    ensure,
)
from domain.org.models import Location
from domain.principal import Principal, Role

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------------- users


@dataclass(frozen=True)
class CreateUserCommand:
    username: str
    password: str
    role: Role | str
    location_code: str | None = None
    supplier_code: str | None = None
    display_name: str | None = None
    # Where reports for the user go (a store manager's daily operations report).
    email: str | None = None


@dataclass(frozen=True)
class Grant:
    role: Role
    location_code: str | None
    location_path: str | None


def _username(value: str) -> str:
    username = value.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "a username is 3-64 characters: letters, digits, . _ @ -", ["username"]
        )
    return username


def _role(value: Role | str, field: str = "role") -> Role:
    try:
        role = Role(value.value if isinstance(value, Role) else str(value).strip().lower())
    except ValueError:
        role = None
    if role is None or role not in ASSIGNABLE_ROLES:
        names = ", ".join(r.value for r in ASSIGNABLE_ROLES)
        raise DomainError(ErrorCode.INVALID_INPUT, f"unknown role; use one of {names}", [field])
    return role


def _email(value: str | None) -> str | None:
    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 200 or not _EMAIL.fullmatch(email):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{email!r} is not an e-mail address", ["email"])
    return email


def _password(value: str) -> str:
    if not secret_util.MIN_PASSWORD <= len(value) <= secret_util.MAX_PASSWORD:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"a password is {secret_util.MIN_PASSWORD}-{secret_util.MAX_PASSWORD} characters",
            ["password"],
        )
    return value


async def _supplier_id(session: AsyncSession, code: str) -> int:
    found = (
        await session.execute(select(Supplier.id).where(Supplier.code == code.strip().upper()))
    ).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"no supplier with code {code.strip().upper()}", ["supplierCode"])
    return found


async def _location(session: AsyncSession, code: str | None) -> Location:
    if not code or not code.strip():
        raise DomainError(ErrorCode.INVALID_INPUT, "internal roles are assigned on a location", ["locationCode"])
    found = (await session.execute(select(Location).where(Location.code == code.strip().upper()))).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code.strip().upper()}", ["locationCode"])
    if found.kind == "virtual":
        raise DomainError(ErrorCode.INVALID_LOCATION, "roles are assigned on real locations", ["locationCode"])
    return found


async def _user_by_name(session: AsyncSession, username: str, *, lock: bool = False) -> User:
    stmt = select(User).where(User.username == username.strip().lower())
    found = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such user", ["username"])
    return found


async def create_user(session: AsyncSession, principal: Principal, cmd: CreateUserCommand) -> User:
    ensure(principal, Permission.USERS_MANAGE)
    username = _username(cmd.username)
    password = _password(cmd.password)
    role = _role(cmd.role)
    display_name = (cmd.display_name or username).strip()[:200] or username
    email = _email(cmd.email)
    supplier_id: int | None = None
    location: Location | None = None
    if role is Role.SUPPLIER:
        if not cmd.supplier_code:
            raise DomainError(ErrorCode.INVALID_INPUT, "a supplier user needs a supplier", ["supplierCode"])
        if cmd.location_code:
            raise DomainError(ErrorCode.INVALID_INPUT, "supplier users have no location", ["locationCode"])
        supplier_id = await _supplier_id(session, cmd.supplier_code)
    else:
        if cmd.supplier_code:
            raise DomainError(ErrorCode.INVALID_INPUT, "only supplier users belong to a supplier", ["supplierCode"])
        location = await _location(session, cmd.location_code)
    if (await session.execute(select(User.id).where(User.username == username))).first() is not None:
        raise DomainError(ErrorCode.DUPLICATE, f"user {username} already exists", ["username"])
    password_hash = await asyncio.to_thread(secret_util.hash_password, password)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        email=email,
        kind="supplier" if supplier_id is not None else "internal",
        supplier_id=supplier_id,
        active=True,
        created_by=principal.actor,
    )
    session.add(user)
    await session.flush()
    session.add(RoleAssignment(user_id=user.id, role=role.value, location_id=location.id if location else None))
    await session.flush()
    return user


async def assign_role(
    session: AsyncSession, principal: Principal, username: str, role: Role | str, location_code: str | None
) -> tuple[User, list[Grant], list[Grant]]:
    """Returns the user with its grants before and after (for the audit trail)."""
    ensure(principal, Permission.USERS_MANAGE)
    chosen = _role(role)
    user = await _user_by_name(session, username, lock=True)
    before = (await grants_of(session, [user.id])).get(user.id, [])
    if (user.kind == "supplier") != (chosen is Role.SUPPLIER):
        raise DomainError(ErrorCode.INVALID_INPUT, "supplier and internal roles cannot be mixed", ["role"])
    if chosen is Role.SUPPLIER:
        raise DomainError(ErrorCode.INVALID_INPUT, "a supplier user has exactly one role", ["role"])
    location = await _location(session, location_code)
    if any(g.role is chosen and g.location_code == location.code for g in before):
        raise DomainError(ErrorCode.DUPLICATE, "the user already has this role there", ["role"])
    session.add(RoleAssignment(user_id=user.id, role=chosen.value, location_id=location.id))
    await session.flush()
    after = (await grants_of(session, [user.id])).get(user.id, [])
    return user, before, after


async def remove_role(
    session: AsyncSession, principal: Principal, username: str, role: Role | str, location_code: str | None
) -> tuple[User, list[Grant], list[Grant]]:
    ensure(principal, Permission.USERS_MANAGE)
    chosen = _role(role)
    user = await _user_by_name(session, username, lock=True)
    before = (await grants_of(session, [user.id])).get(user.id, [])
    code = (location_code or "").strip().upper() or None
    match = [g for g in before if g.role is chosen and g.location_code == code]
    if not match:
        raise DomainError(ErrorCode.NOT_FOUND, "the user has no such role there", ["role"])
    stmt = text(
        """DELETE FROM role_assignment ra WHERE ra.user_id = :uid AND ra.role = :role
           AND ra.location_id IS NOT DISTINCT FROM (SELECT id FROM location WHERE code = :code)"""
    )
    await session.execute(stmt, {"uid": user.id, "role": chosen.value, "code": code})
    after = (await grants_of(session, [user.id])).get(user.id, [])
    return user, before, after


async def set_user_active(session: AsyncSession, principal: Principal, username: str, active: bool) -> User:
    """Deactivation takes effect on the user's next request: tokens and sessions are checked per request."""
    ensure(principal, Permission.USERS_MANAGE)
    user = await _user_by_name(session, username, lock=True)
    if principal.user_id == user.id and not active:
        raise DomainError(ErrorCode.INVALID_INPUT, "you cannot deactivate yourself", ["username"])
    user.active = active
    if not active:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
    await session.flush()
    return user


async def set_user_email(session: AsyncSession, principal: Principal, username: str, email: str | None) -> User:
    """Set (or with None / "" clear) the address the user's reports are mailed to."""
    ensure(principal, Permission.USERS_MANAGE)
    user = await _user_by_name(session, username, lock=True)
    user.email = _email(email)
    await session.flush()
    return user


async def grants_of(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[Grant]]:
    rows = await session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role, Location.code, Location.path)
        .outerjoin(Location, Location.id == RoleAssignment.location_id)
        .where(RoleAssignment.user_id.in_(list(user_ids)))
        .order_by(RoleAssignment.user_id, RoleAssignment.id)
    )
    result: dict[int, list[Grant]] = {}
    for row in rows:
        result.setdefault(row.user_id, []).append(Grant(Role(row.role), row.code, row.path))
    return result


async def list_users(
    session: AsyncSession, principal: Principal, *, first: int, after_username: str | None = None
) -> tuple[list[User], bool]:
    ensure(principal, Permission.USERS_MANAGE)
    stmt = select(User)
    if after_username:
        stmt = stmt.where(User.username > after_username)
    rows = (await session.execute(stmt.order_by(User.username).limit(first + 1))).scalars().all()
    return list(rows[:first]), len(rows) > first


async def user_by_id(session: AsyncSession, principal: Principal, user_id: int) -> User | None:
    """Administrators see every user; anybody sees themselves; otherwise "not found"."""
    if not (can(principal, Permission.USERS_MANAGE) or principal.user_id == user_id):
        return None
    return await session.get(User, user_id)


async def authenticate_password(session: AsyncSession, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same cost either way)."""
    name = username.strip().lower()[:64]
    user = (await session.execute(select(User).where(User.username == name))).scalar_one_or_none()
    ok = await asyncio.to_thread(secret_util.verify_password, user.password_hash if user else None, password[:256])
    if not ok or user is None or not user.active:
        return None
    user.last_login_at = datetime.now(UTC)
    if secret_util.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(secret_util.hash_password, password)
    await session.flush()
    return user


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str) -> User:
    """A signed-in user replaces their own password; the current one must be given again, so a
    borrowed unlocked session cannot take the account over."""
    if principal.user_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "only users have passwords")
    user = (await session.execute(select(User).where(User.id == principal.user_id).with_for_update())).scalar_one()
    ok = await asyncio.to_thread(secret_util.verify_password, user.password_hash, current[:256])
    if not ok:
        raise DomainError(ErrorCode.INVALID_INPUT, "the current password is wrong", ["currentPassword"])
    try:
        _password(new)
    except DomainError as error:
        raise DomainError(error.code, error.message, ["newPassword"]) from None
    if new == current:
        raise DomainError(ErrorCode.INVALID_INPUT, "the new password must differ from the current one", ["newPassword"])
    user.password_hash = await asyncio.to_thread(secret_util.hash_password, new)
    await session.flush()
    return user


# -------------------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class CreateClientCommand:
    name: str
    scopes: Sequence[str]
    supplier_code: str | None = None
    redirect_uris: Sequence[str] = ()
    public: bool = False


def parse_scopes(scopes: Sequence[str] | str) -> list[str]:
    items = scopes.split() if isinstance(scopes, str) else [s for part in scopes for s in part.split()]
    return sorted(set(items))


def _redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not (parts.scheme == "https" or loopback) or not parts.hostname or parts.fragment or len(uri) > 500:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "redirect URIs are https (or http on localhost) without a fragment",
            ["redirectUris"],
        )
    return uri


async def create_client(
    session: AsyncSession, principal: Principal, cmd: CreateClientCommand
) -> tuple[OAuthClient, str | None]:
    """Returns the client and its secret — the only time the secret exists outside the caller."""
    ensure(principal, Permission.CLIENTS_MANAGE)
    name = cmd.name.strip()
    if not 1 <= len(name) <= 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "a client name is 1-200 characters", ["name"])
    scopes = parse_scopes(cmd.scopes)
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if not scopes or unknown:
        known = " ".join(sorted(SCOPES))
        raise DomainError(ErrorCode.INVALID_INPUT, f"scopes must be some of: {known}", ["scopes"])
    redirect_uris = [_redirect_uri(u.strip()) for u in cmd.redirect_uris if u.strip()]
    supplier_id = None
    if cmd.supplier_code:
        supplier_id = await _supplier_id(session, cmd.supplier_code)
        beyond = [s for s in scopes if s not in SUPPLIER_CLIENT_SCOPES]
        if beyond:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"a supplier's client may not have: {' '.join(beyond)}", ["scopes"]
            )
        if redirect_uris or cmd.public:
            raise DomainError(ErrorCode.INVALID_INPUT, "supplier clients use client credentials only", ["redirectUris"])
    if cmd.public and not redirect_uris:
        raise DomainError(ErrorCode.INVALID_INPUT, "a public client needs redirect URIs", ["redirectUris"])
    grant_types = []
    if not cmd.public:
        grant_types.append("client_credentials")
    if redirect_uris:
        grant_types += ["authorization_code", "refresh_token"]
    secret = None if cmd.public else secret_util.new_secret(32)
    client = OAuthClient(
        client_id="ims_" + secrets.token_urlsafe(15),
        name=name,
        secret_hash=secret_util.digest(secret) if secret else None,
        scopes=" ".join(scopes),
        grant_types=" ".join(grant_types),
        redirect_uris=" ".join(redirect_uris),
        supplier_id=supplier_id,
        created_by=principal.actor,
    )
    session.add(client)
    await session.flush()
    return client, secret


async def _client(session: AsyncSession, client_id: str, *, lock: bool = False) -> OAuthClient:
    stmt = select(OAuthClient).where(OAuthClient.client_id == client_id.strip())
    found = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such client", ["clientId"])
    return found


async def revoke_client(session: AsyncSession, principal: Principal, client_id: str) -> OAuthClient:
    """The client's access tokens stop working on their next use; its refresh tokens are revoked."""
    ensure(principal, Permission.CLIENTS_MANAGE)
    client = await _client(session, client_id, lock=True)
    if client.revoked_at is not None:
        raise DomainError(ErrorCode.INVALID_STATE, "the client is already revoked", ["clientId"])
    client.revoked_at = datetime.now(UTC)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.client_id == client.client_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    await session.flush()
    return client


async def list_clients(
    session: AsyncSession, principal: Principal, *, first: int, after_id: int | None = None
) -> tuple[list[OAuthClient], bool]:
    ensure(principal, Permission.CLIENTS_MANAGE)
    stmt = select(OAuthClient)
    if after_id is not None:
        stmt = stmt.where(OAuthClient.id > after_id)
    rows = (await session.execute(stmt.order_by(OAuthClient.id).limit(first + 1))).scalars().all()
    return list(rows[:first]), len(rows) > first


async def client_by_id(session: AsyncSession, principal: Principal, pk: int) -> OAuthClient | None:
    if not can(principal, Permission.CLIENTS_MANAGE):
        return None
    return await session.get(OAuthClient, pk)


# Token → Principal lives in `principals`; re-exported here, where callers first found it.
from domain.identity.principals import (  # noqa: E402
    INTERNAL_CLIENT_ID,
    mint_user_token,
    principal_for_claims,
    principal_for_client,
    principal_for_user,
    user_subject,
)

__all__ = [
    "INTERNAL_CLIENT_ID",
    "CreateClientCommand",
    "CreateUserCommand",
    "Grant",
    "assign_role",
    "authenticate_password",
    "change_password",
    "client_by_id",
    "create_client",
    "create_user",
    "grants_of",
    "list_clients",
    "list_users",
    "mint_user_token",
    "parse_scopes",
    "principal_for_claims",
    "principal_for_client",
    "principal_for_user",
    "remove_role",
    "revoke_client",
    "set_user_active",
    "set_user_email",
    "user_by_id",
    "user_subject",
]
