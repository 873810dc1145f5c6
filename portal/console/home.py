"""The start page (the site's task tiles and open alerts) and the site picker."""

from __future__ import annotations

from starlette.responses import Response

from domain.alerts import service as alerts
from domain.identity.policy import Permission
from domain.org.models import Location
from portal.console import sites
from portal.console.common import site_view
from portal.web import Page, view

ALERTS_SHOWN = 5


def tiles(page: Page) -> list[dict[str, str]]:
    """The tasks of a site, those the user may do, in the order of a store's day."""
    entries = [
        ("/lookup", "Stock lookup", "Scan or search a part, see it across stores", Permission.STOCK_READ),
        ("/receive", "Receiving", "Purchase orders and ship notices", Permission.GOODS_RECEIVE),
        ("/putaway", "QC and putaway", "Inspect and put away what arrived", Permission.GOODS_RECEIVE),
        ("/workorders", "Work orders", "Pick, issue and return parts", Permission.WORKORDER_ISSUE),
        ("/transfers", "Transfers", "Ship and receive between sites", Permission.TRANSFER_REQUEST),
        ("/count", "Counting", "Count tasks (blind)", Permission.COUNT_PERFORM),
        ("/sell", "Counter sale", "Sell and take returns", Permission.SALES_SELL),
        ("/labels", "Labels", "Part and bin labels (PDF, ZPL)", Permission.CATALOG_READ),
        ("/report", "Daily report", "Receipts, issues, sales, counts, alerts", Permission.STORE_REPORT_READ),
    ]
    return [
        {"path": path, "title": title, "hint": hint}
        for path, title, hint, permission in entries
        if page.can(permission)
    ]


@site_view()
async def home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        in_scope = await sites.sites_in_scope(session, page.principal)
        shown: list[alerts.AlertView] = []
        total = 0
        if page.can(Permission.STOCK_READ):
            shown, _, total = await alerts.list_alerts(
                session, page.principal, alerts.AlertFilter(location_code=site.code), first=ALERTS_SHOWN
            )
    return page.render(
        "console/home.html",
        site=site,
        tiles=tiles(page),
        alerts=shown,
        alert_total=total,
        several_sites=len(in_scope) > 1,
    )


@view
async def choose_site(page: Page) -> Response:
    """GET: the sites in scope; POST: work at one of them from now on."""
    if page.request.method == "POST":
        async with page.read() as session:
            site = await sites.site_by_code(session, page.principal, page.value("site"))
        if site is None:
            return page.redirect("/sites", flash=page._("This site is not in your scope."), level="error")
        response = page.redirect("/", flash=page._("You are working at {site}.", site=site.code))
        sites.remember_site(page, response, site)
        return response
    async with page.read() as session:
        in_scope = await sites.sites_in_scope(session, page.principal)
        current = await sites.current_site(page, session)
    return page.render("console/sites.html", sites=in_scope, current=current)
