"""Who may see and change stock. One place, so GraphQL, the portal, exports and jobs agree.

The permissions themselves live in `domain.identity.policy`; this module turns them into the
checks and SQL filters the stock services need."""

from __future__ import annotations

from domain.catalog.policy import part_sql
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can, can_at, ensure
from domain.principal import Principal


def ensure_can_move(principal: Principal) -> None:
    ensure(principal, Permission.STOCK_MOVE)


def ensure_can_move_between(principal: Principal, from_path: str | None, to_path: str | None) -> None:
    """A move between two real locations needs the move permission at both ends; a move to or from a
    virtual location (adjustment, supplier, scrap, ...) changes the books and needs the adjust
    permission at the real end. `None` stands for a virtual location."""
    real = [path for path in (from_path, to_path) if path is not None]
    needed = Permission.STOCK_MOVE if len(real) == 2 else Permission.STOCK_ADJUST
    allowed = all(can_at(principal, needed, path) for path in real) if real else can(principal, needed)
    if not allowed:
        raise DomainError(ErrorCode.FORBIDDEN, f"you are not allowed to do this ({needed.value})")


def can_read_stock(principal: Principal) -> bool:
    return can(principal, Permission.STOCK_READ)


def visible_path_filter(principal: Principal, column: str) -> tuple[str, dict[str, object]]:
    """SQL fragment restricting a location path column to the principal's subtrees."""
    if principal.location_paths is None:
        return "", {}
    if not principal.location_paths:
        return " AND FALSE", {}
    clauses = []
    params: dict[str, object] = {}
    for n, root in enumerate(principal.location_paths):
        clauses.append(f"{column} = :scope_{n} OR {column} LIKE :scope_like_{n}")
        params[f"scope_{n}"] = root
        params[f"scope_like_{n}"] = root.replace("%", r"\%").replace("_", r"\_") + "/%"
    return " AND (" + " OR ".join(clauses) + ")", params


def visible_part_filter(principal: Principal, column: str) -> tuple[str, dict[str, object]]:
    """SQL fragment restricting a part id column to the parts the principal sees."""
    return part_sql(principal, column)
