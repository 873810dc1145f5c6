"""`ims user create`, `ims client create|revoke` and `ims keys rotate` against a test database."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api import cli
from domain.audit.models import AuditEntry
from domain.identity import oauth_store
from domain.identity import service as identity
from domain.identity.keys import load_signing_keys


@pytest.fixture
def invoke(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_database_url", lambda: db_url)
    runner = CliRunner()

    async def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        # The commands run their own event loop, so they go to a thread.
        return await asyncio.to_thread(runner.invoke, cli.app, list(args), input=stdin)

    return run


async def test_user_and_client_creation_from_the_shell(invoke, sessions) -> None:
    created = await invoke(
        "user", "create", "--username", "zhao.lei", "--role", "store_staff", "--location", "S-BJ02",
        "--password-stdin", "--json", stdin="a shell-made password\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["roles"] == [{"role": "store_staff", "location": "S-BJ02"}]
    async with sessions() as session, session.begin():
        assert await identity.authenticate_password(session, "zhao.lei", "a shell-made password") is not None

    refused = await invoke("user", "create", "--username", "x.y.z", "--role", "wizard", "--password", "long password!")
    assert refused.exit_code == 2 and "INVALID_INPUT" in refused.output

    client = await invoke("client", "create", "--name", "ERP", "--scopes", "stock:read stock:write", "--json")
    assert client.exit_code == 0, client.output
    issued = json.loads(client.stdout)
    assert issued["client_id"].startswith("ims_") and len(issued["client_secret"]) >= 40
    supplier = await invoke(
        "client", "create", "--name", "EDI", "--scopes", "asn:write", "--supplier", "sup-01", "--json"
    )
    assert json.loads(supplier.stdout)["supplier"] == "SUP-01"
    assert (await invoke("client", "revoke", issued["client_id"])).exit_code == 0
    async with sessions() as session:
        assert await oauth_store.active_client(session, issued["client_id"]) is None
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert [e.action for e in entries] == [
        "identity.create_user",
        "identity.create_client",
        "identity.create_client",
        "identity.revoke_client",
    ]
    assert all(e.actor.startswith("system:cli:") for e in entries)
    assert issued["client_secret"] not in str([e.after for e in entries])


async def test_key_rotation(invoke, sessions) -> None:
    async with sessions() as session, session.begin():
        before = (await load_signing_keys(session)).kid
    rotated = await invoke("keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    async with sessions() as session, session.begin():
        keys = await load_signing_keys(session)
    assert keys.kid != before and before in keys.kids


async def test_a_fresh_demo_gets_one_user_with_a_random_password(db_url, sessions) -> None:
    from api.cli_identity import create_demo_user

    username, password = await create_demo_user(db_url)
    async with sessions() as session, session.begin():
        user = await identity.authenticate_password(session, username, password)
    assert user is not None and len(password) >= 16
