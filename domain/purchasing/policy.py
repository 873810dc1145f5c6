"""Who may buy, approve, receive and decide in purchasing, and the thresholds that drive it.

One place, so GraphQL, the supplier portal, partner APIs and jobs apply the same rules. Settings are
read from the environment once (like `domain.settings`) and every service takes an explicit
`PurchasingSettings` override, which is how tests exercise other thresholds."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role


@dataclass(frozen=True)
class ApprovalRule:
    """Orders whose total is strictly above `above` need the approval of `role` (or a higher one)."""

    above: Decimal
    role: Role


DEFAULT_APPROVAL_RULES = (
    ApprovalRule(Decimal(0), Role.STORE_MANAGER),
    ApprovalRule(Decimal(50_000), Role.REGIONAL_MANAGER),
    ApprovalRule(Decimal(200_000), Role.HQ_OPERATIONS),
)

# A higher rank may approve what a lower one may. Roles outside the ladder (finance) approve only
# amounts whose rule names them.
APPROVAL_RANK: Mapping[Role, int] = {
    Role.STORE_MANAGER: 1,
    Role.REGIONAL_MANAGER: 2,
    Role.HQ_OPERATIONS: 3,
    Role.ADMIN: 4,
}


@dataclass(frozen=True)
class PurchasingSettings:
    approval_rules: tuple[ApprovalRule, ...] = DEFAULT_APPROVAL_RULES
    # A line may receive up to ordered × (1 + tolerance) before scans are held as over-receipts.
    over_receipt_tolerance: Decimal = Decimal("0.05")
    # Three-way match: relative differences allowed between ordered/shipped/accepted quantities...
    match_quantity_tolerance: Decimal = Decimal("0.02")
    # ...and between the delivery-note price and the order price.
    match_price_tolerance: Decimal = Decimal("0.01")
    # A delivery is on time when received no later than the promised date plus this many days.
    on_time_grace_days: int = 1
    # When set, nobody approves an order they created or submitted.
    four_eyes: bool = False
    # When set, a line received without any ship notice / delivery note is a match exception.
    require_ship_notice: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PurchasingSettings:
        env = os.environ if env is None else env
        base = cls()
        return cls(
            approval_rules=parse_approval_rules(env["IMS_PO_APPROVAL_RULES"])
            if env.get("IMS_PO_APPROVAL_RULES")
            else base.approval_rules,
            over_receipt_tolerance=Decimal(env.get("IMS_RECEIPT_OVER_TOLERANCE") or base.over_receipt_tolerance),
            match_quantity_tolerance=Decimal(env.get("IMS_MATCH_QTY_TOLERANCE") or base.match_quantity_tolerance),
            match_price_tolerance=Decimal(env.get("IMS_MATCH_PRICE_TOLERANCE") or base.match_price_tolerance),
            on_time_grace_days=int(env.get("IMS_ON_TIME_GRACE_DAYS") or base.on_time_grace_days),
            four_eyes=(env.get("IMS_PO_FOUR_EYES") or "").lower() in ("1", "true", "yes"),
            require_ship_notice=(env.get("IMS_REQUIRE_SHIP_NOTICE") or "").lower() in ("1", "true", "yes"),
        )


def parse_approval_rules(spec: str) -> tuple[ApprovalRule, ...]:
    """`"0:store_manager,50000:regional_manager,200000:hq_operations"` → rules sorted by amount."""
    rules = []
    for item in spec.split(","):
        amount, _, role = item.strip().partition(":")
        rules.append(ApprovalRule(Decimal(amount.strip()), Role(role.strip())))
    return tuple(sorted(rules, key=lambda r: r.above))


@lru_cache(maxsize=1)
def get_purchasing_settings() -> PurchasingSettings:
    return PurchasingSettings.from_env()


def required_approval_role(amount: Decimal, rules: Iterable[ApprovalRule]) -> Role | None:
    """The strictest rule the amount exceeds; None when no rule applies (any buyer may approve)."""
    applicable = [rule for rule in rules if amount > rule.above]
    return max(applicable, key=lambda r: r.above).role if applicable else None


def roles_covering(principal: Principal, paths: Iterable[str]) -> frozenset[Role]:
    """The principal's roles that hold for every path: with per-location grants, a manager of one
    store who is staff at another acts as a manager only at the first."""
    grants: tuple[tuple[Role, str], ...] = getattr(principal, "grants", ())
    if not grants:
        return principal.roles
    wanted = list(paths)
    return frozenset(role for role, root in grants if all(p == root or p.startswith(root + "/") for p in wanted))


def may_approve(principal: Principal, required: Role | None, paths: Iterable[str] = ()) -> bool:
    if principal.kind is not PrincipalKind.USER:
        return False  # approvals are a person's signature, never a machine's
    roles = roles_covering(principal, paths)
    if required is None:
        return bool(roles & _BUYERS)
    if required in roles:
        return True
    needed = APPROVAL_RANK.get(required)
    return needed is not None and any(APPROVAL_RANK.get(role, 0) >= needed for role in roles)


_BUYERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.ADMIN, Role.SYSTEM})
_RECEIVERS = frozenset(
    {Role.STORE_STAFF, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.ADMIN, Role.SYSTEM}
)
_HOLD_DECIDERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.ADMIN})
# Price differences are money: finance decides. Quantity differences: finance or operations.
_PRICE_RESOLVERS = frozenset({Role.FINANCE, Role.ADMIN})
_QUANTITY_RESOLVERS = frozenset({Role.FINANCE, Role.HQ_OPERATIONS, Role.ADMIN})
_READERS = frozenset(
    {
        Role.STORE_STAFF,
        Role.STORE_MANAGER,
        Role.REGIONAL_MANAGER,
        Role.HQ_OPERATIONS,
        Role.FINANCE,
        Role.ADMIN,
        Role.SYSTEM,
    }
)


def _client_has(principal: Principal, scope: str) -> bool:
    return principal.kind is PrincipalKind.CLIENT and principal.supplier_id is None and scope in principal.scopes


def ensure_buyer(principal: Principal) -> None:
    if _client_has(principal, "purchasing:write") or (principal.is_internal and principal.roles & _BUYERS):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "your role may not create or change purchase orders")


def ensure_receiver(principal: Principal) -> None:
    if _client_has(principal, "stock:write") or (principal.is_internal and principal.roles & _RECEIVERS):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "your role may not receive goods")


def ensure_hold_decider(principal: Principal) -> None:
    if principal.kind is PrincipalKind.USER and principal.roles & _HOLD_DECIDERS:
        return
    raise DomainError(ErrorCode.FORBIDDEN, "a store manager or above decides on held receipts")


def ensure_match_resolver(principal: Principal, reason_codes: Iterable[str]) -> None:
    price = ErrorCode.PRICE_OUT_OF_TOLERANCE.value in set(reason_codes)
    allowed = _PRICE_RESOLVERS if price else _QUANTITY_RESOLVERS
    if principal.kind is PrincipalKind.USER and principal.roles & allowed:
        return
    who = "finance" if price else "finance or HQ operations"
    raise DomainError(ErrorCode.FORBIDDEN, f"only {who} may resolve this match exception")


def ensure_ship_notice_author(principal: Principal, supplier_id: int) -> None:
    """Suppliers key their own notices (portal user, or their system with `asn:write`); internal
    buyers and receivers key paper delivery notes."""
    if principal.supplier_id is not None:
        if principal.supplier_id != supplier_id:
            raise DomainError(ErrorCode.FORBIDDEN, "you may only send notices for your own orders")
        if principal.kind is PrincipalKind.SUPPLIER_USER or "asn:write" in principal.scopes:
            return
        raise DomainError(ErrorCode.FORBIDDEN, "the asn:write scope is required")
    if principal.is_internal and principal.roles & (_BUYERS | _RECEIVERS):
        return
    if _client_has(principal, "asn:write"):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "your role may not record ship notices")


def ensure_reader(principal: Principal, supplier_id: int | None = None) -> None:
    """Internal staff read purchasing; a supplier reads only what concerns itself."""
    if principal.supplier_id is not None:
        if supplier_id is not None and principal.supplier_id == supplier_id:
            return
        raise DomainError(ErrorCode.FORBIDDEN, "you may only see your own supplier's data")
    if principal.is_internal and (principal.roles & _READERS or principal.kind is PrincipalKind.CLIENT):
        return
    raise DomainError(ErrorCode.FORBIDDEN, "your role may not read purchasing data")


def ensure_sees(principal: Principal, path: str, code: str, field: str) -> None:
    """Outside the principal's scope a location answers as unknown, so its existence does not leak."""
    if not principal.sees_path(path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", [field])
