"""The site (store or warehouse) a console user is working at.

A clerk works at one store; a regional manager or head office can work at any site in their
scope and picks one. The choice is a cookie holding the site code, checked against the user's
scope on EVERY request (so a stale or forged cookie gives nothing): it only says which of the sites
the user may see the pages start from. Each action is still authorised by its domain service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from domain.org import service as org
from domain.org.models import SITE_KINDS, Location
from domain.principal import Principal
from portal.web import Page

SITE_COOKIE = "ims_console_site"
MAX_SITES = 200


async def sites_in_scope(session: AsyncSession, principal: Principal) -> list[Location]:
    """Active stores and warehouses inside the user's location scope, by code."""
    found, _ = await org.list_locations(session, principal, kinds=sorted(SITE_KINDS), first=MAX_SITES)
    return [site for site in found if site.active]


async def site_by_code(session: AsyncSession, principal: Principal, code: str) -> Location | None:
    """A site the user may work at, or None (unknown, not a site, or outside the scope)."""
    if not code or len(code) > 40:
        return None
    found = await org.location_by_code(session, principal, code)
    if found is None or found.kind not in SITE_KINDS or not found.active:
        return None
    return found


async def current_site(page: Page, session: AsyncSession) -> Location | None:
    """The chosen site if still in scope, else the only site in scope, else None (pick one)."""
    chosen = await site_by_code(session, page.principal, page.request.cookies.get(SITE_COOKIE, ""))
    if chosen is not None:
        return chosen
    in_scope = await sites_in_scope(session, page.principal)
    return in_scope[0] if len(in_scope) == 1 else None


def remember_site(page: Page, response: Response, site: Location) -> None:
    response.set_cookie(
        SITE_COOKIE,
        site.code,
        max_age=30 * 86400,
        path=page.area.prefix,
        httponly=True,
        secure=page.runtime.web.secure_cookies,
        samesite="lax",
    )
