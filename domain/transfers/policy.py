"""Who may request, approve, ship, receive and plan transfers.

Approval follows the money and the shelf: the stock leaves the source, so within a region the
source store's manager or the regional manager (whose scope covers both ends) approves; a transfer
across regions — the central warehouse belongs to no region — needs HQ operations. An emergency
(a car waiting on the lift) may be approved by the source store's manager even across regions.
Nobody approves their own request, and approval is a person's decision, never a machine's. Admins
manage users, not stock: they hold no transfer rights (as in `domain.identity.policy`).

Role checks honour per-grant scopes when the principal carries them (`grants`: a manager of one
store who is staff at another approves only at the first), else roles × location scope."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role

WRITE_SCOPE = "stock:write"
READ_SCOPE = "stock:read"

_REQUESTERS = frozenset({Role.STORE_STAFF, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.SYSTEM})
_HANDLERS = _REQUESTERS  # pick, ship and receive
_PLANNERS = frozenset({Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.SYSTEM})
_READERS = _REQUESTERS | {Role.FINANCE}


@dataclass(frozen=True)
class Lane:
    """The facts an approval depends on: both ends, their regions, who asked, how urgent."""

    source_path: str
    destination_path: str
    source_region: str | None
    destination_region: str | None
    requested_by: str
    emergency: bool = False

    @property
    def cross_region(self) -> bool:
        return self.source_region is None or self.source_region != self.destination_region


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def holds(principal: Principal, role: Role, path: str) -> bool:
    """The principal has `role` on a subtree containing `path`."""
    grants: tuple[tuple[Role, str], ...] = getattr(principal, "grants", ())
    if grants:
        return any(granted == role and _under(path, root) for granted, root in grants)
    return role in principal.roles and principal.sees_path(path)


def _holds_any(principal: Principal, roles: frozenset[Role], path: str) -> bool:
    return any(holds(principal, role, path) for role in roles)


def _client_may_write(principal: Principal) -> bool:
    return principal.kind is PrincipalKind.CLIENT and principal.supplier_id is None and WRITE_SCOPE in principal.scopes


def can_read(principal: Principal, source_path: str, destination_path: str) -> bool:
    if principal.kind is PrincipalKind.CLIENT:
        visible = principal.sees_path(source_path) or principal.sees_path(destination_path)
        return visible and principal.supplier_id is None and bool({WRITE_SCOPE, READ_SCOPE} & principal.scopes)
    return _holds_any(principal, _READERS, source_path) or _holds_any(principal, _READERS, destination_path)


def has_read_role(principal: Principal) -> bool:
    if principal.kind is PrincipalKind.CLIENT:
        return principal.supplier_id is None and bool({WRITE_SCOPE, READ_SCOPE} & principal.scopes)
    return bool(principal.roles & _READERS)


def ensure_can_request(principal: Principal, destination_path: str) -> None:
    """Stores ask for stock for themselves (or someone whose scope covers the destination does)."""
    if _client_may_write(principal) and principal.sees_path(destination_path):
        return
    if principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) and _holds_any(
        principal, _REQUESTERS, destination_path
    ):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "you may not request transfers to this location")


def approval_refusal(principal: Principal, lane: Lane, *, deciding_own: bool = False) -> str | None:
    """Why the principal may not approve (or reject) this transfer, or None when they may.

    `deciding_own` allows acting on one's own request, which is fine for rejecting/withdrawing."""
    if principal.kind is not PrincipalKind.USER:
        return "approving a transfer is a person's decision"
    if not deciding_own and principal.actor == lane.requested_by:
        return "you cannot approve your own transfer request"
    src, dst = lane.source_path, lane.destination_path
    if holds(principal, Role.HQ_OPERATIONS, src) and holds(principal, Role.HQ_OPERATIONS, dst):
        return None
    source_manager = holds(principal, Role.STORE_MANAGER, src)
    if not lane.cross_region:
        regional = holds(principal, Role.REGIONAL_MANAGER, src) and holds(principal, Role.REGIONAL_MANAGER, dst)
        if source_manager or regional:
            return None
        return "only the source store's manager, the regional manager or HQ operations may approve this transfer"
    if lane.emergency and source_manager:
        return None
    return "transfers across regions need HQ operations approval"


def can_approve(principal: Principal, lane: Lane) -> bool:
    return approval_refusal(principal, lane) is None


def ensure_can_approve(principal: Principal, lane: Lane) -> None:
    refusal = approval_refusal(principal, lane)
    if refusal:
        raise DomainError(ErrorCode.FORBIDDEN, refusal)


def ensure_can_reject(principal: Principal, lane: Lane) -> None:
    refusal = approval_refusal(principal, lane, deciding_own=True)
    if refusal:
        raise DomainError(ErrorCode.FORBIDDEN, refusal.replace("approve", "reject"))


def ensure_can_cancel(principal: Principal, lane: Lane) -> None:
    """The requester withdraws their request, or someone who could have decided on it cancels."""
    if principal.actor == lane.requested_by or approval_refusal(principal, lane, deciding_own=True) is None:
        return
    raise DomainError(ErrorCode.FORBIDDEN, "only the requester or an approver may cancel this transfer")


def ensure_can_ship(principal: Principal, source_path: str) -> None:
    if _client_may_write(principal) and principal.sees_path(source_path):
        return
    if principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) and _holds_any(principal, _HANDLERS, source_path):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "you may not ship from this location")


def ensure_can_receive(principal: Principal, destination_path: str) -> None:
    if _client_may_write(principal) and principal.sees_path(destination_path):
        return
    if principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) and _holds_any(
        principal, _HANDLERS, destination_path
    ):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "you may not receive at this location")


def ensure_can_plan(principal: Principal, scope_path: str) -> None:
    """Network plans are for regional managers (their region) and HQ."""
    if principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM) and _holds_any(principal, _PLANNERS, scope_path):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "only regional managers and HQ operations may plan rebalancing here")
