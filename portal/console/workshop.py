"""Picking for a repair work order: reserve the kit, pick it from the FIFO lot and bin the pick
list names (each pick confirmed by scanning part and bin), issue it to the workshop, and take back
what the job did not use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.org.models import Location
from domain.workshop import issuing, kit, picking
from domain.workshop import service as workorders
from domain.workshop.common import line_views
from domain.workshop.models import WorkOrderStatus
from portal.console.common import (
    message_of,
    names,
    object_id,
    partial,
    qty_text,
    quantity_of,
    scan_error,
    site_view,
)
from portal.web import Page, _

ACTIVE = [WorkOrderStatus.OPEN.value, WorkOrderStatus.IN_PROGRESS.value]


@site_view(permission=Permission.WORKORDER_ISSUE)
async def workorders_home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        found, _more = await workorders.list_work_orders(
            session, page.principal, store_code=site.code, statuses=ACTIVE, first=50
        )
    return page.render("console/workorders.html", site=site, orders=found)


async def _context(page: Page, site: Location, work_order_id: int) -> dict[str, Any]:
    async with page.read() as session:
        order = await workorders.get_work_order(session, page.principal, work_order_id)
        lines = (await line_views(session, [order.id])).get(order.id, [])
        check = await kit.kit_check(session, page.principal, order.id)
        tasks = await picking.pick_list(session, page.principal, order.id)
        labels = await names(session, page.principal, page.lang, [x.part_id for x in lines], [order.store_id])
    open_tasks = [t for t in tasks if t.to_pick > 0]
    return {
        "site": site,
        "order": order,
        "lines": lines,
        "kit": {k.line.id: k for k in check.lines},
        "tasks": tasks,
        "next_task": open_tasks[0] if open_tasks else None,
        "picked_open": any(x.picked_open > 0 for x in lines),
        "out": [x for x in lines if x.issued > x.returned],
        "names": labels,
        "active": order.status in ACTIVE,
    }


@site_view(permission=Permission.WORKORDER_ISSUE)
async def workorder_page(page: Page, site: Location) -> Response:
    return page.render("console/workorder.html", **await _context(page, site, object_id(page)))


@site_view(permission=Permission.WORKORDER_ISSUE)
async def reserve(page: Page, site: Location) -> Response:
    work_order_id = object_id(page)
    back = f"/workorders/{work_order_id}"
    try:
        async with page.write() as session:
            check = await picking.reserve_work_order(session, page.principal, work_order_id)
            await page.audit(session, "workshop.reserve_work_order", target_type="WorkOrder", target_id=work_order_id)
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    if check.complete:
        return page.redirect(back, flash=_("Parts reserved. Pick them from the bins shown."))
    return page.redirect(back, flash=_("Reserved what the store has; some parts are short."), level="warning")


@site_view(permission=Permission.WORKORDER_ISSUE)
async def pick(page: Page, site: Location) -> Response:
    """One scan-confirmed pick: the part and the bin it was taken from must match the pick list."""
    work_order_id = object_id(page)
    try:
        quantity = quantity_of(page.value("quantity"), default="1")
        async with page.write() as session:
            result = await picking.confirm_pick(
                session,
                page.principal,
                picking.ConfirmPick(
                    work_order_id=work_order_id,
                    part=page.value("code")[:64],
                    location_code=page.value("bin")[:40],
                    quantity=quantity,
                    lot_no=page.value("lot")[:64] or None,
                    idempotency_key=page.idempotency_key,
                ),
            )
            await page.audit(session, "workshop.confirm_pick", target_type="WorkOrder", target_id=work_order_id)
    except DomainError as error:
        return scan_error(page, error, f"/workorders/{work_order_id}")
    context = await _context(page, site, work_order_id)
    picked = sum((p.quantity for p in result.picks), Decimal(0))
    message = _("Picked {qty} × {part}", qty=qty_text(picked), part=page.value("code").upper())
    html = partial(page, "console/_workorder_lines.html", **context)
    return page.scan_result(True, message, html=html, redirect=None if page.is_scan else f"/workorders/{work_order_id}")


@site_view(permission=Permission.WORKORDER_ISSUE)
async def issue(page: Page, site: Location) -> Response:
    work_order_id = object_id(page)
    back = f"/workorders/{work_order_id}"
    try:
        async with page.write() as session:
            result = await issuing.issue_work_order_parts(
                session, page.principal, issuing.IssueParts(work_order_id, None, page.idempotency_key)
            )
            await page.audit(
                session, "workshop.issue_work_order_parts", target_type="WorkOrder", target_id=work_order_id
            )
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    moved = sum((m.quantity for m in result.moves), Decimal(0))
    return page.redirect(back, flash=_("Issued {n} unit(s) to the workshop.", n=qty_text(moved)))


@site_view(permission=Permission.WORKORDER_ISSUE)
async def give_back(page: Page, site: Location) -> Response:
    """Unused parts back from the car: into the bin and lot they were issued from, at issue cost."""
    work_order_id = object_id(page)
    back = f"/workorders/{work_order_id}"
    try:
        quantity = quantity_of(page.value("quantity"))
        async with page.write() as session:
            await issuing.return_work_order_parts(
                session,
                page.principal,
                issuing.ReturnParts(
                    work_order_id=work_order_id,
                    part_code=page.value("code")[:64],
                    quantity=quantity,
                    idempotency_key=page.idempotency_key,
                ),
            )
            await page.audit(
                session, "workshop.return_work_order_parts", target_type="WorkOrder", target_id=work_order_id
            )
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    return page.redirect(
        back, flash=_("Returned {qty} × {part} to stock.", qty=qty_text(quantity), part=page.value("code").upper())
    )
