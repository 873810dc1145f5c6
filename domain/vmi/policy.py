"""Who may see and do what in VMI. One place, so GraphQL, the supplier portal and the jobs agree.

- Reading (agreements, shared stock, proposals) needs the `vmi` permission. A supplier principal
  (portal user or its system's client) sees only its own supplier's agreements and proposals; an
  internal user sees those of the sites in its location scope. Anything else is "not found".
- Agreements are a buyer's decision: an internal principal holding `purchasing.write` on the site.
- Proposals are drafted, edited and submitted by the supplier (or a buyer on its behalf, or the
  trigger job); only a buyer of the site approves or rejects one that is outside the bounds."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can, can_at
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind
from domain.purchasing.policy import ensure_buyer


def can_read(principal: Principal) -> bool:
    return can(principal, Permission.VMI)


def ensure_read(principal: Principal) -> None:
    if not can_read(principal):
        raise DomainError(ErrorCode.FORBIDDEN, "you are not allowed to see VMI data (vmi)")


def scope_clause(
    principal: Principal,
    supplier_column: InstrumentedAttribute[int],
    location_column: InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    """SQL condition on a row carrying a supplier and a site: the rows the principal may see."""
    if principal.supplier_id is not None:
        return supplier_column == principal.supplier_id
    if principal.location_paths is None:
        return true()
    site = aliased(Location)  # the caller's statement may join Location itself
    in_scope = or_(
        *(
            clause
            for root in principal.location_paths
            for clause in (site.path == root, site.path.startswith(root + "/", autoescape=True))
        )
    )
    return exists(select(site.id).where(site.id == location_column, in_scope))


def sees(principal: Principal, supplier_id: int, site_path: str) -> bool:
    """The same rule as `scope_clause`, for one loaded row."""
    if not can_read(principal):
        return False
    if principal.supplier_id is not None:
        return principal.supplier_id == supplier_id
    return principal.sees_path(site_path)


def is_buyer_at(principal: Principal, site_path: str) -> bool:
    if principal.supplier_id is not None or not principal.is_internal:
        return False
    if not can_at(principal, Permission.PURCHASING_WRITE, site_path):
        return False
    try:
        ensure_buyer(principal)
    except DomainError:
        return False
    return True


def ensure_buyer_at(principal: Principal, site_path: str, what: str = "VMI agreements") -> None:
    if not is_buyer_at(principal, site_path):
        raise DomainError(ErrorCode.FORBIDDEN, f"only a buyer of this site may change {what} (purchasing.write)")


def ensure_proposer(principal: Principal, supplier_id: int, site_path: str) -> None:
    """The supplier itself (with `vmi`), a buyer of the site, or the system."""
    if principal.kind is PrincipalKind.SYSTEM:
        return
    if principal.supplier_id is not None:
        if principal.supplier_id == supplier_id and can_read(principal):
            return
        raise DomainError(ErrorCode.FORBIDDEN, "you may only propose for your own agreements")
    if is_buyer_at(principal, site_path):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "only the supplier or a buyer of this site may change a proposal")


def ensure_decider(principal: Principal, site_path: str) -> None:
    """Out-of-bounds proposals are a person's decision (the order is approved in their name)."""
    if principal.kind is not PrincipalKind.USER or not is_buyer_at(principal, site_path):
        raise DomainError(ErrorCode.FORBIDDEN, "only a buyer of this site may approve or reject a proposal")
