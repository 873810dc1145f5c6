"""Who may do what: the single table every transport and every context consults.

Users get permissions from their roles, limited to the location subtree each role was assigned on,
and further limited by the scopes of the token they present (a frontend asking for `stock:read`
cannot move stock on a manager's behalf). OAuth clients get permissions from their scopes only.
Supplier principals additionally see only their supplier's parts (see `domain.catalog.policy`)."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role


class Permission(StrEnum):
    CATALOG_READ = "catalog.read"
    LOCATION_READ = "location.read"
    STOCK_READ = "stock.read"
    STOCK_MOVE = "stock.move"
    STOCK_ADJUST = "stock.adjust"
    TRANSFER_REQUEST = "transfer.request"
    TRANSFER_APPROVE = "transfer.approve"
    TRANSFER_CROSS_STORE = "transfer.cross_store"
    WORKORDER_ISSUE = "workorder.issue"
    COUNT_READ = "count.read"
    COUNT_PERFORM = "count.perform"
    COUNT_PLAN = "count.plan"
    COUNT_APPROVE = "count.approve"
    PLANNING_READ = "planning.read"
    PURCHASING_READ = "purchasing.read"
    PURCHASING_WRITE = "purchasing.write"
    GOODS_RECEIVE = "purchasing.receive"
    ASN_SUBMIT = "purchasing.ship_notice"
    MATCH_RESOLVE = "purchasing.match_resolve"
    VMI = "vmi"
    STATEMENTS_READ = "statements.read"
    # Reconciliation statements: finance generates, issues, credits and settles; the supplier
    # confirms or disputes its own (both comment).
    STATEMENTS_MANAGE = "statements.manage"
    STATEMENTS_RESPOND = "statements.respond"
    VALUATION_READ = "valuation.read"
    ANALYTICS_READ = "analytics.read"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    CLIENTS_MANAGE = "clients.manage"
    SETTINGS_MANAGE = "settings.manage"
    # Bulk master-data changes: imports, merges of duplicate parts, retiring codes (issue 10).
    MASTERDATA_MANAGE = "masterdata.manage"
    # Counter sales (issue 12): sell and return at a store, read sales, return after the window,
    # manage trade accounts and their payments; the daily operations report of a store.
    SALES_SELL = "sales.sell"
    SALES_READ = "sales.read"
    SALES_OVERRIDE = "sales.override"
    TRADE_ACCOUNTS_MANAGE = "sales.accounts"
    STORE_REPORT_READ = "reports.store"


P = Permission
_READ_ALL = frozenset(
    {
        P.CATALOG_READ,
        P.LOCATION_READ,
        P.STOCK_READ,
        P.COUNT_READ,
        P.PLANNING_READ,
        P.PURCHASING_READ,
        P.STATEMENTS_READ,
        P.VALUATION_READ,
        P.ANALYTICS_READ,
        P.SALES_READ,
        P.STORE_REPORT_READ,
    }
)
# Store staff: see stock, move it within the store, request transfers, issue to work orders,
# count, receive deliveries (and key the paper delivery note).
_STAFF = frozenset(
    {
        P.CATALOG_READ,
        P.LOCATION_READ,
        P.STOCK_READ,
        P.STOCK_MOVE,
        P.TRANSFER_REQUEST,
        P.WORKORDER_ISSUE,
        P.COUNT_READ,
        P.COUNT_PERFORM,
        P.PLANNING_READ,
        P.PURCHASING_READ,
        P.GOODS_RECEIVE,
        P.ASN_SUBMIT,
        P.SALES_SELL,
        P.SALES_READ,
    }
)
# Store managers also approve: transfers, count plans and adjustments, purchase orders; as buyers
# they run their site's VMI agreements and decide suppliers' proposals.
_MANAGER = _STAFF | {P.STOCK_ADJUST, P.TRANSFER_APPROVE, P.COUNT_PLAN, P.COUNT_APPROVE, P.PURCHASING_WRITE, P.VMI}
# ... and take counter-sale returns after the window, keep trade accounts, get the store's daily report.
_MANAGER |= {P.SALES_OVERRIDE, P.TRADE_ACCOUNTS_MANAGE, P.STORE_REPORT_READ}
_SUPPLIER = frozenset(
    {P.CATALOG_READ, P.LOCATION_READ, P.STOCK_READ, P.PURCHASING_READ, P.ASN_SUBMIT, P.VMI, P.STATEMENTS_READ}
)
_SUPPLIER |= {P.STATEMENTS_RESPOND}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.STORE_STAFF: _STAFF,
    Role.STORE_MANAGER: _MANAGER,
    Role.REGIONAL_MANAGER: _MANAGER | {P.TRANSFER_CROSS_STORE, P.ANALYTICS_READ},
    Role.HQ_OPERATIONS: _MANAGER | _READ_ALL | {P.TRANSFER_CROSS_STORE, P.VMI, P.MATCH_RESOLVE, P.MASTERDATA_MANAGE},
    # Finance reads everything; its one decision is on price differences in the three-way match.
    Role.FINANCE: _READ_ALL | {P.AUDIT_READ, P.MATCH_RESOLVE, P.TRADE_ACCOUNTS_MANAGE, P.STATEMENTS_MANAGE},
    Role.ADMIN: frozenset({P.USERS_MANAGE, P.CLIENTS_MANAGE, P.SETTINGS_MANAGE, P.AUDIT_READ, P.MASTERDATA_MANAGE}),
    Role.SUPPLIER: _SUPPLIER,
    Role.SYSTEM: frozenset(Permission),
}
ASSIGNABLE_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)
INTERNAL_ROLES = tuple(r for r in ASSIGNABLE_ROLES if r is not Role.SUPPLIER)

# OAuth scopes, what each one grants, and a line for the metadata and the docs. A scope whose
# operations name parts also lets the client read the catalog, so the parts in its answers resolve.
SCOPES: dict[str, tuple[frozenset[Permission], str]] = {
    "stock:read": (
        frozenset({P.CATALOG_READ, P.LOCATION_READ, P.STOCK_READ, P.COUNT_READ}),
        "parts, locations, stock levels, transfers, work orders, count plans",
    ),
    "stock:write": (
        frozenset(
            {
                P.CATALOG_READ,
                P.STOCK_MOVE,
                P.STOCK_ADJUST,
                P.TRANSFER_REQUEST,
                P.TRANSFER_APPROVE,
                P.TRANSFER_CROSS_STORE,
                P.WORKORDER_ISSUE,
                P.COUNT_PERFORM,
                P.COUNT_PLAN,
                P.COUNT_APPROVE,
                P.GOODS_RECEIVE,
            }
        ),
        "stock moves, transfers, work-order issues, counts, goods receipt",
    ),
    "purchasing:read": (
        frozenset({P.CATALOG_READ, P.PURCHASING_READ, P.PLANNING_READ}),
        "purchase orders, ship notices, receipts, replenishment suggestions",
    ),
    "purchasing:write": (
        frozenset({P.CATALOG_READ, P.PURCHASING_WRITE, P.ASN_SUBMIT, P.MATCH_RESOLVE}),
        "purchase orders, suggestion decisions, ship notices, match exceptions",
    ),
    "asn:write": (frozenset({P.CATALOG_READ, P.ASN_SUBMIT}), "ship notices (a supplier's system)"),
    "vmi": (
        frozenset({P.VMI, P.CATALOG_READ, P.LOCATION_READ, P.STOCK_READ}),
        "VMI agreements, proposals and the shared stock view",
    ),
    "statements:read": (frozenset({P.STATEMENTS_READ}), "reconciliation statements"),
    "statements:write": (
        frozenset({P.STATEMENTS_READ, P.STATEMENTS_MANAGE, P.STATEMENTS_RESPOND}),
        "reconciliation statements: generate, issue, credit, settle (finance); confirm, dispute (supplier)",
    ),
    "analytics:read": (
        frozenset({P.ANALYTICS_READ, P.VALUATION_READ, P.PLANNING_READ, P.SALES_READ, P.STORE_REPORT_READ}),
        "KPIs, reports, forecasts and stock valuation",
    ),
    "sales": (
        frozenset(
            {
                P.CATALOG_READ,
                P.LOCATION_READ,
                P.STOCK_READ,
                P.SALES_SELL,
                P.SALES_READ,
                P.SALES_OVERRIDE,
                P.TRADE_ACCOUNTS_MANAGE,
                P.STORE_REPORT_READ,
            }
        ),
        "counter sales and returns, trade accounts, daily sales and store reports",
    ),
    "admin": (
        frozenset({P.USERS_MANAGE, P.CLIENTS_MANAGE, P.SETTINGS_MANAGE, P.AUDIT_READ, P.MASTERDATA_MANAGE}),
        "users, OAuth clients, settings, the audit log and bulk master-data changes",
    ),
}
ALL_SCOPES = frozenset(SCOPES)
# A client bound to a supplier acts for that supplier: no company-wide writes or figures.
SUPPLIER_CLIENT_SCOPES = frozenset(
    {"stock:read", "purchasing:read", "purchasing:write", "asn:write", "vmi", "statements:read", "statements:write"}
)


def scope_permissions(scopes: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for scope in scopes:
        entry = SCOPES.get(scope)
        if entry is not None:
            granted |= entry[0]
    return frozenset(granted)


def scopes_granting(permission: Permission) -> list[str]:
    """The scopes a client may ask for to get `permission` (for `insufficient_scope` answers)."""
    return sorted(scope for scope, (perms, _) in SCOPES.items() if permission in perms)


def role_permissions(roles: frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def permissions(principal: Principal) -> frozenset[Permission]:
    """Everything the principal may do somewhere."""
    if principal.kind is PrincipalKind.SYSTEM:
        return frozenset(Permission)
    by_scope = scope_permissions(principal.scopes)
    granted = by_scope if principal.kind is PrincipalKind.CLIENT else role_permissions(principal.roles) & by_scope
    if principal.supplier_id is not None:
        # Whatever its scopes, a supplier's client can do no more than the supplier's own users.
        granted &= _SUPPLIER
    return granted


def can(principal: Principal, permission: Permission) -> bool:
    return permission in permissions(principal)


def ensure(principal: Principal, permission: Permission) -> None:
    """Refuse before looking anything up, so the refusal says nothing about any object."""
    if not can(principal, permission):
        raise DomainError(ErrorCode.FORBIDDEN, f"you are not allowed to do this ({permission.value})")


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def can_at(principal: Principal, permission: Permission, path: str) -> bool:
    """The permission at one location: a user needs a role holding it on a subtree containing `path`."""
    if not can(principal, permission):
        return False
    if principal.kind in (PrincipalKind.SYSTEM, PrincipalKind.CLIENT) or not principal.grants:
        return principal.sees_path(path)
    return any(permission in ROLE_PERMISSIONS.get(role, ()) and _under(path, root) for role, root in principal.grants)


def paths_for(principal: Principal, permission: Permission) -> tuple[str, ...] | None:
    """Subtree roots where the principal holds `permission`; None means the whole company."""
    if not can(principal, permission):
        return ()
    if principal.kind in (PrincipalKind.SYSTEM, PrincipalKind.CLIENT) or not principal.grants:
        return principal.location_paths
    roots = sorted({root for role, root in principal.grants if permission in ROLE_PERMISSIONS.get(role, ())})
    if any("/" not in root for root in roots):
        return None
    return tuple(roots)


def visible_roots(grants: tuple[tuple[Role, str], ...]) -> tuple[str, ...] | None:
    """The union of a user's subtrees, collapsed to None when one of them is the company root."""
    roots = sorted({root for _, root in grants})
    if any("/" not in root for root in roots):
        return None
    return tuple(roots)
