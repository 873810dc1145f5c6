"""Location queries, filtered by the principal's location scope."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policy import Permission, can
from domain.org.models import Location, SiteDistance
from domain.principal import Principal


def _scoped(principal: Principal):  # type: ignore[no-untyped-def]
    stmt = select(Location)
    if principal.location_paths is not None:
        # Virtual locations are shared by everybody: they stand for the outside world.
        clauses = [Location.kind == "virtual"]
        for root in principal.location_paths:
            clauses += [Location.path == root, Location.path.startswith(root + "/", autoescape=True)]
        stmt = stmt.where(or_(*clauses))
    return stmt


async def location_by_code(session: AsyncSession, principal: Principal, code: str) -> Location | None:
    if not can(principal, Permission.LOCATION_READ):
        return None
    stmt = _scoped(principal).where(Location.code == code.strip().upper())
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_locations(
    session: AsyncSession,
    principal: Principal,
    *,
    kinds: Sequence[str] | None = None,
    parent_code: str | None = None,
    first: int,
    after_code: str | None = None,
) -> tuple[list[Location], bool]:
    if not can(principal, Permission.LOCATION_READ):
        return [], False
    stmt = _scoped(principal)
    if kinds:
        stmt = stmt.where(Location.kind.in_([k.lower() for k in kinds]))
    if parent_code:
        parent = select(Location.id).where(Location.code == parent_code.strip().upper())
        stmt = stmt.where(Location.parent_id.in_(parent))
    if after_code:
        stmt = stmt.where(Location.code > after_code)
    rows = (await session.execute(stmt.order_by(Location.code).limit(first + 1))).scalars().all()
    return list(rows[:first]), len(rows) > first


async def locations_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Location]:
    rows = await session.execute(select(Location).where(Location.id.in_(list(ids))))
    return {loc.id: loc for loc in rows.scalars()}


async def distances_from(session: AsyncSession, site_ids: Sequence[int]) -> dict[tuple[int, int], Decimal]:
    rows = await session.execute(select(SiteDistance).where(SiteDistance.from_site_id.in_(list(site_ids))))
    return {(d.from_site_id, d.to_site_id): d.km for d in rows.scalars()}
