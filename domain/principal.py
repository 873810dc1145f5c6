"""Who is acting. Services take a Principal explicitly so every path (GraphQL, portal, CLI, jobs)
is checked by the same policy code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    STORE_STAFF = "store_staff"
    STORE_MANAGER = "store_manager"
    REGIONAL_MANAGER = "regional_manager"
    HQ_OPERATIONS = "hq_operations"
    FINANCE = "finance"
    ADMIN = "admin"
    SUPPLIER = "supplier"
    SYSTEM = "system"


class PrincipalKind(StrEnum):
    USER = "user"
    SUPPLIER_USER = "supplier_user"
    CLIENT = "client"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    name: str
    roles: frozenset[Role] = frozenset()
    # Location subtree roots (materialised paths); None means the whole company.
    location_paths: tuple[str, ...] | None = None
    supplier_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    client_id: str | None = None
    # Each role with the subtree root it was assigned on, so a manager of one store who is staff at
    # another approves only at the first (`location_paths` is their union, for visibility).
    grants: tuple[tuple[Role, str], ...] = ()

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        return cls(kind=PrincipalKind.SYSTEM, name=name, roles=frozenset({Role.SYSTEM}))

    @property
    def actor(self) -> str:
        """The string written on ledger rows and audit entries."""
        return f"{self.kind.value}:{self.name}"

    @property
    def is_internal(self) -> bool:
        return self.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) or (
            self.kind is PrincipalKind.CLIENT and self.supplier_id is None
        )

    def sees_path(self, path: str) -> bool:
        if self.location_paths is None:
            return True
        return any(path == root or path.startswith(root + "/") for root in self.location_paths)
