"""The daily operations report of the site's store, as a page: the same report (same function,
same figures) the store manager gets by e-mail each morning."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.responses import Response

from domain.identity.policy import Permission
from domain.org.models import Location, LocationKind
from domain.reports import ops_daily
from domain.sales.common import today
from portal.console.common import site_view
from portal.web import BadRequest, Page, _


def _day(page: Page) -> date:
    raw = page.value("day")
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("Enter a date as YYYY-MM-DD.")) from None


@site_view(permission=Permission.STORE_REPORT_READ)
async def report(page: Page, site: Location) -> Response:
    if site.kind != LocationKind.STORE:
        raise BadRequest(_("The daily report is made for stores."))
    day = _day(page)
    async with page.read() as session:
        found = await ops_daily.daily_ops_report(session, page.principal, site.code, day)
    rows = [
        {
            "kind": kind,
            "title": ops_daily.MOVEMENT_TITLES[kind][1 if page.lang == "en" else 0],
            "flow": found.movement(kind),
        }
        for kind in ops_daily.MOVEMENT_KINDS
    ]
    return page.render(
        "console/report.html",
        site=site,
        report=found,
        rows=rows,
        day=day,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1) if day < today() else None,
    )
