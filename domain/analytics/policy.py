"""Who may read analytics and over which sites.

Figures are per site (store or warehouse). A viewer sees a site's figures only when the whole
site is in their location scope: someone scoped to one zone of the warehouse gets no warehouse
totals (those would include the other zones)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can, ensure
from domain.principal import Principal, Role


@dataclass(frozen=True)
class Site:
    id: int
    code: str
    name: str
    kind: str
    path: str


def ensure_reader(principal: Principal) -> None:
    ensure(principal, Permission.ANALYTICS_READ)
    if principal.supplier_id is not None:
        raise DomainError(ErrorCode.FORBIDDEN, "analytics are for internal users")


def ensure_classifier(principal: Principal) -> None:
    """Writing the parts' ABC class changes company-wide master data: head office only."""
    ensure_reader(principal)
    company_wide = principal.location_paths is None
    if not company_wide or not (can(principal, Permission.SETTINGS_MANAGE) or Role.HQ_OPERATIONS in principal.roles):
        raise DomainError(ErrorCode.FORBIDDEN, "only head office may classify parts")


async def visible_sites(session: AsyncSession, principal: Principal, within_code: str | None = None) -> list[Site]:
    """Active sites wholly within the principal's scope, optionally under one location."""
    rows = await session.execute(
        text(
            "SELECT id, code, name_zh AS name, kind, path FROM location "
            "WHERE kind IN ('store', 'warehouse') AND active ORDER BY code"
        )
    )
    sites = [Site(**r._mapping) for r in rows if principal.sees_path(r.path)]
    if within_code:
        root = (
            await session.execute(text("SELECT path FROM location WHERE code = :c"), {"c": within_code.strip().upper()})
        ).scalar_one_or_none()
        if root is None:
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location {within_code!r}", ["locationCode"])
        sites = [s for s in sites if s.path == root or s.path.startswith(root + "/") or root.startswith(s.path + "/")]
        if not sites:
            raise DomainError(
                ErrorCode.UNKNOWN_LOCATION, f"no location {within_code!r} in your scope", ["locationCode"]
            )
    return sites
