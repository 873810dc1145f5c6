"""Receiving at the dock: pick an open purchase order or ship notice (or scan its label), scan the
parts with their quantities, see what is over, short or unknown, close the session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.org.models import Location
from domain.purchasing import orders, receiving
from domain.purchasing.models import ReceiptScan, ScanStatus
from domain.purchasing.reads import scans_by_session
from portal.console import reads
from portal.console.common import (
    message_of,
    names,
    object_id,
    optional_quantity,
    partial,
    qty_text,
    scan_error,
    site_view,
)
from portal.web import NotFound, Page, _

# What a held scan means to the person at the dock.
HOLD_TEXT = {
    "UNKNOWN_BARCODE": "Unknown part",
    "NOT_ON_ORDER": "Not on order",
    "WRONG_ITEM": "Wrong item",
    "OVER_RECEIPT": "Over-delivery",
    "SHORT_RECEIPT": "Short delivery",
}


@site_view(permission=Permission.GOODS_RECEIVE)
async def receive_home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        orders = await reads.orders_to_receive(session, page.principal, site)
        notices = await reads.notices_to_receive(session, page.principal, site)
        open_sessions = await reads.open_receiving_sessions(session, site)
        part_ids = [x.part_id for o in orders for x in o.lines] + [p for n in notices for p in n.part_ids.values()]
        labels = await names(session, page.principal, page.lang, part_ids)
    return page.render(
        "console/receive.html",
        site=site,
        orders=orders,
        notices=notices,
        open_sessions=open_sessions,
        names=labels,
    )


@site_view(permission=Permission.GOODS_RECEIVE)
async def start(page: Page, site: Location) -> Response:
    """Open a receiving session at the site, for a purchase order, a ship notice, or a scanned
    ship-notice label / order number."""
    scanned = page.value("code")[:64]
    notice = page.value("notice")[:64]
    po_id = page.value("po")
    try:
        async with page.read() as session:
            if scanned and not notice:
                order = await _order_by_number(session, page, scanned, site)
                if order is not None:
                    po_id = str(order.order.id)
                else:
                    notice = scanned
        async with page.write() as session:
            opened = await receiving.start_receiving(session, page.principal, site.code, notice or None)
            await page.audit(session, "purchasing.start_receiving", target_type="ReceivingSession", target_id=opened.id)
    except DomainError as error:
        return scan_error(page, error, "/receive")
    target = f"/receive/sessions/{opened.id}" + (f"?po={int(po_id)}" if po_id.isdigit() else "")
    return page.scan_result(True, _("Receiving session {number} started.", number=opened.number), redirect=target)


async def _order_by_number(
    session: AsyncSession, page: Page, number: str, site: Location
) -> reads.OrderToReceive | None:
    order = await orders.get_purchase_order(session, page.principal, number=number)
    if order is None:
        return None
    return await reads.order_for_site(session, page.principal, order.id, site)


async def _session_view(page: Page, site: Location, session_id: int) -> dict[str, Any]:
    """Everything the session page (and each scan's answer) shows."""
    async with page.read() as session:
        rs = await receiving.get_receiving_session(session, page.principal, session_id)
        if rs is None:
            raise NotFound()
        scans = (await scans_by_session(session, [rs.id])).get(rs.id, [])
        order = None
        po = page.request.query_params.get("po", "")
        if po.isdigit() and int(po) < 2**31:
            order = await reads.order_for_site(session, page.principal, int(po), site)
        notice = None
        if rs.ship_notice_id is not None:
            notice = await reads.notice_for_site(session, page.principal, rs.ship_notice_id, site)
        part_ids = [s.part_id for s in scans if s.part_id] + [x.part_id for x in (order.lines if order else [])]
        if notice is not None:
            part_ids += list(notice.part_ids.values())
        labels = await names(session, page.principal, page.lang, part_ids)
    return {
        "site": site,
        "rs": rs,
        "scans": sorted(scans, key=lambda s: -s.id),
        "order": order,
        "notice": notice,
        "names": labels,
        "hold_text": HOLD_TEXT,
        "po": po if order is not None else "",
    }


@site_view(permission=Permission.GOODS_RECEIVE)
async def session_page(page: Page, site: Location) -> Response:
    context = await _session_view(page, site, object_id(page))
    return page.render("console/receive_session.html", **context)


def _scan_message(scan: ReceiptScan, part_code: str) -> tuple[bool, str]:
    if scan.status == ScanStatus.HELD:
        what = _(HOLD_TEXT.get(scan.hold_code or "", "Held"))
        return False, f"{what}: {_(scan.hold_reason or '')}"
    if scan.status == ScanStatus.ATTACHED:
        return True, _("Ship notice attached: scan its parts now.")
    return True, _("Received {qty} × {part}", qty=qty_text(scan.quantity), part=part_code)


@site_view(permission=Permission.GOODS_RECEIVE)
async def scan(page: Page, site: Location) -> Response:
    session_id = object_id(page)
    po = page.request.query_params.get("po", "")
    back = f"/receive/sessions/{session_id}" + (f"?po={po}" if po.isdigit() else "")
    try:
        quantity = optional_quantity(page.value("quantity"))
        async with page.write() as session:
            result = await receiving.scan_receipt(
                session,
                page.principal,
                receiving.ScanCommand(
                    session_id=session_id,
                    barcode=page.value("code")[:120],
                    quantity=quantity,
                    idempotency_key=page.idempotency_key or "",
                    lot_no=page.value("lot")[:64],
                ),
            )
            await page.audit(session, "purchasing.scan_receipt", target_type="ReceiptScan", target_id=result.scan.id)
    except DomainError as error:
        return scan_error(page, error, back)
    context = await _session_view(page, site, session_id)
    code = context["names"].part(result.scan.part_id) if result.scan.part_id else result.scan.barcode
    ok, message = _scan_message(result.scan, code)
    html = partial(page, "console/_receive_lines.html", **context)
    return page.scan_result(ok, message, html=html, redirect=None if page.is_scan else back)


@site_view(permission=Permission.GOODS_RECEIVE)
async def close(page: Page, site: Location) -> Response:
    session_id = object_id(page)
    try:
        async with page.write() as session:
            rs, holds = await receiving.close_receiving_session(session, page.principal, session_id)
            await page.audit(
                session, "purchasing.close_receiving_session", target_type="ReceivingSession", target_id=rs.id
            )
    except DomainError as error:
        return page.redirect(f"/receive/sessions/{session_id}", flash=message_of(error), level="error")
    if holds:
        text = _(
            "Session {number} closed: {n} line(s) arrived short and wait for a decision.",
            number=rs.number,
            n=len(holds),
        )
        return page.redirect(f"/receive/sessions/{session_id}", flash=text, level="warning")
    return page.redirect(
        "/putaway", flash=_("Session {number} closed. Inspect and put away the goods.", number=rs.number)
    )
