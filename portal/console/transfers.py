"""Transfers between sites: the site's open transfers, shipping by scanning the lines (the scanned
list is a draft until the shipment is confirmed), and receiving a shipment with what arrived."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from domain.catalog import service as catalog
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission
from domain.org.models import Location
from domain.transfers import queries, receiving, shipping
from domain.transfers.models import ShipmentStatus, TransferStatus
from domain.transfers.service import PartQuantity
from portal.console import drafts
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

ZERO = Decimal(0)
SHIPPABLE = (TransferStatus.APPROVED.value, TransferStatus.PARTIALLY_SHIPPED.value)
OPEN = [
    TransferStatus.REQUESTED.value,
    TransferStatus.APPROVED.value,
    TransferStatus.PARTIALLY_SHIPPED.value,
    TransferStatus.SHIPPED.value,
    TransferStatus.PARTIALLY_RECEIVED.value,
]


@site_view(permission=Permission.TRANSFER_REQUEST)
async def transfers_home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        found, _more = await queries.list_transfers(
            session, page.principal, location_code=site.code, statuses=OPEN, first=100
        )
        labels = await names(
            session, page.principal, page.lang, [], [x for o in found for x in (o.from_site_id, o.to_site_id)]
        )
    to_ship = [o for o in found if o.from_site_id == site.id and o.status in SHIPPABLE]
    to_receive = [
        o
        for o in found
        if o.to_site_id == site.id
        and o.status in (TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED, TransferStatus.PARTIALLY_SHIPPED)
    ]
    listed = {o.id for o in to_ship + to_receive}
    return page.render(
        "console/transfers.html",
        site=site,
        to_ship=to_ship,
        to_receive=to_receive,
        others=[o for o in found if o.id not in listed],
        names=labels,
    )


async def _context(page: Page, site: Location, transfer_id: int) -> dict[str, Any]:
    async with page.read() as session:
        order = await queries.get_transfer(session, page.principal, transfer_id)
        lines = (await queries.lines_by_transfer_ids(session, [order.id])).get(order.id, [])
        shipments = (await queries.shipments_by_transfer_ids(session, [order.id])).get(order.id, [])
        location_ids = [order.from_site_id, order.to_site_id] + [x.from_location_id for _, ls in shipments for x in ls]
        labels = await names(session, page.principal, page.lang, [x.part_id for x in lines], location_ids)
    draft = await drafts.load(page, "ship", f"transfer:{order.id}")
    shipment_parts: dict[int, list[tuple[str, Decimal]]] = {}
    for shipment, shipment_lines in shipments:
        totals: dict[str, Decimal] = {}
        for x in shipment_lines:
            code = labels.part(x.part_id)
            totals[code] = totals.get(code, ZERO) + x.quantity
        shipment_parts[shipment.id] = sorted(totals.items())
    return {
        "site": site,
        "order": order,
        "lines": lines,
        "shipments": shipments,
        "in_transit": [(s, ls) for s, ls in shipments if s.status == ShipmentStatus.IN_TRANSIT],
        "names": labels,
        "draft": draft,
        "shipment_parts": shipment_parts,
        "may_ship": order.from_site_id == site.id and order.status in SHIPPABLE,
        "may_receive": order.to_site_id == site.id,
    }


@site_view(permission=Permission.TRANSFER_REQUEST)
async def transfer_page(page: Page, site: Location) -> Response:
    return page.render("console/transfer.html", **await _context(page, site, object_id(page)))


@site_view(permission=Permission.TRANSFER_REQUEST)
async def ship_scan(page: Page, site: Location) -> Response:
    """Add a scanned part to the shipment draft (checked against what is left to ship)."""
    transfer_id = object_id(page)
    try:
        context = await _context(page, site, transfer_id)
        if not context["may_ship"]:
            raise DomainError(ErrorCode.INVALID_STATE, "this transfer is not waiting to be shipped from here")
        scanned = page.value("code")[:64]
        quantity = quantity_of(page.value("quantity"), default="1")
        async with page.read() as session:
            found = await catalog.part_by_code(session, scanned, page.principal) or await catalog.part_by_barcode(
                session, scanned, page.principal
            )
        line = next((x for x in context["lines"] if found is not None and x.part_id == found.id), None)
        if found is None or line is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{scanned} is not on this transfer", ["code"])
        draft: drafts.Draft = context["draft"]
        left = line.quantity - line.shipped - draft.quantity_of(found.code)
        if quantity <= 0 or quantity > left:
            raise DomainError(
                ErrorCode.INVALID_QUANTITY, f"only {qty_text(left)} of {found.code} are left to ship", ["quantity"]
            )
        draft.add(found.code, quantity)
    except DomainError as error:
        return scan_error(page, error, f"/transfers/{transfer_id}")
    html = partial(page, "console/_ship_draft.html", **context)
    message = _("Scanned {qty} × {part}", qty=qty_text(quantity), part=found.code)
    response = page.scan_result(
        True, message, html=html, redirect=None if page.is_scan else f"/transfers/{transfer_id}"
    )
    await drafts.save(page, response, draft)
    return response


@site_view(permission=Permission.TRANSFER_REQUEST)
async def ship(page: Page, site: Location) -> Response:
    """Ship the scanned lines (or everything still open): source bins → transit, one posting."""
    transfer_id = object_id(page)
    back = f"/transfers/{transfer_id}"
    draft = await drafts.load(page, "ship", f"transfer:{transfer_id}")
    everything = page.value("all") == "1"
    if not everything and not draft.items:
        return page.redirect(back, flash=_("Scan the parts you are shipping first."), level="error")
    items = None if everything else [shipping.ShipItem(i.code, i.quantity) for i in draft.items]
    try:
        async with page.write() as session:
            result = await shipping.ship_transfer(
                session,
                page.principal,
                shipping.ShipTransfer(
                    transfer_order_id=transfer_id,
                    items=items,
                    final=page.value("final") == "1",
                    idempotency_key=page.idempotency_key,
                ),
            )
            await page.audit(session, "transfers.ship_transfer", target_type="TransferOrder", target_id=transfer_id)
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    response = page.redirect(
        back,
        flash=_(
            "Shipment {n} of {number} is on its way.", n=result.shipment.shipment_no, number=result.transfer.number
        ),
    )
    drafts.clear(page, response, "ship")
    return response


@site_view(permission=Permission.TRANSFER_REQUEST)
async def clear_draft(page: Page, site: Location) -> Response:
    response = page.redirect(f"/transfers/{object_id(page)}", flash=_("The scanned list was cleared."), level="info")
    drafts.clear(page, response, "ship")
    return response


@site_view(permission=Permission.TRANSFER_REQUEST)
async def receive(page: Page, site: Location) -> Response:
    """Book in one shipment: what arrived per part; less than shipped is kept as a discrepancy."""
    transfer_id = object_id(page)
    back = f"/transfers/{transfer_id}"
    form = page.form
    parts = [str(v)[:40] for v in form.getlist("part")] if form is not None else []
    arrived = [str(v) for v in form.getlist("arrived")] if form is not None else []
    number = page.value("shipment")
    try:
        items = [
            PartQuantity(code, quantity_of(qty, "quantity", default="0"))
            for code, qty in zip(parts, arrived, strict=False)
        ]
        async with page.write() as session:
            result = await receiving.receive_transfer(
                session,
                page.principal,
                receiving.ReceiveTransfer(
                    transfer_order_id=transfer_id,
                    shipment_no=int(number) if number.isdigit() and int(number) < 10_000 else None,
                    items=items or None,
                    note=page.value("note")[:1000] or None,
                    idempotency_key=page.idempotency_key,
                ),
            )
            await page.audit(session, "transfers.receive_transfer", target_type="TransferOrder", target_id=transfer_id)
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    short = [x for x in await _shipment_lines(page, transfer_id, result.shipment.id) if x.discrepancy > 0]
    if short:
        return page.redirect(
            back, flash=_("Received with a discrepancy: {n} line(s) arrived short.", n=len(short)), level="warning"
        )
    return page.redirect(back, flash=_("Shipment {n} received.", n=result.shipment.shipment_no))


async def _shipment_lines(page: Page, transfer_id: int, shipment_id: int) -> list[Any]:
    async with page.read() as session:
        shipments = (await queries.shipments_by_transfer_ids(session, [transfer_id])).get(transfer_id, [])
    return next((lines for s, lines in shipments if s.id == shipment_id), [])
