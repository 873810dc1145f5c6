"""Deliveries: per ship notice the stage reached (shipped → in transit → delivered → received), the
late flag and the full timeline with discrepancies — domain.vmi.deliveries with the supplier's
principal, so another supplier's notice is "not found"."""

from __future__ import annotations

from starlette.responses import Response

from domain.identity.policy import Permission
from domain.vmi import deliveries
from portal.supplier.common import cursor, object_id
from portal.web import NotFound, Page, view

PAGE_SIZE = 20


@view(permission=Permission.ASN_SUBMIT)
async def index(page: Page) -> Response:
    before = cursor(page)
    late_only = page.value("late") == "1"
    async with page.read() as session:
        rows, has_next = await deliveries.list_delivery_timelines(
            session,
            page.principal,
            statuses=["open"] if late_only else None,
            late_only=late_only,
            first=PAGE_SIZE,
            before_id=before,
        )
    older = None
    if has_next and rows:
        older = page.url(f"/deliveries?before={rows[-1].notice.id}" + ("&late=1" if late_only else ""))
    return page.render(
        "supplier/deliveries.html", rows=rows, older=older, late_only=late_only, first_page=before is None
    )


@view(permission=Permission.ASN_SUBMIT)
async def detail(page: Page) -> Response:
    pk = object_id(page)
    async with page.read() as session:
        timeline = await deliveries.delivery_timeline(session, page.principal, pk)
    if timeline is None:
        raise NotFound()
    return page.render("supplier/delivery.html", t=timeline)
