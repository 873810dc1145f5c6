"""Who may sell, return, read sales and keep trade accounts, and how much discount each role gives.

Selling is done at a store by someone holding a role there (store staff and up, on a subtree
containing the store): a clerk of store A cannot sell or take returns at store B. The discount a
person may give is the largest limit among their roles at that store; a trade account's agreed
discount may always be given to that account (a manager agreed it when keeping the account)."""

from __future__ import annotations

from decimal import Decimal

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can, can_at, paths_for
from domain.principal import Principal, PrincipalKind, Role

# The most discount (percent of the list price) each role may give at its stores; above that the
# sale needs someone higher (head office may give any discount).
DISCOUNT_LIMITS: dict[Role, Decimal] = {
    Role.STORE_STAFF: Decimal(5),
    Role.STORE_MANAGER: Decimal(15),
    Role.REGIONAL_MANAGER: Decimal(15),
    Role.HQ_OPERATIONS: Decimal(100),
    Role.SYSTEM: Decimal(100),
}


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def ensure_can_sell(principal: Principal, store_path: str, store_code: str) -> None:
    if not can_at(principal, Permission.SALES_SELL, store_path):
        raise DomainError(ErrorCode.FORBIDDEN, f"you have no role at {store_code} that may sell there", ["storeCode"])


def can_read_at(principal: Principal, store_path: str) -> bool:
    return principal.supplier_id is None and can_at(principal, Permission.SALES_READ, store_path)


def read_roots(principal: Principal) -> tuple[str, ...] | None:
    """Subtrees whose sales the principal reads; None = the whole company, () = nothing."""
    if principal.supplier_id is not None:
        return ()
    return paths_for(principal, Permission.SALES_READ)


def discount_limit(principal: Principal, store_path: str) -> Decimal:
    """The largest discount percent the principal may give at this store."""
    if principal.kind is PrincipalKind.SYSTEM:
        return DISCOUNT_LIMITS[Role.SYSTEM]
    if principal.kind is not PrincipalKind.USER:
        return Decimal(0)  # a till or partner system sells at list price or the account's agreed terms
    if principal.grants:
        limits = [DISCOUNT_LIMITS.get(role, Decimal(0)) for role, root in principal.grants if _under(store_path, root)]
    else:
        limits = [DISCOUNT_LIMITS.get(role, Decimal(0)) for role in principal.roles if principal.sees_path(store_path)]
    return max(limits, default=Decimal(0))


def can_override_window(principal: Principal, store_path: str) -> bool:
    """A manager at the store may take a return after the window (a person, not a system)."""
    if principal.kind is PrincipalKind.CLIENT:
        return False
    return can_at(principal, Permission.SALES_OVERRIDE, store_path)


def ensure_can_manage_account(principal: Principal, home_store_path: str | None) -> None:
    """Store accounts are kept by managers of that store; company-wide ones by head office."""
    if principal.supplier_id is not None or not can(principal, Permission.TRADE_ACCOUNTS_MANAGE):
        raise DomainError(ErrorCode.FORBIDDEN, "you may not keep trade accounts")
    if home_store_path is None:
        if paths_for(principal, Permission.TRADE_ACCOUNTS_MANAGE) is not None:
            raise DomainError(
                ErrorCode.FORBIDDEN, "company-wide trade accounts are kept by head office", ["homeStoreCode"]
            )
    elif not can_at(principal, Permission.TRADE_ACCOUNTS_MANAGE, home_store_path):
        raise DomainError(ErrorCode.FORBIDDEN, "you may keep trade accounts only of your stores", ["homeStoreCode"])


def can_see_account(principal: Principal, home_store_path: str | None) -> bool:
    """Company-wide accounts are visible to every sales reader; a store's to readers of that store."""
    if principal.supplier_id is not None or not can(principal, Permission.SALES_READ):
        return False
    return home_store_path is None or can_at(principal, Permission.SALES_READ, home_store_path)
