"""Who may see and work on repair orders.

Store people run the jobs of their own stores; regional and HQ roles see more of the tree. The
dealer management system (DMS) creates and reads orders as an OAuth client with workshop scopes.
A work order outside your scope is reported as not found, so its existence does not leak."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role

WRITE_SCOPE = "stock:write"
READ_SCOPE = "stock:read"

_WORKERS = frozenset({Role.STORE_STAFF, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.SYSTEM})
_READERS = _WORKERS | {Role.FINANCE}


def has_read_role(principal: Principal) -> bool:
    """Workshop rights anywhere at all (lists then filter by location scope)."""
    if principal.kind is PrincipalKind.CLIENT:
        return principal.supplier_id is None and bool({READ_SCOPE, WRITE_SCOPE} & principal.scopes)
    return principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) and bool(principal.roles & _READERS)


def can_read(principal: Principal, store_path: str) -> bool:
    return principal.sees_path(store_path) and has_read_role(principal)


def ensure_can_read(principal: Principal, store_path: str, number: str = "") -> None:
    if not can_read(principal, store_path):
        raise DomainError(ErrorCode.NOT_FOUND, f"no work order {number}".strip(), ["workOrderId"])


def ensure_can_work(principal: Principal, store_path: str) -> None:
    """Create, reserve, pick, issue and return parts at a store."""
    if not principal.sees_path(store_path):
        raise DomainError(ErrorCode.FORBIDDEN, "this store is outside your location scope")
    if principal.kind is PrincipalKind.CLIENT:
        if principal.supplier_id is not None or WRITE_SCOPE not in principal.scopes:
            raise DomainError(ErrorCode.FORBIDDEN, f"the {WRITE_SCOPE} scope is required")
        return
    if principal.kind not in (PrincipalKind.USER, PrincipalKind.SYSTEM) or not principal.roles & _WORKERS:
        raise DomainError(ErrorCode.FORBIDDEN, "your role may not work on repair orders")
