"""GraphQL types of identity: the viewer, users, OAuth clients, audit entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.relay import Node, to_global_id
from domain.audit.models import AuditEntry as AuditEntryModel
from domain.catalog import service as catalog
from domain.identity import service
from domain.identity.models import OAuthClient as OAuthClientModel
from domain.identity.models import User as UserModel
from domain.identity.policy import permissions
from domain.principal import Principal


@strawberry.enum(description="Roles a user holds on a location subtree (supplier users: on their supplier).")
class UserRole(Enum):
    STORE_STAFF = "store_staff"
    STORE_MANAGER = "store_manager"
    REGIONAL_MANAGER = "regional_manager"
    HQ_OPERATIONS = "hq_operations"
    FINANCE = "finance"
    ADMIN = "admin"
    SUPPLIER = "supplier"


@strawberry.enum(name="PrincipalKind")
class PrincipalKindEnum(Enum):
    USER = "user"
    SUPPLIER_USER = "supplier_user"
    CLIENT = "client"
    SYSTEM = "system"


async def _grants(ctx: Context, ids: Sequence[int]) -> list[list[service.Grant]]:
    async with ctx.read() as session:
        found = await service.grants_of(session, ids)
    return [found.get(i, []) for i in ids]


async def _supplier_codes(ctx: Context, ids: Sequence[int]) -> list[str | None]:
    # Only reached through a user or client the caller may already administer.
    async with ctx.read() as session:
        found = await catalog.suppliers_by_ids(session, ids)
    return [found[i].code if i in found else None for i in ids]


@strawberry.type(description="A role on a location subtree.")
class RoleGrant:
    role: UserRole
    location_code: str | None
    location_path: str | None


@strawberry.type(description="A person who signs in: an internal user or a supplier's user.")
class User(Node):
    username: str
    display_name: str
    kind: str = strawberry.field(description="internal or supplier")
    active: bool
    created_at: datetime
    created_by: str
    last_login_at: datetime | None
    email: str | None = strawberry.field(description="Where the user's reports are mailed (store daily report).")
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: UserModel) -> User:
        return cls(
            id=to_global_id("User", m.id),
            pk=m.id,
            username=m.username,
            display_name=m.display_name,
            kind=m.kind,
            active=m.active,
            created_at=m.created_at,
            created_by=m.created_by,
            last_login_at=m.last_login_at,
            email=m.email,
            supplier_id=m.supplier_id,
        )

    @strawberry.field
    async def roles(self, info: Info[Context, None]) -> list[RoleGrant]:
        grants = await info.context.loader("GrantsByUserIdLoader", _grants).load(self.pk)
        return [
            RoleGrant(role=UserRole(g.role.value), location_code=g.location_code, location_path=g.location_path)
            for g in grants
        ]

    @strawberry.field
    async def supplier_code(self, info: Info[Context, None]) -> str | None:
        if self.supplier_id is None:
            return None
        return await info.context.loader("SupplierCodeByIdLoader", _supplier_codes).load(self.supplier_id)


@strawberry.type(description="A registered OAuth2 client (partner system, supplier system or frontend).")
class OAuthClient(Node):
    client_id: str
    name: str
    scopes: list[str]
    grant_types: list[str]
    redirect_uris: list[str]
    public: bool = strawberry.field(description="A browser frontend without a secret (PKCE only).")
    active: bool
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_token_at: datetime | None
    supplier_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: OAuthClientModel) -> OAuthClient:
        return cls(
            id=to_global_id("OAuthClient", m.id),
            client_id=m.client_id,
            name=m.name,
            scopes=m.scopes.split(),
            grant_types=m.grant_types.split(),
            redirect_uris=m.redirect_uris.split(),
            public=m.secret_hash is None,
            active=m.revoked_at is None,
            created_at=m.created_at,
            created_by=m.created_by,
            revoked_at=m.revoked_at,
            last_token_at=m.last_token_at,
            supplier_id=m.supplier_id,
        )

    @strawberry.field(description="The supplier this client acts for; it sees only that supplier's data.")
    async def supplier_code(self, info: Info[Context, None]) -> str | None:
        if self.supplier_id is None:
            return None
        return await info.context.loader("SupplierCodeByIdLoader", _supplier_codes).load(self.supplier_id)


@strawberry.type(description="One entry of the append-only audit trail.")
class AuditEntry(Node):
    occurred_at: datetime
    actor: str
    actor_kind: str
    actor_client_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    before: JSON | None
    after: JSON | None
    request_id: str | None
    ip: str | None

    @classmethod
    def from_model(cls, m: AuditEntryModel) -> AuditEntry:
        return cls(
            id=to_global_id("AuditEntry", m.id),
            occurred_at=m.occurred_at,
            actor=m.actor,
            actor_kind=m.actor_kind,
            actor_client_id=m.actor_client_id,
            action=m.action,
            target_type=m.target_type,
            target_id=m.target_id,
            before=m.before,
            after=m.after,
            request_id=m.request_id,
            ip=m.ip,
        )


@strawberry.type(description="Who is asking, and what they may do.")
class Viewer:
    kind: PrincipalKindEnum
    name: str
    roles: list[UserRole]
    scopes: list[str]
    permissions: list[str] = strawberry.field(description="Effective permissions (roles limited by scopes).")
    location_paths: list[str] | None = strawberry.field(
        description="Location subtrees in scope; null means the whole company."
    )
    supplier_id: strawberry.Private[int | None]
    user_id: strawberry.Private[int | None]

    @classmethod
    def from_principal(cls, principal: Principal) -> Viewer:
        return cls(
            kind=PrincipalKindEnum(principal.kind.value),
            name=principal.name,
            roles=[UserRole(value) for value in sorted(r.value for r in principal.roles) if value in _ROLE_VALUES],
            scopes=sorted(principal.scopes),
            permissions=sorted(p.value for p in permissions(principal)),
            location_paths=None if principal.location_paths is None else list(principal.location_paths),
            supplier_id=principal.supplier_id,
            user_id=principal.user_id,
        )

    @strawberry.field(description="The code of the supplier you act for, if any.")
    async def supplier_code(self, info: Info[Context, None]) -> str | None:
        if self.supplier_id is None:
            return None
        return await info.context.loader("SupplierCodeByIdLoader", _supplier_codes).load(self.supplier_id)

    @strawberry.field(description="Your user record (null for OAuth clients).")
    async def user(self, info: Info[Context, None]) -> User | None:
        if self.user_id is None:
            return None
        async with info.context.read() as session:
            found = await service.user_by_id(session, info.context.principal, self.user_id)
        return User.from_model(found) if found else None


_ROLE_VALUES = frozenset(r.value for r in UserRole)


@strawberry.input
class CreateUserInput:
    username: str
    password: str
    role: UserRole
    location_code: str | None = strawberry.field(default=None, description="Required for internal roles.")
    supplier_code: str | None = strawberry.field(default=None, description="Required for the SUPPLIER role.")
    display_name: str | None = None
    email: str | None = None


@strawberry.input
class RoleInput:
    username: str
    role: UserRole
    location_code: str


@strawberry.input
class SetUserActiveInput:
    username: str
    active: bool


@strawberry.input(description="Set the address a user's reports are mailed to; null or empty clears it.")
class SetUserEmailInput:
    username: str
    email: str | None = None


@strawberry.input
class CreateClientInput:
    name: str
    scopes: list[str]
    supplier_code: str | None = strawberry.field(
        default=None, description="Bind the client to a supplier: it then sees only that supplier's data."
    )
    redirect_uris: list[str] = strawberry.field(
        default_factory=list, description="For frontends using the authorization-code flow (PKCE S256)."
    )
    public: bool = strawberry.field(default=False, description="A browser frontend without a secret.")


@strawberry.input
class RevokeClientInput:
    client_id: str


@strawberry.type
class UserPayload:
    user: User | None
    errors: list[UserError]


@strawberry.type
class CreateClientPayload:
    client: OAuthClient | None
    client_secret: str | None = strawberry.field(
        description="Shown once, now; only its hash is stored. Null for public clients."
    )
    errors: list[UserError]


@strawberry.type
class ClientPayload:
    client: OAuthClient | None
    errors: list[UserError]


@strawberry.input(description="Narrow the audit log.")
class AuditLogFilter:
    actor: str | None = strawberry.field(default=None, description='e.g. "user:alice" or "client:ims_..."')
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
