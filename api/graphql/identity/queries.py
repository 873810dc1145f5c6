"""Identity queries: who am I, users and clients (administrators), the audit log (admins, finance)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.identity.types import AuditEntry, AuditLogFilter, OAuthClient, User, Viewer
from api.graphql.relay import Connection, Node, connection, decode_cursor, int_cursor, page_size
from domain.audit import service as audit
from domain.identity import service

IDENTITY_NODE_TYPES = frozenset({"User", "OAuthClient", "AuditEntry"})


async def identity_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`Query.node` for identity types: null unless you may administer (or are) the object."""
    principal = info.context.principal
    async with info.context.read() as session:
        if type_name == "User":
            user = await service.user_by_id(session, principal, pk)
            return User.from_model(user) if user else None
        if type_name == "OAuthClient":
            client = await service.client_by_id(session, principal, pk)
            return OAuthClient.from_model(client) if client else None
        if type_name == "AuditEntry":
            entry = await audit.entry_by_id(session, principal, pk)
            return AuditEntry.from_model(entry) if entry else None
    return None


@strawberry.type
class IdentityQueries:
    @strawberry.field(description="Who is asking: kind, roles, scopes, effective permissions, location scope.")
    def me(self, info: Info[Context, None]) -> Viewer:
        return Viewer.from_principal(info.context.principal)

    @strawberry.field(description="Users, by username (administrators).")
    async def users(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await service.list_users(
                session, info.context.principal, first=size, after_username=decode_cursor(after)
            )
        return connection([User.from_model(u) for u in items], [u.username for u in items], has_next, after)

    @strawberry.field(description="OAuth clients, oldest first (administrators).")
    async def clients(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[OAuthClient]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await service.list_clients(
                session, info.context.principal, first=size, after_id=int_cursor(after)
            )
        return connection([OAuthClient.from_model(c) for c in items], [str(c.id) for c in items], has_next, after)

    @strawberry.field(description="The audit trail, newest first (administrators and finance).")
    async def audit_log(
        self,
        info: Info[Context, None],
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        size = page_size(first, info.context.settings.max_page_size)
        flt = filter or AuditLogFilter()
        async with info.context.read() as session:
            items, has_next = await audit.list_entries(
                session,
                info.context.principal,
                audit.AuditFilter(
                    actor=flt.actor,
                    action=flt.action,
                    target_type=flt.target_type,
                    target_id=flt.target_id,
                    since=flt.since,
                    until=flt.until,
                ),
                first=size,
                before_id=int_cursor(after),
            )
        return connection([AuditEntry.from_model(e) for e in items], [str(e.id) for e in items], has_next, after)
