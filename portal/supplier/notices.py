"""Ship notices: the supplier's list, a notice against its open order lines (carrier, tracking
number, quantities, lots), the notice page with its barcode and QR, and the label sheet (PDF or
ZPL) that receiving scans at the dock. Everything goes through domain.purchasing.ship_notices with
the supplier's principal: another supplier's notice is "not found"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.principal import Principal
from domain.purchasing import orders, reads, ship_notices
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, ShipNotice, ShipNoticeLine
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput
from integrations.labels import A4_2X7, LabelData, ZplLayout, code128_svg, labels_zpl, part_labels_pdf, qr_svg
from portal.supplier.common import (
    Names,
    cursor,
    field_errors,
    names,
    object_id,
    optional_date,
    optional_quantity,
    raise_all,
)
from portal.web import NotFound, Page, _, view

OPEN_FOR_SHIPPING = [PurchaseOrderStatus.SENT.value, PurchaseOrderStatus.PARTIALLY_RECEIVED.value]
MAX_ORDERS = 100
PAGE_SIZE = 20


@dataclass(frozen=True)
class OpenLine:
    """An order line the supplier may still ship against."""

    order: PurchaseOrder
    line: PurchaseOrderLine
    part_code: str
    part_name: str
    site: str
    open_qty: Decimal
    precision: int

    @property
    def key(self) -> str:
        return str(self.line.id)


@dataclass(frozen=True)
class NoticeLineRow:
    line: ShipNoticeLine
    po_number: str
    po_line_no: int
    part_code: str
    part_name: str
    part_name_zh: str
    part_name_en: str
    site: str


async def open_lines(session: AsyncSession, principal: Principal, lang: str) -> list[OpenLine]:
    """Open lines of the orders the supplier may see (sent or partly received), oldest order first."""
    found, _more = await orders.list_purchase_orders(session, principal, statuses=OPEN_FOR_SHIPPING, first=MAX_ORDERS)
    by_order = await reads.lines_by_order(session, [o.id for o in found])
    lines = [(o, line) for o in reversed(found) for line in by_order[o.id] if not line.closed]
    labels = await names(
        session, principal, [ln.part_id for _o, ln in lines], [ln.destination_site_id for _o, ln in lines]
    )
    return [
        OpenLine(
            order=o,
            line=ln,
            part_code=labels.part(ln.part_id),
            part_name=labels.part_name(ln.part_id, lang),
            site=labels.site(ln.destination_site_id),
            open_qty=max(ln.quantity - ln.shipped_qty, Decimal(0)),
            precision=labels.parts[ln.part_id].uom_precision if ln.part_id in labels.parts else 0,
        )
        for o, ln in lines
    ]


async def notice_rows(
    session: AsyncSession, principal: Principal, notice: ShipNotice, lang: str
) -> list[NoticeLineRow]:
    """The lines of a notice the caller already fetched through `get_ship_notice`."""
    lines = (await reads.notice_lines_by_notice(session, [notice.id]))[notice.id]
    po_lines = await reads.order_lines_by_ids(session, [ln.po_line_id for ln in lines])
    po = await reads.orders_by_ids(session, list({pl.purchase_order_id for pl in po_lines.values()}))
    labels: Names = await names(
        session,
        principal,
        [pl.part_id for pl in po_lines.values()],
        [pl.destination_site_id for pl in po_lines.values()],
    )
    rows = []
    for ln in lines:
        pl = po_lines[ln.po_line_id]
        part = labels.parts.get(pl.part_id)
        rows.append(
            NoticeLineRow(
                line=ln,
                po_number=po[pl.purchase_order_id].number,
                po_line_no=pl.line_no,
                part_code=labels.part(pl.part_id),
                part_name=labels.part_name(pl.part_id, lang),
                part_name_zh=part.name_zh if part else "",
                part_name_en=part.name_en if part else "",
                site=labels.site(pl.destination_site_id),
            )
        )
    return rows


# ------------------------------------------------------------------------------------ the list


@view(permission=Permission.ASN_SUBMIT)
async def index(page: Page) -> Response:
    before = cursor(page)
    async with page.read() as session:
        notices, has_next = await ship_notices.list_ship_notices(
            session, page.principal, first=PAGE_SIZE, before_id=before
        )
    older = page.url(f"/notices?before={notices[-1].id}") if has_next and notices else None
    return page.render("supplier/notices.html", notices=notices, older=older, first_page=before is None)


# ----------------------------------------------------------------------------------- creating


def _parse(form_value: Callable[[str], str], rows: Sequence[OpenLine]) -> tuple[ShipNoticeInput, list[OpenLine]]:
    """The notice command from the form: one line per open order line with a quantity."""
    errors: list[DomainError] = []
    lines: list[ShipNoticeLineInput] = []
    used: list[OpenLine] = []
    for row in rows:
        try:
            qty = optional_quantity(form_value(f"qty-{row.key}"), row.precision, f"qty-{row.key}")
            expiry = optional_date(form_value(f"expiry-{row.key}"), f"expiry-{row.key}")
        except DomainError as error:
            errors.append(error)
            continue
        if qty is None:
            continue
        used.append(row)
        lines.append(
            ShipNoticeLineInput(
                purchase_order_number=row.order.number,
                line_no=row.line.line_no,
                quantity=qty,
                lot_no=form_value(f"lot-{row.key}"),
                expiry_date=expiry,
            )
        )
    try:
        shipped_on = optional_date(form_value("shippedOn"), "shippedOn")
    except DomainError as error:
        errors.append(error)
        shipped_on = None
    try:
        expected = optional_date(form_value("expectedArrival"), "expectedArrival")
    except DomainError as error:
        errors.append(error)
        expected = None
    raise_all(errors)
    cmd = ShipNoticeInput(
        number=form_value("number"),
        lines=lines,
        carrier=form_value("carrier") or None,
        tracking_number=form_value("trackingNumber") or None,
        shipped_on=shipped_on,
        expected_arrival=expected,
    )
    return cmd, used


_LINE_FIELDS = {
    "quantity": "qty",
    "lotNo": "lot",
    "expiryDate": "expiry",
    "lineNo": "qty",
    "purchaseOrderNumber": "qty",
}


HEAD_FIELDS = {"number", "carrier", "trackingNumber", "shippedOn", "expectedArrival"}


def notice_errors(error: DomainError, rows: Sequence[OpenLine], used: Sequence[OpenLine]) -> dict[str, str]:
    """A line error (`lines.<n>.quantity`) lands on the input of the order line the n-th notice
    line came from."""

    def line_key(path: list[str]) -> str | None:
        if path[1].isdigit() and int(path[1]) < len(used):
            return f"{_LINE_FIELDS.get(path[2], 'qty')}-{used[int(path[1])].key}"
        return None

    known = HEAD_FIELDS | {f"{kind}-{r.key}" for r in rows for kind in ("qty", "lot", "expiry")}
    return field_errors(error, line_key, known)


@view(permission=Permission.ASN_SUBMIT)
async def create(page: Page) -> Response:
    po_filter = page.value("po").upper()
    async with page.read() as session:
        rows = await open_lines(session, page.principal, page.lang)
    all_orders = sorted({r.order.number for r in rows})
    if po_filter:
        rows = [r for r in rows if r.order.number == po_filter]
    if page.request.method == "GET":
        return _form(page, rows, {}, po_filter, all_orders)
    used: list[OpenLine] = []
    try:
        cmd, used = _parse(page.value, rows)
        async with page.write() as session:
            created = await ship_notices.create_ship_notice(session, page.principal, cmd)
            await page.audit(
                session,
                "purchasing.create_ship_notice",
                target_type="ShipNotice",
                target_id=created.notice.id,
                after={"number": created.notice.number, "label": created.notice.label, "lines": len(created.lines)},
            )
    except DomainError as error:
        return _form(page, rows, notice_errors(error, rows, used), po_filter, all_orders, status=400)
    return page.redirect(
        f"/notices/{created.notice.id}",
        flash=_(
            "Ship notice {number} created. Print the label and stick it on the shipment.",
            number=created.notice.number,
        ),
    )


def _form(
    page: Page, rows: list[OpenLine], errors: dict[str, str], po_filter: str, orders_: list[str], status: int = 200
) -> Response:
    return page.render(
        "supplier/notice_form.html", status=status, rows=rows, errors=errors, po_filter=po_filter, orders=orders_
    )


# ------------------------------------------------------------------------ the notice and labels


async def _notice(page: Page) -> tuple[ShipNotice, list[NoticeLineRow]]:
    pk = object_id(page)
    async with page.read() as session:
        notice = await ship_notices.get_ship_notice(session, page.principal, pk)
        if notice is None:
            raise NotFound()
        return notice, await notice_rows(session, page.principal, notice, page.lang)


@view(permission=Permission.ASN_SUBMIT)
async def detail(page: Page) -> Response:
    notice, rows = await _notice(page)
    return page.render(
        "supplier/notice.html",
        notice=notice,
        rows=rows,
        barcode=Markup(code128_svg(notice.label, module_mm=None)),
        qr=Markup(qr_svg(notice.label, module_mm=None)),
    )


def labels_of(notice: ShipNotice, rows: Sequence[NoticeLineRow]) -> list[LabelData]:
    """The shipment label (the notice's code: receiving scans it to start) and one label per line
    (scanned per carton). Codes are ASCII, so Code 128 carries them as printed."""
    shipment = LabelData(
        code=notice.label,
        name_zh=f"送货单 {notice.number}",
        name_en=f"Ship notice {notice.number}",
        detail=" ".join(x for x in (notice.carrier, notice.tracking_number) if x) or None,
        qr=notice.label,
    )
    lines = [
        LabelData(
            code=row.line.label,
            name_zh=row.part_name_zh or row.part_code,
            name_en=row.part_name_en or None,
            detail=" · ".join(
                x
                for x in (row.part_code, f"{row.po_number}/{row.po_line_no}", _qty(row.line.quantity), row.line.lot_no)
                if x
            ),
            qr=row.line.label,
        )
        for row in rows
    ]
    return [shipment, *lines]


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


@view(permission=Permission.ASN_SUBMIT)
async def label_pdf(page: Page) -> Response:
    notice, rows = await _notice(page)
    body = await run_in_threadpool(part_labels_pdf, labels_of(notice, rows), A4_2X7)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{notice.label}.pdf"'},
    )


@view(permission=Permission.ASN_SUBMIT)
async def label_zpl(page: Page) -> Response:
    notice, rows = await _notice(page)
    return Response(
        labels_zpl(labels_of(notice, rows), ZplLayout(dpi=203)),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{notice.label}.zpl"'},
    )
