"""Replenishment proposals: the list (auto-approved, waiting for a buyer, rejected with the buyer's
comment, the order each one became), a draft pre-filled by the system from an agreement, editing
its lines and submitting it — domain.vmi.proposals with the supplier's principal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission
from domain.principal import Principal
from domain.purchasing import reads
from domain.purchasing.models import PurchaseOrder
from domain.vmi import proposals, shared_stock
from domain.vmi.models import ProposalStatus, VmiProposal, VmiProposalLine
from domain.vmi.proposals import ProposalLineInput
from domain.vmi.shared_stock import SharedStock
from portal.supplier.common import (
    MAX_ID,
    Names,
    cursor,
    field_errors,
    names,
    object_id,
    optional_date,
    optional_quantity,
    raise_all,
)
from portal.web import BadRequest, NotFound, Page, _, view

PAGE_SIZE = 20


@dataclass(frozen=True)
class EditRow:
    """An agreement of the proposal's site, with its line in the draft (if any)."""

    stock: SharedStock
    line: VmiProposalLine | None
    part_code: str
    part_name: str

    @property
    def key(self) -> str:
        return str(self.stock.agreement_id)


# ------------------------------------------------------------------------------------ the list


@view(permission=Permission.VMI)
async def index(page: Page) -> Response:
    before = cursor(page)
    status = page.value("status")
    statuses = [status] if status in {s.value for s in ProposalStatus} else None
    async with page.read() as session:
        found, has_next = await proposals.list_proposals(
            session, page.principal, statuses=statuses, first=PAGE_SIZE, before_id=before
        )
        lines = await proposals.proposal_lines(session, [p.id for p in found])
        ordered = await reads.orders_by_ids(session, [p.purchase_order_id for p in found if p.purchase_order_id])
        labels = await names(
            session, page.principal, [x.part_id for ls in lines.values() for x in ls], [p.location_id for p in found]
        )
    older = None
    if has_next and found:
        older = page.url(f"/proposals?before={found[-1].id}" + (f"&status={status}" if statuses else ""))
    return page.render(
        "supplier/proposals.html",
        proposals=found,
        lines=lines,
        orders=ordered,
        names=labels,
        older=older,
        status_filter=status if statuses else "",
        statuses=[s.value for s in ProposalStatus],
        first_page=before is None,
    )


# ------------------------------------------------------------------------------ draft and edit


@view(permission=Permission.VMI)
async def create(page: Page) -> Response:
    """A draft for one agreement, pre-filled with the system's suggestion (or the open one)."""
    raw = page.value("agreementId")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise BadRequest(_("Choose an agreement."))
    async with page.write() as session:
        result = await proposals.draft_proposal(session, page.principal, int(raw), idempotency_key=page.idempotency_key)
        if result.created:
            await page.audit(
                session,
                "vmi.draft_proposal",
                target_type="VmiProposal",
                target_id=result.view.proposal.id,
                after={"number": result.view.proposal.number, "agreement": int(raw)},
            )
    proposal = result.view.proposal
    if result.created:
        message = _(
            "Proposal {number} drafted with the suggested quantity. Check it and submit.", number=proposal.number
        )
        return page.redirect(f"/proposals/{proposal.id}", flash=message)
    return page.redirect(
        f"/proposals/{proposal.id}",
        flash=_("This agreement already has an open proposal: {number}.", number=proposal.number),
        level="info",
    )


async def _edit_rows(
    session: AsyncSession, principal: Principal, proposal: VmiProposal, lines: Sequence[VmiProposalLine], lang: str
) -> list[EditRow]:
    """Every active agreement of the supplier at the proposal's site, lines first."""
    stock = [s for s in await shared_stock.shared_stock(session, principal) if s.location_id == proposal.location_id]
    by_agreement = {line.agreement_id: line for line in lines}
    labels = await names(session, principal, [s.part_id for s in stock])
    rows = [
        EditRow(s, by_agreement.get(s.agreement_id), labels.part(s.part_id), labels.part_name(s.part_id, lang))
        for s in stock
    ]
    return sorted(rows, key=lambda r: (r.line is None, r.line.line_no if r.line else 0, r.part_code))


async def _load(page: Page, session: AsyncSession) -> proposals.ProposalView:
    found = await proposals.get_proposal(session, page.principal, object_id(page))
    if found is None:
        raise NotFound()
    return found


async def _render(page: Page, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    async with page.read() as session:
        view_ = await _load(page, session)
        proposal = view_.proposal
        rows = []
        if proposal.status == ProposalStatus.DRAFT:
            rows = await _edit_rows(session, page.principal, proposal, view_.lines, page.lang)
        labels: Names = await names(session, page.principal, [x.part_id for x in view_.lines], [proposal.location_id])
        order: PurchaseOrder | None = await proposals.purchase_order_of(session, proposal)
    return page.render(
        "supplier/proposal.html",
        status=status,
        proposal=proposal,
        lines=view_.lines,
        rows=rows,
        names=labels,
        order=order,
        errors=errors or {},
    )


@view(permission=Permission.VMI)
async def detail(page: Page) -> Response:
    if page.request.method == "GET":
        return await _render(page)
    pk = object_id(page)
    submit = page.value("action") == "submit"
    async with page.read() as session:
        view_ = await _load(page, session)
        rows = await _edit_rows(session, page.principal, view_.proposal, view_.lines, page.lang)
    used: list[EditRow] = []
    try:
        lines, used = _parse(page, rows)
        async with page.write() as session:
            # Saving the lines and submitting them is one use case for the supplier: one transaction.
            await proposals.update_proposal(session, page.principal, pk, lines=lines, comment=page.value("comment"))
            result = await proposals.submit_proposal(session, page.principal, pk) if submit else None
            await page.audit(
                session,
                "vmi.submit_proposal" if submit else "vmi.update_proposal",
                target_type="VmiProposal",
                target_id=pk,
                after={
                    "lines": [{"agreement": x.agreement_id, "quantity": str(x.quantity)} for x in lines],
                    "autoApproved": result.auto_approved if result else None,
                },
            )
    except DomainError as error:
        return await _render(page, _line_errors(error, rows, used), status=400)
    if result is None:
        return page.redirect(f"/proposals/{pk}", flash=_("Proposal saved."))
    number = result.view.proposal.number
    if result.auto_approved:
        message = _(
            "{number} is within the agreement and was approved automatically; the order is placed.", number=number
        )
    else:
        message = _("{number} is outside the agreement's bounds and waits for the buyer's decision.", number=number)
    return page.redirect(f"/proposals/{pk}", flash=message)


def _parse(page: Page, rows: Sequence[EditRow]) -> tuple[list[ProposalLineInput], list[EditRow]]:
    errors: list[DomainError] = []
    lines: list[ProposalLineInput] = []
    used: list[EditRow] = []
    for row in rows:
        try:
            qty = optional_quantity(page.value(f"qty-{row.key}"), row.stock.precision, f"qty-{row.key}")
            wanted = optional_date(page.value(f"date-{row.key}"), f"date-{row.key}")
        except DomainError as error:
            errors.append(error)
            continue
        if qty is None:
            continue
        used.append(row)
        lines.append(ProposalLineInput(row.stock.agreement_id, qty, wanted))
    raise_all(errors)
    if not lines and page.value("action") == "submit":
        raise DomainError(ErrorCode.INVALID_INPUT, "a proposal needs at least one line", ["lines"])
    return lines, used


_FIELDS = {"quantity": "qty", "requestedDate": "date", "agreementId": "qty"}


def _line_errors(error: DomainError, rows: Sequence[EditRow], used: Sequence[EditRow]) -> dict[str, str]:
    def line_key(path: list[str]) -> str | None:
        if path[1].isdigit() and int(path[1]) < len(used):
            return f"{_FIELDS.get(path[2], 'qty')}-{used[int(path[1])].key}"
        return None

    known = {"comment"} | {f"{kind}-{r.key}" for r in rows for kind in ("qty", "date")}
    return field_errors(error, line_key, known)


@view(permission=Permission.VMI)
async def cancel(page: Page) -> Response:
    pk = object_id(page)
    async with page.write() as session:
        view_ = await proposals.cancel_proposal(session, page.principal, pk, reason=page.value("reason") or None)
        await page.audit(session, "vmi.cancel_proposal", target_type="VmiProposal", target_id=pk)
    return page.redirect(f"/proposals/{pk}", flash=_("Proposal {number} withdrawn.", number=view_.proposal.number))
