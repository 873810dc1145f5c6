"""Identity mutations (administrators): users, roles, OAuth clients. Each records its audit entry
in its own transaction; secrets never reach the audit trail."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.identity.types import (
    ClientPayload,
    CreateClientInput,
    CreateClientPayload,
    CreateUserInput,
    OAuthClient,
    RevokeClientInput,
    RoleInput,
    SetUserActiveInput,
    SetUserEmailInput,
    User,
    UserPayload,
)
from domain.errors import DomainError
from domain.identity import service
from domain.identity.models import OAuthClient as OAuthClientModel


def _grants(grants: list[service.Grant]) -> list[dict[str, str | None]]:
    return [{"role": g.role.value, "location": g.location_code} for g in grants]


def _client_state(client: OAuthClientModel) -> dict[str, object]:
    return {
        "clientId": client.client_id,
        "name": client.name,
        "scopes": client.scopes,
        "grantTypes": client.grant_types,
        "redirectUris": client.redirect_uris,
        "supplierId": client.supplier_id,
        "active": client.revoked_at is None,
    }


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(description="Create a user with one role (more with assignRole).")
    async def create_user(self, info: Info[Context, None], input: CreateUserInput) -> UserPayload:
        ctx = info.context
        command = service.CreateUserCommand(
            username=input.username,
            password=input.password,
            role=input.role.value,
            location_code=input.location_code,
            supplier_code=input.supplier_code,
            display_name=input.display_name,
            email=input.email,
        )
        try:
            async with ctx.write() as session:
                user = await service.create_user(session, ctx.principal, command)
                grants = (await service.grants_of(session, [user.id])).get(user.id, [])
                after = {"username": user.username, "kind": user.kind, "roles": _grants(grants)}
                await ctx.audit(session, "identity.create_user", target_type="User", target_id=user.id, after=after)
        except DomainError as error:
            return UserPayload(user=None, errors=user_errors(error))
        return UserPayload(user=User.from_model(user), errors=[])

    @strawberry.mutation(description="Give a user a role on a location subtree.")
    async def assign_role(self, info: Info[Context, None], input: RoleInput) -> UserPayload:
        ctx = info.context
        try:
            async with ctx.write() as session:
                user, before, after = await service.assign_role(
                    session, ctx.principal, input.username, input.role.value, input.location_code
                )
                await ctx.audit(
                    session,
                    "identity.assign_role",
                    target_type="User",
                    target_id=user.id,
                    before={"roles": _grants(before)},
                    after={"roles": _grants(after)},
                )
        except DomainError as error:
            return UserPayload(user=None, errors=user_errors(error))
        return UserPayload(user=User.from_model(user), errors=[])

    @strawberry.mutation(description="Take a role on a location subtree away from a user.")
    async def remove_role(self, info: Info[Context, None], input: RoleInput) -> UserPayload:
        ctx = info.context
        try:
            async with ctx.write() as session:
                user, before, after = await service.remove_role(
                    session, ctx.principal, input.username, input.role.value, input.location_code
                )
                await ctx.audit(
                    session,
                    "identity.remove_role",
                    target_type="User",
                    target_id=user.id,
                    before={"roles": _grants(before)},
                    after={"roles": _grants(after)},
                )
        except DomainError as error:
            return UserPayload(user=None, errors=user_errors(error))
        return UserPayload(user=User.from_model(user), errors=[])

    @strawberry.mutation(description="Deactivate (or reactivate) a user; takes effect on their next request.")
    async def set_user_active(self, info: Info[Context, None], input: SetUserActiveInput) -> UserPayload:
        ctx = info.context
        try:
            async with ctx.write() as session:
                user = await service.set_user_active(session, ctx.principal, input.username, input.active)
                await ctx.audit(
                    session,
                    "identity.set_user_active",
                    target_type="User",
                    target_id=user.id,
                    before={"active": not input.active},
                    after={"active": input.active},
                )
        except DomainError as error:
            return UserPayload(user=None, errors=user_errors(error))
        return UserPayload(user=User.from_model(user), errors=[])

    @strawberry.mutation(description="Set or clear the e-mail address a user's reports go to.")
    async def set_user_email(self, info: Info[Context, None], input: SetUserEmailInput) -> UserPayload:
        ctx = info.context
        try:
            async with ctx.write() as session:
                user = await service.set_user_email(session, ctx.principal, input.username, input.email)
                await ctx.audit(
                    session,
                    "identity.set_user_email",
                    target_type="User",
                    target_id=user.id,
                    after={"email": user.email},
                )
        except DomainError as error:
            return UserPayload(user=None, errors=user_errors(error))
        return UserPayload(user=User.from_model(user), errors=[])

    @strawberry.mutation(description="Register an OAuth client; the secret is in this answer and nowhere else.")
    async def create_client(self, info: Info[Context, None], input: CreateClientInput) -> CreateClientPayload:
        ctx = info.context
        command = service.CreateClientCommand(
            name=input.name,
            scopes=input.scopes,
            supplier_code=input.supplier_code,
            redirect_uris=input.redirect_uris,
            public=input.public,
        )
        try:
            async with ctx.write() as session:
                client, secret = await service.create_client(session, ctx.principal, command)
                await ctx.audit(
                    session,
                    "identity.create_client",
                    target_type="OAuthClient",
                    target_id=client.id,
                    after=_client_state(client),
                )
        except DomainError as error:
            return CreateClientPayload(client=None, client_secret=None, errors=user_errors(error))
        return CreateClientPayload(client=OAuthClient.from_model(client), client_secret=secret, errors=[])

    @strawberry.mutation(description="Revoke a client: its tokens stop working at once.")
    async def revoke_client(self, info: Info[Context, None], input: RevokeClientInput) -> ClientPayload:
        ctx = info.context
        try:
            async with ctx.write() as session:
                client = await service.revoke_client(session, ctx.principal, input.client_id)
                await ctx.audit(
                    session,
                    "identity.revoke_client",
                    target_type="OAuthClient",
                    target_id=client.id,
                    before={**_client_state(client), "active": True},
                    after=_client_state(client),
                )
        except DomainError as error:
            return ClientPayload(client=None, errors=user_errors(error))
        return ClientPayload(client=OAuthClient.from_model(client), errors=[])
