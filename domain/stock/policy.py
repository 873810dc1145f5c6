"""Who may see and change stock. One place, so GraphQL, the portal, exports and jobs agree."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role

_WRITERS = frozenset(
    {
        Role.STORE_STAFF,
        Role.STORE_MANAGER,
        Role.REGIONAL_MANAGER,
        Role.HQ_OPERATIONS,
        Role.ADMIN,
        Role.SYSTEM,
    }
)


def ensure_can_move(principal: Principal) -> None:
    if principal.kind is PrincipalKind.CLIENT:
        if "stock:write" not in principal.scopes:
            raise DomainError(ErrorCode.FORBIDDEN, "the stock:write scope is required")
        return
    if not principal.roles & _WRITERS:
        raise DomainError(ErrorCode.FORBIDDEN, "your role may not move stock")


def visible_path_filter(principal: Principal, column: str) -> tuple[str, dict[str, object]]:
    """SQL fragment restricting a location path column to the principal's subtrees."""
    if principal.location_paths is None:
        return "", {}
    clauses = []
    params: dict[str, object] = {}
    for n, root in enumerate(principal.location_paths):
        clauses.append(f"{column} = :scope_{n} OR {column} LIKE :scope_like_{n}")
        params[f"scope_{n}"] = root
        params[f"scope_like_{n}"] = root.replace("%", r"\%").replace("_", r"\_") + "/%"
    return " AND (" + " OR ".join(clauses) + ")", params
