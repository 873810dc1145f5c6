"""``ims user``, ``ims client`` and ``ims keys``: identity administration from the shell.

They call the same domain services as the GraphQL admin mutations, act as the system principal
``system:cli:<os user>``, and write the same audit entries. Secrets are printed once, on stdout
(``--json`` for scripts); messages go to stderr."""

from __future__ import annotations

import asyncio
import getpass
import json
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.errors import DomainError
from domain.identity import service as identity
from domain.identity.keys import rotate_signing_key
from domain.identity.policy import ASSIGNABLE_ROLES, SCOPES
from domain.principal import Principal

T = TypeVar("T")
EXIT_REFUSED = 2
err = Console(stderr=True)

user_app = typer.Typer(help="Users: internal staff and supplier users.", no_args_is_help=True, add_completion=False)
client_app = typer.Typer(
    help="OAuth2 clients: partner systems, supplier systems, frontends.", no_args_is_help=True, add_completion=False
)
keys_app = typer.Typer(help="Access-token signing keys.", no_args_is_help=True, add_completion=False)


def _principal() -> Principal:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Principal.system(f"cli:{who}")


def _run(work: Callable[[AsyncSession, Principal], Awaitable[T]]) -> T:
    """One transaction on the configured database; a domain refusal exits 2 with its message."""
    from api.cli import _database_url
    from domain.db import create_engine, session_factory

    async def main() -> T:
        engine = create_engine(_database_url())
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session, _principal())
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        field = f" ({'.'.join(error.field)})" if error.field else ""
        err.print(f"[red]refused:[/red] {error.code.value}{field}: {error.message}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        for key, value in data.items():
            sys.stdout.write(f"{key}: {value}\n")


@user_app.command("create")
def create_user(
    username: str = typer.Option(..., "--username", help="3-64 characters: letters, digits, . _ @ -"),
    role: str = typer.Option(..., "--role", help=" | ".join(r.value for r in ASSIGNABLE_ROLES)),
    location: str | None = typer.Option(None, "--location", help="Location code the role covers (with its subtree)."),
    supplier: str | None = typer.Option(None, "--supplier", help="Supplier code, for the supplier role."),
    password: str | None = typer.Option(None, "--password", help="Prefer --password-stdin (shell history)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    display_name: str | None = typer.Option(None, "--display-name"),
    email: str | None = typer.Option(None, "--email", help="Where the user's reports go (store daily report)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create a user with one role (more through GraphQL `assignRole`)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    command = identity.CreateUserCommand(
        username=username,
        password=password,
        role=role,
        location_code=location,
        supplier_code=supplier,
        display_name=display_name,
        email=email,
    )

    async def work(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        user = await identity.create_user(session, principal, command)
        grants = [{"role": g.role.value, "location": g.location_code} for g in await _grants(session, user.id)]
        after = {"username": user.username, "kind": user.kind, "roles": grants}
        await audit.record(
            session, principal, "identity.create_user", target_type="User", target_id=user.id, after=after
        )
        return {"username": user.username, "kind": user.kind, "roles": grants}

    _emit(_run(work), as_json)


@user_app.command("set-email")
def set_email(
    username: str = typer.Option(..., "--username"),
    email: str = typer.Option(..., "--email", help="The address; an empty string clears it."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Set where a user's reports are mailed (a store manager's daily operations report)."""

    async def work(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        user = await identity.set_user_email(session, principal, username, email)
        await audit.record(
            session,
            principal,
            "identity.set_user_email",
            target_type="User",
            target_id=user.id,
            after={"email": user.email},
        )
        return {"username": user.username, "email": user.email}

    _emit(_run(work), as_json)


async def _grants(session: AsyncSession, user_id: int) -> list[identity.Grant]:
    return (await identity.grants_of(session, [user_id])).get(user_id, [])


@client_app.command("create")
def create_client(
    name: str = typer.Option(..., "--name"),
    scopes: str = typer.Option(..., "--scopes", help=f"Space-separated, some of: {' '.join(sorted(SCOPES))}"),
    supplier: str | None = typer.Option(None, "--supplier", help="Bind to a supplier: it sees only its own data."),
    redirect_uri: list[str] = typer.Option([], "--redirect-uri", help="For authorization-code frontends (repeat)."),
    public: bool = typer.Option(False, "--public", help="A browser frontend without a secret (PKCE only)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Register an OAuth2 client. The secret is printed now and never again (only its hash is kept)."""
    command = identity.CreateClientCommand(
        name=name, scopes=scopes, supplier_code=supplier, redirect_uris=redirect_uri, public=public
    )

    async def work(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        client, secret = await identity.create_client(session, principal, command)
        after = {"clientId": client.client_id, "name": client.name, "scopes": client.scopes}
        after |= {"supplierId": client.supplier_id, "grantTypes": client.grant_types}
        await audit.record(
            session, principal, "identity.create_client", target_type="OAuthClient", target_id=client.id, after=after
        )
        return {
            "client_id": client.client_id,
            "client_secret": secret,
            "scopes": client.scopes,
            "grant_types": client.grant_types,
            "supplier": supplier.upper() if supplier else None,
        }

    result = _run(work)
    _emit(result, as_json)
    if result["client_secret"] and not as_json:
        err.print("[yellow]Store the secret now: it is not shown again.[/yellow]")


@client_app.command("revoke")
def revoke_client(client_id: str = typer.Argument(..., help="The client's id (ims_...).")) -> None:
    """Revoke a client: its tokens stop working on their next use."""

    async def work(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        client = await identity.revoke_client(session, principal, client_id)
        await audit.record(
            session,
            principal,
            "identity.revoke_client",
            target_type="OAuthClient",
            target_id=client.id,
            before={"active": True},
            after={"active": False},
        )
        return {"client_id": client.client_id, "revoked_at": client.revoked_at}

    _emit(_run(work), False)


async def create_demo_user(url: str) -> tuple[str, str]:
    """The `demo` user (HQ operations on the whole company) of a freshly loaded demo database."""
    from domain.db import create_engine, session_factory

    password = secrets.token_urlsafe(12)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            principal = Principal.system("demo")
            command = identity.CreateUserCommand(
                username="demo", password=password, role="hq_operations", location_code="HQ", display_name="Demo"
            )
            user = await identity.create_user(session, principal, command)
            await audit.record(session, principal, "identity.create_user", target_type="User", target_id=user.id)
    finally:
        await engine.dispose()
    return "demo", password


@keys_app.command("rotate")
def rotate_keys() -> None:
    """Sign new tokens with a fresh key; the old one stays published until its tokens have expired."""

    async def work(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        kid = await rotate_signing_key(session)
        await audit.record(session, principal, "identity.rotate_signing_key", target_type="SigningKey", target_id=kid)
        return {"kid": kid}

    _emit(_run(work), False)
    err.print("Workers pick the new key up within a minute (or at their next restart).")
