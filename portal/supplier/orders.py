"""Purchase orders the supplier received (sent, partly received, ...): the list and one order with
its lines and what was shipped and received — the page a proposal links to, and where a ship
notice against the order starts. Visibility is purchasing's: only the supplier's own orders, and
only once sent."""

from __future__ import annotations

from starlette.responses import Response

from domain.identity.policy import Permission
from domain.purchasing import orders, reads
from portal.supplier.common import cursor, names, object_id
from portal.web import NotFound, Page, view

PAGE_SIZE = 20


@view(permission=Permission.PURCHASING_READ)
async def index(page: Page) -> Response:
    before = cursor(page)
    async with page.read() as session:
        found, has_next = await orders.list_purchase_orders(session, page.principal, first=PAGE_SIZE, before_id=before)
    older = page.url(f"/orders?before={found[-1].id}") if has_next and found else None
    return page.render("supplier/orders.html", orders=found, older=older, first_page=before is None)


@view(permission=Permission.PURCHASING_READ)
async def detail(page: Page) -> Response:
    pk = object_id(page)
    async with page.read() as session:
        order = await orders.get_purchase_order(session, page.principal, po_id=pk)
        if order is None:
            raise NotFound()
        lines = (await reads.lines_by_order(session, [order.id]))[order.id]
        labels = await names(
            session, page.principal, [x.part_id for x in lines], [x.destination_site_id for x in lines]
        )
    return page.render("supplier/order.html", order=order, lines=lines, names=labels)
