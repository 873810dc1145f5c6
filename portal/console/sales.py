"""Counter sales: a cart filled by scanning, the price and the discount (the domain refuses more
than the seller's role may give), payment and reference, walk-in or trade account; the receipt;
returns against the receipt within the return window.

The cart is a signed draft in the browser (`drafts`); nothing is sold until checkout, which is one
call of `create_counter_sale` (all lines, one ledger posting, or nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from domain.catalog import service as catalog
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission
from domain.org.models import Location, LocationKind
from domain.sales import policy as sales_policy
from domain.sales import reads as sales_reads
from domain.sales import returns as sales_returns
from domain.sales import selling
from domain.sales.accounts import trade_account_by_id
from domain.sales.common import today
from domain.sales.models import PaymentMethod
from domain.sales.pricing import price_line
from domain.sales.settings import get_sales_settings
from portal.console import drafts
from portal.console.common import (
    message_of,
    names,
    partial,
    qty_text,
    quantity_of,
    scan_error,
    site_view,
)
from portal.web import NotFound, Page, _, form_errors

ZERO = Decimal(0)
PAYMENT_LABELS = {
    PaymentMethod.CASH.value: "Cash",
    PaymentMethod.CARD.value: "Bank card",
    PaymentMethod.WECHAT_PAY.value: "WeChat Pay",
    PaymentMethod.ALIPAY.value: "Alipay",
    PaymentMethod.ACCOUNT.value: "On account",
}


def _cart_context(site: Location) -> str:
    return f"sale:{site.code}"


def sale_path(number: str) -> str:
    return "/sales/" + quote(number, safe="")


async def _cart_view(page: Page, site: Location, draft: drafts.Draft) -> dict[str, Any]:
    """The cart priced at list price (and the line's discount), as the sale will price it."""
    vat = get_sales_settings().vat_rate
    async with page.read() as session:
        parts = {}
        for item in draft.items:
            found = await catalog.part_by_code(session, item.code, page.principal)
            if found is not None:
                parts[item.code] = found
    lines: list[dict[str, Any]] = []
    total = ZERO
    for n, item in enumerate(draft.items):
        part = parts.get(item.code)
        price = part.sale_price if part is not None and part.sale_price else None
        line = price_line(item.quantity, price, item.discount_pct or ZERO, vat) if price is not None else None
        lines.append({"n": n, "item": item, "part": part, "price": price, "line": line})
        total += line.total if line is not None else ZERO
    return {"site": site, "cart": lines, "cart_total": total, "draft": draft}


def _must_be_store(site: Location) -> None:
    if site.kind != LocationKind.STORE:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{site.code} is not a store; counter sales are made at stores")


@site_view(permission=Permission.SALES_SELL)
async def sell(page: Page, site: Location) -> Response:
    draft = await drafts.load(page, "cart", _cart_context(site))
    context = await _cart_view(page, site, draft)
    return page.render("console/sell.html", **context, **_checkout_defaults(page, site), errors={})


def _checkout_defaults(page: Page, site: Location) -> dict[str, Any]:
    return {
        "payments": [(value, _(label)) for value, label in PAYMENT_LABELS.items()],
        "limit": sales_policy.discount_limit(page.principal, site.path),
        "is_store": site.kind == LocationKind.STORE,
    }


@site_view(permission=Permission.SALES_SELL)
async def cart_scan(page: Page, site: Location) -> Response:
    """Add a scanned part to the cart (a known part with a list price; stock is checked at checkout)."""
    draft = await drafts.load(page, "cart", _cart_context(site))
    scanned = page.value("code")[:64]
    try:
        _must_be_store(site)
        quantity = quantity_of(page.value("quantity"), default="1")
        if quantity <= 0:
            raise DomainError(ErrorCode.INVALID_QUANTITY, "quantity must be greater than zero", ["quantity"])
        async with page.read() as session:
            part = await catalog.part_by_code(session, scanned, page.principal) or await catalog.part_by_barcode(
                session, scanned, page.principal
            )
        if part is None:
            raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with code or barcode {scanned!r}", ["code"])
        if not part.sale_price:
            raise DomainError(ErrorCode.INVALID_STATE, f"{part.code} has no list price", ["code"])
        draft.add(part.code, quantity)
    except DomainError as error:
        return scan_error(page, error, "/sell")
    context = await _cart_view(page, site, draft)
    html = partial(page, "console/_cart.html", **context)
    response = page.scan_result(
        True,
        _("Added {qty} × {part}", qty=qty_text(quantity), part=part.code),
        html=html,
        redirect=None if page.is_scan else "/sell",
    )
    await drafts.save(page, response, draft)
    return response


@site_view(permission=Permission.SALES_SELL)
async def cart_remove(page: Page, site: Location) -> Response:
    draft = await drafts.load(page, "cart", _cart_context(site))
    line = page.value("line")
    if line.isdigit() and int(line) < len(draft.items):
        del draft.items[int(line)]
    elif page.value("all") == "1":
        draft.items.clear()
    response = page.redirect("/sell")
    await drafts.save(page, response, draft)
    return response


@site_view(permission=Permission.SALES_SELL)
async def checkout(page: Page, site: Location) -> Response:
    """Sell the cart: one domain call; an error (discount over the limit, short stock, missing
    payment reference) shows on the form and nothing is sold."""
    draft = await drafts.load(page, "cart", _cart_context(site))
    if not draft.items:
        return page.redirect("/sell", flash=_("The cart is empty: scan a part first."), level="error")
    account = page.value("account")[:40]
    try:
        discount = page.value("discount")
        command = selling.NewCounterSale(
            store_code=site.code,
            lines=[selling.SaleLineInput(part=i.code, quantity=i.quantity) for i in draft.items],
            payment_method=page.value("payment") or PaymentMethod.CASH.value,
            idempotency_key=page.idempotency_key or "",
            payment_reference=page.value("reference")[:120] or None,
            trade_account_code=account or None,
            customer_name=page.value("customer")[:200] or None,
            customer_phone=page.value("phone")[:40] or None,
            discount_pct=quantity_of(discount, "discountPct") if discount else None,
            note=page.value("note")[:2000] or None,
        )
        async with page.write() as session:
            result = await selling.create_counter_sale(session, page.principal, command)
            await page.audit(session, "sales.create_counter_sale", target_type="CounterSale", target_id=result.sale.id)
    except DomainError as error:
        context = await _cart_view(page, site, draft)
        errors = form_errors(error)
        summary = message_of(error)
        return page.render(
            "console/sell.html",
            status=400,
            **context,
            **_checkout_defaults(page, site),
            errors=errors,
            error_summary=summary,
        )
    response = page.redirect(
        sale_path(result.sale.number), flash=_("Sale {number} completed.", number=result.sale.number)
    )
    drafts.clear(page, response, "cart")
    return response


async def _sale_context(page: Page, site: Location, number: str) -> dict[str, Any]:
    async with page.read() as session:
        sale = await sales_reads.sale_by_number(session, page.principal, number)
        if sale is None:
            raise NotFound()
        lines = (await sales_reads.lines_of(session, [sale.id])).get(sale.id, [])
        returns = (await sales_reads.returns_of(session, [sale.id])).get(sale.id, [])
        labels = await names(session, page.principal, page.lang, [x.part_id for x in lines], [sale.store_id])
        account = None
        if sale.trade_account_id is not None:
            account = await trade_account_by_id(session, page.principal, sale.trade_account_id)
    store_path = labels.locations[sale.store_id].path if sale.store_id in labels.locations else ""
    window = get_sales_settings().return_window_days
    return {
        "site": site,
        "sale": sale,
        "lines": lines,
        "returns": returns,
        "names": labels,
        "account": account,
        "payment_label": _(PAYMENT_LABELS.get(sale.payment_method, sale.payment_method)),
        "returnable": [x for x in lines if x.quantity > x.returned],
        "window_ends": sale.business_day + timedelta(days=window),
        "window_open": today() <= sale.business_day + timedelta(days=window),
        "may_override": sales_policy.can_override_window(page.principal, store_path),
        "payments": [(value, _(label)) for value, label in PAYMENT_LABELS.items()],
    }


@site_view(permission=Permission.SALES_READ)
async def receipt(page: Page, site: Location) -> Response:
    context = await _sale_context(page, site, str(page.params.get("number", ""))[:64])
    return page.render("console/sale.html", **context, errors={})


@site_view(permission=Permission.SALES_SELL)
async def take_return(page: Page, site: Location) -> Response:
    number = str(page.params.get("number", ""))[:64]
    form = page.form
    wanted = []
    try:
        for value in form.getlist("line") if form is not None else []:
            line_no = str(value)
            raw = page.value(f"qty_{line_no}")
            if line_no.isdigit() and len(line_no) < 5 and raw:
                qty = quantity_of(raw, "quantity")
                if qty > 0:
                    wanted.append(sales_returns.ReturnLineInput(int(line_no), qty))
        if not wanted:
            raise DomainError(ErrorCode.INVALID_INPUT, "enter the quantity coming back", ["lines"])
        async with page.write() as session:
            result = await sales_returns.return_counter_sale(
                session,
                page.principal,
                sales_returns.NewSaleReturn(
                    sale_number=number,
                    lines=wanted,
                    reason=page.value("reason")[:1000],
                    idempotency_key=page.idempotency_key or "",
                    refund_method=page.value("refund") or None,
                    refund_reference=page.value("refund_reference")[:120] or None,
                    override_window=page.value("override") == "1",
                ),
            )
            await page.audit(
                session, "sales.return_counter_sale", target_type="CounterSaleReturn", target_id=result.sale_return.id
            )
    except DomainError as error:
        if error.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            raise
        context = await _sale_context(page, site, number)
        return page.render(
            "console/sale.html", status=400, **context, errors=form_errors(error), error_summary=message_of(error)
        )
    return page.redirect(
        sale_path(number),
        flash=_(
            "Return {number} taken: refund {amount}.",
            number=result.sale_return.number,
            amount=f"¥{result.sale_return.total:,.2f}",
        ),
    )


@site_view(permission=Permission.SALES_READ)
async def sales_today(page: Page, site: Location) -> Response:
    day = today()
    async with page.read() as session:
        found, _more = await sales_reads.list_counter_sales(
            session, page.principal, store_code=site.code, start=day, end=day, first=100
        )
        figures = []
        if site.kind == LocationKind.STORE:
            figures = await sales_reads.daily_sales(
                session, page.principal, store_code=site.code, start=day - timedelta(days=6), end=day
            )
    return page.render("console/sales.html", site=site, sales=found, figures=figures, day=day)
