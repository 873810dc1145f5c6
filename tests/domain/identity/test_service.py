"""Identity services against PostgreSQL: users and roles, clients and secrets, principals, the
OAuth state (codes, rotating refresh tokens), signing keys, rate limits, and the audit trail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from domain.audit import service as audit
from domain.audit.models import AuditEntry
from domain.errors import DomainError, ErrorCode
from domain.identity import oauth_store, ratelimit
from domain.identity import service as identity
from domain.identity.keys import load_signing_keys, rotate_signing_key
from domain.identity.models import OAuthClient, SigningKey, User
from domain.identity.policy import ALL_SCOPES
from domain.principal import Principal, PrincipalKind, Role
from tests.seed import TEST_PASSWORD

SYSTEM = Principal.system("test")
STAFF = Principal(kind=PrincipalKind.USER, name="x", roles=frozenset({Role.STORE_STAFF}), scopes=ALL_SCOPES)


async def _user_id(sessions, username: str) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return (await session.execute(select(User.id).where(User.username == username))).scalar_one()


async def test_create_user_validates_and_stores_an_argon2_hash(sessions) -> None:
    command = identity.CreateUserCommand(
        username="Li.Wei", password="long enough pw", role="store_staff", location_code="s-bj02"
    )
    async with sessions() as session, session.begin():
        with pytest.raises(DomainError) as refused:
            await identity.create_user(session, STAFF, command)
        assert refused.value.code is ErrorCode.FORBIDDEN
        user = await identity.create_user(session, SYSTEM, command)
        assert user.username == "li.wei" and user.password_hash.startswith("$argon2id$")
        assert "long enough pw" not in user.password_hash
    bad = [
        ({"username": "li.wei"}, ErrorCode.DUPLICATE, "username"),
        ({"username": "x"}, ErrorCode.INVALID_INPUT, "username"),
        ({"password": "short"}, ErrorCode.INVALID_INPUT, "password"),
        ({"role": "system"}, ErrorCode.INVALID_INPUT, "role"),
        ({"location_code": None}, ErrorCode.INVALID_INPUT, "locationCode"),
        ({"location_code": "NOPE"}, ErrorCode.UNKNOWN_LOCATION, "locationCode"),
        ({"location_code": "V-SCRAP"}, ErrorCode.INVALID_LOCATION, "locationCode"),
        ({"supplier_code": "SUP-01"}, ErrorCode.INVALID_INPUT, "supplierCode"),
        ({"role": "supplier", "location_code": None}, ErrorCode.INVALID_INPUT, "supplierCode"),
        ({"role": "supplier", "location_code": None, "supplier_code": "NOPE"}, ErrorCode.UNKNOWN_SUPPLIER, None),
    ]
    base = {"username": "new.user", "password": "long enough pw", "role": "store_staff", "location_code": "S-BJ02"}
    for patch, code, field in bad:
        async with sessions() as session, session.begin():
            with pytest.raises(DomainError) as refused:
                await identity.create_user(session, SYSTEM, identity.CreateUserCommand(**{**base, **patch}))
            assert refused.value.code is code, patch
            if field:
                assert refused.value.field == [field]


async def test_passwords_roles_and_principals(sessions) -> None:
    async with sessions() as session, session.begin():
        assert (await identity.authenticate_password(session, "Manager.BJ01", TEST_PASSWORD)) is not None
        assert await identity.authenticate_password(session, "manager.bj01", "wrong") is None
        assert await identity.authenticate_password(session, "nobody", TEST_PASSWORD) is None
        _, before, after = await identity.assign_role(session, SYSTEM, "manager.bj01", Role.STORE_STAFF, "S-BJ02")
        assert [g.role for g in before] == [Role.STORE_MANAGER] and len(after) == 2
        with pytest.raises(DomainError):
            await identity.assign_role(session, SYSTEM, "manager.bj01", Role.STORE_STAFF, "S-BJ02")
        with pytest.raises(DomainError):
            await identity.assign_role(session, SYSTEM, "supplier.sup01", Role.STORE_STAFF, "S-BJ02")
    uid = await _user_id(sessions, "manager.bj01")
    async with sessions() as session:
        principal = await identity.principal_for_user(session, uid, scopes=frozenset({"stock:read"}))
    assert principal is not None and principal.kind is PrincipalKind.USER
    assert principal.grants == ((Role.STORE_MANAGER, "HQ/R-N/S-BJ01"), (Role.STORE_STAFF, "HQ/R-N/S-BJ02"))
    assert principal.location_paths == ("HQ/R-N/S-BJ01", "HQ/R-N/S-BJ02") and principal.scopes == {"stock:read"}
    async with sessions() as session, session.begin():
        await identity.remove_role(session, SYSTEM, "manager.bj01", Role.STORE_STAFF, "S-BJ02")
        await identity.set_user_active(session, SYSTEM, "manager.bj01", False)
        assert await identity.authenticate_password(session, "manager.bj01", TEST_PASSWORD) is None
    async with sessions() as session:
        assert await identity.principal_for_user(session, uid, scopes=ALL_SCOPES) is None
        supplier = await identity.principal_for_user(
            session, await _user_id(sessions, "supplier.sup01"), scopes=ALL_SCOPES
        )
        hq = await identity.principal_for_user(session, await _user_id(sessions, "hq.ops"), scopes=ALL_SCOPES)
    assert supplier is not None and supplier.kind is PrincipalKind.SUPPLIER_USER and supplier.supplier_id
    assert hq is not None and hq.location_paths is None


async def test_clients_keep_only_a_hash_of_their_secret(sessions) -> None:
    async with sessions() as session, session.begin():
        client, secret = await identity.create_client(
            session, SYSTEM, identity.CreateClientCommand(name="ERP", scopes="stock:read purchasing:read")
        )
        assert secret and client.secret_hash and secret not in client.secret_hash
        assert client.grant_types == "client_credentials" and client.scopes == "purchasing:read stock:read"
        frontend, none = await identity.create_client(
            session,
            SYSTEM,
            identity.CreateClientCommand(
                name="SPA", scopes=["stock:read"], redirect_uris=["https://app.test/cb"], public=True
            ),
        )
        assert none is None and frontend.secret_hash is None
        assert frontend.grant_types == "authorization_code refresh_token"
    record = None
    async with sessions() as session:
        record = await oauth_store.active_client(session, client.client_id)
        stored = (await session.execute(select(OAuthClient.secret_hash))).scalars().all()
    assert record is not None and not record.public
    assert all(secret not in (h or "") for h in stored)
    refusals = [
        {"scopes": "stock:read nonsense"},
        {"scopes": ""},
        {"scopes": "admin", "supplier_code": "SUP-01"},
        {"scopes": "stock:write", "supplier_code": "SUP-01"},
        {"scopes": "stock:read", "public": True},
        {"scopes": "stock:read", "redirect_uris": ["http://evil.test/cb"]},
        {"scopes": "stock:read", "redirect_uris": ["https://app.test/cb#frag"]},
        {"scopes": "stock:read", "supplier_code": "SUP-01", "redirect_uris": ["https://app.test/cb"]},
    ]
    for patch in refusals:
        async with sessions() as session, session.begin():
            with pytest.raises(DomainError) as refused:
                await identity.create_client(session, SYSTEM, identity.CreateClientCommand(name="x", **patch))
            assert refused.value.code is ErrorCode.INVALID_INPUT, patch
    async with sessions() as session, session.begin():
        await identity.revoke_client(session, SYSTEM, client.client_id)
        assert await oauth_store.active_client(session, client.client_id) is None
        assert await identity.principal_for_client(session, client.client_id, scopes=ALL_SCOPES) is None


async def test_client_principals_lose_scopes_taken_away(sessions) -> None:
    async with sessions() as session, session.begin():
        client, _ = await identity.create_client(
            session, SYSTEM, identity.CreateClientCommand(name="x", scopes="stock:read stock:write")
        )
        client.scopes = "stock:read"
    async with sessions() as session:
        principal = await identity.principal_for_client(
            session, client.client_id, scopes=frozenset({"stock:read", "stock:write"})
        )
    assert principal is not None and principal.scopes == {"stock:read"}


async def test_refresh_token_rotation_and_reuse_detection(sessions) -> None:
    uid = await _user_id(sessions, "staff.bj01")
    later = datetime.now(UTC) + timedelta(minutes=10)
    async with sessions() as session, session.begin():
        await oauth_store.save_refresh_token(
            session, "r1", family="f", client_id="c", user_id=uid, scope="stock:read",
            access_jti="j1", access_expires_at=later, ttl=3600,
        )  # fmt: skip
        first = await oauth_store.use_refresh_token(session, "r1")
        assert first is not None and not first.revoked
        await oauth_store.mark_rotated(session, first.id)
        await oauth_store.save_refresh_token(
            session, "r2", family="f", client_id="c", user_id=uid, scope="stock:read",
            access_jti="j2", access_expires_at=later, ttl=3600,
        )  # fmt: skip
    async with sessions() as session, session.begin():
        assert await oauth_store.use_refresh_token(session, "r1") is None  # replay: the family goes
    async with sessions() as session:
        assert await oauth_store.use_refresh_token(session, "r2") is None
        assert await oauth_store.is_jti_revoked(session, "j1") and await oauth_store.is_jti_revoked(session, "j2")
        assert (await oauth_store.find_refresh_token(session, "r2")).revoked  # type: ignore[union-attr]


async def test_signing_keys_are_created_once_and_rotate(sessions) -> None:
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM oauth_signing_key"))

    async def load() -> str:
        async with sessions() as session, session.begin():
            return (await load_signing_keys(session)).kid

    kids = await asyncio.gather(*(load() for _ in range(6)))
    assert len(set(kids)) == 1
    async with sessions() as session, session.begin():
        new_kid = await rotate_signing_key(session)
        keys = await load_signing_keys(session)
        assert keys.kid == new_kid != kids[0] and {kids[0], new_kid} <= keys.kids
        assert (await session.execute(select(func.count()).select_from(SigningKey))).scalar_one() == 2


async def test_rate_limit_counts_across_sessions(sessions) -> None:
    results = []
    for _ in range(4):
        async with sessions() as session, session.begin():
            results.append(await ratelimit.hit(session, ["login:ip:1.2.3.4", "login:user:x"], limit=3))
    assert results[:3] == [None, None, None] and results[3] is not None and 1 <= results[3] <= 61
    async with sessions() as session, session.begin():
        assert await ratelimit.hit(session, ["login:ip:5.6.7.8"], limit=3) is None


async def test_audit_log_is_append_only_and_redacts_secrets(sessions) -> None:
    async with sessions() as session, session.begin():
        await audit.record(
            session,
            SYSTEM,
            "identity.test",
            target_type="User",
            target_id=1,
            after={
                "password": "hunter2",
                "nested": {"client_secret": "s"},
                "qty": Decimal("1.50"),
            },
            origin=audit.Origin(request_id="req-1", ip="10.0.0.1"),
        )
    async with sessions() as session:
        entry = (await session.execute(select(AuditEntry))).scalars().one()
    assert entry.actor == "system:test" and entry.request_id == "req-1" and entry.ip == "10.0.0.1"
    assert entry.after == {"password": "[redacted]", "nested": {"client_secret": "[redacted]"}, "qty": "1.50"}
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="immutable"):
                async with session.begin():
                    await session.execute(text(statement))
    async with sessions() as session:
        with pytest.raises(DomainError):
            await audit.list_entries(session, STAFF, audit.AuditFilter(), first=10, before_id=None)
        finance = Principal(kind=PrincipalKind.USER, name="f", roles=frozenset({Role.FINANCE}), scopes=ALL_SCOPES)
        entries, more = await audit.list_entries(session, finance, audit.AuditFilter(action="identity.test"), first=10,
                                                 before_id=None)  # fmt: skip
    assert [e.id for e in entries] == [entry.id] and not more
