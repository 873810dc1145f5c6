"""Stock lookup: scan or type a part (code, barcode, name, alias) → the part across stores, with
distance and what each can spare, its substitutes, and a button that requests a transfer."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from starlette.responses import Response

from domain.catalog.models import Part
from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.org.models import Location
from domain.transfers import service as transfers
from portal.console import reads
from portal.console.common import partial, quantity_of, scan_error, site_view
from portal.web import NotFound, Page, _

MAX_TERM = 100


def part_path(code: str) -> str:
    return "/parts/" + quote(code, safe="")


@site_view(permission=Permission.STOCK_READ)
async def lookup(page: Page, site: Location) -> Response:
    """GET: the search page (with `?q=` the matches); POST (a scan): one match opens the part."""
    term = page.value("q")[:MAX_TERM]
    if page.request.method == "GET":
        found: list[Part] = []
        total = 0
        if term:
            async with page.read() as session:
                found, total = await reads.find_parts(session, page.principal, term)
        return page.render("console/lookup.html", site=site, term=term, parts=found, total=total)
    if not term:
        return page.scan_result(False, _("Scan or type a part code, barcode or name."), status=400)
    try:
        async with page.read() as session:
            found, total = await reads.find_parts(session, page.principal, term)
    except DomainError as error:
        return scan_error(page, error, "/lookup")
    exact = [p for p in found if p.code == term.upper() or p.barcode == term]
    if len(exact) == 1 or total == 1:
        chosen = exact[0] if len(exact) == 1 else found[0]
        return page.scan_result(True, chosen.code, redirect=part_path(chosen.code))
    if not found:
        return page.scan_result(False, _("No part matches “{term}”.", term=term), status=404)
    if not page.is_scan:
        return page.redirect("/lookup?" + urlencode({"q": term}))
    html = partial(page, "console/_parts.html", parts=found, total=total, term=term)
    return page.scan_result(True, _("{n} parts match.", n=total), html=html)


@site_view(permission=Permission.STOCK_READ)
async def part(page: Page, site: Location) -> Response:
    code = str(page.params.get("code", ""))[:MAX_TERM]
    async with page.read() as session:
        found = await reads.part_overview(session, page.principal, code, site)
    if found is None:
        raise NotFound()
    return page.render(
        "console/part.html",
        site=site,
        overview=found,
        can_request=page.can(Permission.TRANSFER_REQUEST),
    )


@site_view(permission=Permission.TRANSFER_REQUEST)
async def request_transfer(page: Page, site: Location) -> Response:
    """Ask a site for stock to come to the user's site (the transfers domain decides who may)."""
    code = page.value("part")[:40]
    source = page.value("from")[:40]
    try:
        quantity = quantity_of(page.value("quantity"))
        async with page.write() as session:
            done = await transfers.request_transfer(
                session,
                page.principal,
                transfers.RequestTransfer(
                    from_location_code=source,
                    to_location_code=site.code,
                    lines=[transfers.PartQuantity(code, quantity)],
                    emergency=page.value("emergency") == "1",
                    reason=page.value("reason")[:1000] or None,
                    idempotency_key=page.idempotency_key,
                ),
            )
            await page.audit(
                session, "transfers.request_transfer", target_type="TransferOrder", target_id=done.transfer.id
            )
    except DomainError as error:
        return scan_error(page, error, part_path(code) if code else "/lookup")
    return page.redirect(
        f"/transfers/{done.transfer.id}",
        flash=_("Transfer {number} requested from {site}.", number=done.transfer.number, site=source.upper()),
    )
