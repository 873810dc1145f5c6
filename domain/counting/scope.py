"""Location scope of counting: which plans, tasks and locations a principal may reach. Plans can
span more than one's scope (a region-wide count), so plan visibility is an overlap, not a prefix."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting.models import CountPlan
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal


def clean_code(value: str, field: str, limit: int = 64) -> str:
    code = value.strip().upper()
    if not code or len(code) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"a code of 1 to {limit} characters is required", [field])
    return code


def subtree_params(path: str) -> dict[str, str]:
    return {"root": path, "root_like": path.replace("%", r"\%").replace("_", r"\_") + "/%"}


async def visible_location(session: AsyncSession, principal: Principal, code: str, field: str) -> Location:
    loc = (
        await session.execute(select(Location).where(Location.code == clean_code(code, field, 40)))
    ).scalar_one_or_none()
    if loc is None or not principal.sees_path(loc.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code.strip().upper()}", [field])
    return loc


def path_in(root: str) -> ColumnElement[bool]:
    return or_(Location.path == root, Location.path.startswith(root + "/", autoescape=True))


def plan_visible(principal: Principal, root_path: str) -> bool:
    """A plan is visible to whoever sees its root, or works somewhere inside it."""
    if principal.sees_path(root_path):
        return True
    return any(scope.startswith(root_path + "/") for scope in principal.location_paths or ())


def plan_scope_sql(principal: Principal) -> tuple[str, dict[str, object]]:
    if principal.location_paths is None:
        return "", {}
    if not principal.location_paths:
        return " AND FALSE", {}
    clauses: list[str] = []
    params: dict[str, object] = {}
    for n, root in enumerate(principal.location_paths):
        clauses.append(f"(l.path = :s{n} OR l.path LIKE :sl{n} OR :s{n} LIKE l.path || '/%')")
        params[f"s{n}"] = root
        params[f"sl{n}"] = root.replace("%", r"\%").replace("_", r"\_") + "/%"
    return " AND (" + " OR ".join(clauses) + ")", params


async def locked_plan(session: AsyncSession, plan_id: int, *, share: bool) -> tuple[CountPlan, str]:
    row = (
        await session.execute(
            select(CountPlan, Location.path)
            .join(Location, Location.id == CountPlan.location_id)
            .where(CountPlan.id == plan_id)
            .with_for_update(read=share, of=CountPlan)
        )
    ).one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such count plan", ["planId"])
    return row[0], row[1]
