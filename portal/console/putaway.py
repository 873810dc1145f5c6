"""QC and putaway: accept (or reject) what arrived in the site's QC bin, then put it away where
the suggestion says, confirmed by scanning the bin (a store without bins: the store's own label)."""

from __future__ import annotations

from decimal import Decimal

from starlette.responses import Response

from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.org.models import Location
from domain.purchasing import putaway as putaways
from domain.purchasing import qc
from portal.console import reads
from portal.console.common import message_of, names, object_id, optional_quantity, quantity_of, scan_error, site_view
from portal.web import NotFound, Page, _

ZERO = Decimal(0)


@site_view(permission=Permission.GOODS_RECEIVE)
async def putaway_home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        waiting = await reads.receipts_waiting(session, site)
        labels = await names(session, page.principal, page.lang, [r.part_id for r in waiting])
    return page.render("console/putaway.html", site=site, receipts=waiting, names=labels)


@site_view(permission=Permission.GOODS_RECEIVE)
async def receipt_page(page: Page, site: Location) -> Response:
    receipt_id = object_id(page)
    async with page.read() as session:
        try:
            receipt = await qc.receipt_in_scope(session, page.principal, receipt_id, lock=False)
        except DomainError:
            raise NotFound() from None
        waiting = receipt.accepted_qty - receipt.put_away_qty
        plan = await putaways.suggest_putaway(session, page.principal, receipt.id) if waiting > 0 else None
        labels = await names(session, page.principal, page.lang, [receipt.part_id], [receipt.site_id])
    pending = receipt.quantity - receipt.accepted_qty - receipt.rejected_qty
    first = plan.suggestions[0] if plan and plan.suggestions else None
    return page.render(
        "console/receipt.html",
        site=site,
        receipt=receipt,
        pending=pending,
        waiting=waiting,
        plan=plan,
        first=first,
        names=labels,
    )


@site_view(permission=Permission.GOODS_RECEIVE)
async def inspect(page: Page, site: Location) -> Response:
    """QC decision: accept all or part, reject the rest with a reason (rejects go back to the supplier)."""
    receipt_id = object_id(page)
    back = f"/putaway/{receipt_id}"
    try:
        accepted = optional_quantity(page.value("accepted"), "acceptedQuantity")
        rejected = optional_quantity(page.value("rejected"), "rejectedQuantity")
        async with page.write() as session:
            result = await qc.inspect_receipt(
                session,
                page.principal,
                receipt_id,
                accepted=accepted,
                rejected=rejected,
                reason=page.value("reason")[:2000] or None,
                idempotency_key=page.idempotency_key,
            )
            await page.audit(session, "purchasing.inspect_receipt", target_type="ReceiptLine", target_id=receipt_id)
    except DomainError as error:
        return page.redirect(back, flash=message_of(error), level="error")
    text = _(
        "Accepted {accepted}, rejected {rejected}.",
        accepted=f"{result.inspection.accepted_qty.normalize():f}",
        rejected=f"{result.inspection.rejected_qty.normalize():f}",
    )
    return page.redirect(back, flash=text)


@site_view(permission=Permission.GOODS_RECEIVE)
async def confirm(page: Page, site: Location) -> Response:
    """The scanned bin confirms the putaway (capacity and site are checked by the domain)."""
    receipt_id = object_id(page)
    back = f"/putaway/{receipt_id}"
    code = page.value("code")[:40]
    try:
        quantity = quantity_of(page.value("quantity"))
        async with page.write() as session:
            done = await putaways.confirm_putaway(
                session, page.principal, receipt_id, code, quantity, page.idempotency_key or ""
            )
            await page.audit(session, "purchasing.confirm_putaway", target_type="Putaway", target_id=done.putaway.id)
    except DomainError as error:
        return scan_error(page, error, back)
    left = done.receipt.accepted_qty - done.receipt.put_away_qty
    message = _("Put away {qty} in {bin}.", qty=f"{done.putaway.quantity.normalize():f}", bin=code.upper())
    return page.scan_result(True, message, redirect=back if left > ZERO else "/putaway")
