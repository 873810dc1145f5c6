"""Who may plan, count, see variances and approve count adjustments.

Counting is blind and adjustments change the books, so the duties are split: store staff count;
store managers and above plan counts and review and approve variances, each only inside the
subtree their role was granted on; finance reads variances and reports but approves nothing.
Supplier users never count or see variances. Approval is an accountable human decision, so
neither machine clients nor the system principal may approve. The roles match the identity
permission table (count.perform / count.approve)."""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role

_COUNTERS = frozenset({Role.STORE_STAFF, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.SYSTEM})
_PLANNERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.SYSTEM})
_APPROVERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS})
_VARIANCE_READERS = _APPROVERS | {Role.FINANCE, Role.SYSTEM}

# The OAuth2 scope a scanner or partner system needs to record counts.
COUNT_SCOPE = "stock:write"


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _holds(principal: Principal, roles: Iterable[Role], path: str | None) -> bool:
    """One of `roles`, at `path` when given: with per-subtree grants a manager of one store who is
    staff at another holds the manager role only at the first."""
    wanted = frozenset(roles)
    if principal.kind not in (PrincipalKind.USER, PrincipalKind.SYSTEM) or not principal.roles & wanted:
        return False
    if path is None:
        return True
    if principal.grants:
        return any(role in wanted and _under(path, root) for role, root in principal.grants)
    return principal.sees_path(path)


def ensure_can_count(principal: Principal, path: str | None = None) -> None:
    if principal.kind is PrincipalKind.CLIENT and principal.supplier_id is None:
        if COUNT_SCOPE not in principal.scopes:
            raise DomainError(ErrorCode.FORBIDDEN, f"the {COUNT_SCOPE} scope is required to count")
        return
    if not _holds(principal, _COUNTERS, path):
        raise DomainError(ErrorCode.FORBIDDEN, "your role may not count stock here")


def ensure_can_plan(principal: Principal, path: str | None = None) -> None:
    if not _holds(principal, _PLANNERS, path):
        raise DomainError(ErrorCode.FORBIDDEN, "only store managers and above may plan or close counts here")


def can_see_variances(principal: Principal) -> bool:
    return _holds(principal, _VARIANCE_READERS, None)


def ensure_can_see_variances(principal: Principal) -> None:
    """Book quantities and variances stay hidden from counters (blind counting)."""
    if not can_see_variances(principal):
        raise DomainError(ErrorCode.FORBIDDEN, "your role may not see book quantities or variances")


def can_approve_at(principal: Principal, path: str) -> bool:
    return principal.kind is PrincipalKind.USER and _holds(principal, _APPROVERS, path)


def ensure_can_approve(principal: Principal, path: str | None = None) -> None:
    """Store manager and above, for variances at locations inside the subtree of that role."""
    if principal.kind is not PrincipalKind.USER or not _holds(principal, _APPROVERS, None):
        raise DomainError(ErrorCode.FORBIDDEN, "only store managers and above may review or approve adjustments")
    if path is not None and not _holds(principal, _APPROVERS, path):
        raise DomainError(ErrorCode.FORBIDDEN, "this variance is outside the scope where you may approve")
