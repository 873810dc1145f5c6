"""The permission table: roles on subtrees, scopes, the supplier cap."""

from __future__ import annotations

import pytest

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import (
    ALL_SCOPES,
    ROLE_PERMISSIONS,
    SUPPLIER_CLIENT_SCOPES,
    Permission,
    can,
    can_at,
    ensure,
    paths_for,
    permissions,
    scopes_granting,
    visible_roots,
)
from domain.principal import Principal, PrincipalKind, Role

P = Permission


def user(*grants: tuple[Role, str], scopes: frozenset[str] = ALL_SCOPES) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        name="u",
        roles=frozenset(r for r, _ in grants),
        location_paths=visible_roots(tuple(grants)),
        scopes=scopes,
        grants=tuple(grants),
    )


def client(*scopes: str, supplier_id: int | None = None) -> Principal:
    return Principal(kind=PrincipalKind.CLIENT, name="c", scopes=frozenset(scopes), supplier_id=supplier_id)


def test_roles_follow_the_issue() -> None:
    staff = user((Role.STORE_STAFF, "HQ/R-N/S-BJ01"))
    assert can(staff, P.STOCK_READ) and can(staff, P.STOCK_MOVE) and can(staff, P.TRANSFER_REQUEST)
    assert can(staff, P.WORKORDER_ISSUE) and can(staff, P.COUNT_PERFORM)
    assert not can(staff, P.TRANSFER_APPROVE) and not can(staff, P.COUNT_APPROVE)
    manager = user((Role.STORE_MANAGER, "HQ/R-N/S-BJ01"))
    assert can(manager, P.TRANSFER_APPROVE) and can(manager, P.COUNT_APPROVE)
    assert not can(manager, P.TRANSFER_CROSS_STORE)
    assert can(user((Role.REGIONAL_MANAGER, "HQ/R-N")), P.TRANSFER_CROSS_STORE)
    hq = user((Role.HQ_OPERATIONS, "HQ"))
    assert can(hq, P.ANALYTICS_READ) and can(hq, P.PURCHASING_WRITE) and not can(hq, P.USERS_MANAGE)
    finance = user((Role.FINANCE, "HQ"))
    reads = {p for p in Permission if p.value.endswith(".read")}
    assert reads <= permissions(finance)
    assert can(finance, P.STATEMENTS_READ) and can(finance, P.VALUATION_READ) and can(finance, P.AUDIT_READ)
    assert not can(finance, P.STOCK_MOVE)
    admin = user((Role.ADMIN, "HQ"))
    assert {P.USERS_MANAGE, P.CLIENTS_MANAGE, P.SETTINGS_MANAGE, P.AUDIT_READ} <= permissions(admin)
    assert not permissions(admin) & {P.STOCK_READ, P.STOCK_MOVE, P.PURCHASING_WRITE, P.COUNT_APPROVE}
    assert can(Principal.system(), P.USERS_MANAGE)


def test_roles_apply_on_their_own_subtree_only() -> None:
    both = user((Role.STORE_MANAGER, "HQ/R-N/S-BJ01"), (Role.STORE_STAFF, "HQ/R-N/S-BJ02"))
    assert can_at(both, P.TRANSFER_APPROVE, "HQ/R-N/S-BJ01/bin")
    assert not can_at(both, P.TRANSFER_APPROVE, "HQ/R-N/S-BJ02")
    assert can_at(both, P.STOCK_MOVE, "HQ/R-N/S-BJ02")
    assert not can_at(both, P.STOCK_MOVE, "HQ/R-N/S-BJ03")
    assert not can_at(both, P.STOCK_MOVE, "HQ/R-N/S-BJ011")  # a prefix is not a subtree
    assert paths_for(both, P.TRANSFER_APPROVE) == ("HQ/R-N/S-BJ01",)
    assert paths_for(both, P.STOCK_READ) == ("HQ/R-N/S-BJ01", "HQ/R-N/S-BJ02")
    assert paths_for(both, P.USERS_MANAGE) == ()
    assert paths_for(user((Role.HQ_OPERATIONS, "HQ")), P.STOCK_READ) is None
    assert visible_roots(()) == ()


def test_token_scopes_limit_users_and_grant_clients() -> None:
    narrowed = user((Role.HQ_OPERATIONS, "HQ"), scopes=frozenset({"stock:read"}))
    assert can(narrowed, P.STOCK_READ) and not can(narrowed, P.STOCK_MOVE)
    assert can(client("stock:write"), P.STOCK_MOVE) and not can(client("stock:write"), P.STOCK_READ)
    assert can(client("admin"), P.USERS_MANAGE) and not can(client(), P.CATALOG_READ)
    assert scopes_granting(P.STOCK_MOVE) == ["stock:write"]
    with pytest.raises(DomainError) as refused:
        ensure(client("stock:read"), P.STOCK_MOVE)
    assert refused.value.code is ErrorCode.FORBIDDEN


def test_a_supplier_client_can_do_no_more_than_a_supplier_user() -> None:
    bound = client(*ALL_SCOPES, supplier_id=7)
    assert permissions(bound) <= ROLE_PERMISSIONS[Role.SUPPLIER]
    assert not can(bound, P.PLANNING_READ) and not can(bound, P.USERS_MANAGE) and not can(bound, P.STOCK_MOVE)
    assert can(client(*SUPPLIER_CLIENT_SCOPES, supplier_id=7), P.ASN_SUBMIT)
    supplier_user = Principal(
        kind=PrincipalKind.SUPPLIER_USER, name="s", roles=frozenset({Role.SUPPLIER}), supplier_id=7, scopes=ALL_SCOPES
    )
    assert permissions(supplier_user) == ROLE_PERMISSIONS[Role.SUPPLIER]


def test_docs_list_every_role_and_scope() -> None:
    from pathlib import Path

    from domain.identity.policy import ASSIGNABLE_ROLES, SCOPES

    doc = (Path(__file__).resolve().parents[3] / "docs" / "auth.md").read_text(encoding="utf-8")
    missing = [f"`{name}`" for name in [*SCOPES, *(r.value for r in ASSIGNABLE_ROLES)] if f"| `{name}` |" not in doc]
    assert not missing, f"docs/auth.md lacks table rows for {missing}"


def test_every_role_permission_is_reachable_through_some_scope() -> None:
    """A user's token does what both its roles and its scopes allow, so a role permission that no
    scope grants would be lost to every user."""
    from domain.identity.policy import scope_permissions

    covered = scope_permissions(ALL_SCOPES)
    for role, granted in ROLE_PERMISSIONS.items():
        if role is not Role.SYSTEM:
            assert granted <= covered, f"{role}: no scope grants {sorted(granted - covered)}"
