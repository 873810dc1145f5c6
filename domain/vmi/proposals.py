"""Supplier replenishment proposals: draft (pre-filled from the agreement's levels), edit, submit,
decide, and the purchase order an approved proposal becomes.

Statuses: draft → submitted → approved → ordered, or rejected / cancelled. On submit every line is
checked against its agreement under a lock of the agreements (so two proposals cannot both fill
the same room): when each line is positive and keeps position + quantity within the maximum, the
agreement is the standing approval and the order is placed at once; otherwise a buyer of the site
decides. Submitting twice is harmless (the second answer is the first's outcome), and a proposal
has at most one order (a unique key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind
from domain.purchasing import orders
from domain.purchasing.common import check_key, clean_text, next_id, today
from domain.purchasing.models import PurchaseOrder, PurchaseOrderApproval, PurchaseOrderStatus
from domain.quantities import validate_quantity
from domain.vmi import levels, shared_stock
from domain.vmi.agreements import lock_agreements
from domain.vmi.models import (
    OPEN_PROPOSAL_STATUSES,
    ApprovalKind,
    ProposalOrigin,
    ProposalStatus,
    VmiAgreement,
    VmiProposal,
    VmiProposalLine,
)
from domain.vmi.policy import can_read, ensure_decider, ensure_proposer, scope_clause, sees

S = ProposalStatus
MAX_LINES = 200
# The principal that places VMI orders: the proposal's approval is what authorises them.
VMI_SYSTEM = Principal.system("vmi")


@dataclass(frozen=True)
class ProposalLineInput:
    agreement_id: int
    quantity: Decimal
    requested_date: date | None = None


@dataclass(frozen=True)
class ProposalView:
    proposal: VmiProposal
    lines: list[VmiProposalLine]


@dataclass(frozen=True)
class DraftResult:
    view: ProposalView
    created: bool  # False: the agreement's open proposal (or this key's) was returned


@dataclass(frozen=True)
class SubmitResult:
    view: ProposalView
    auto_approved: bool
    replayed: bool  # it had been submitted before: nothing changed


def _now() -> datetime:
    return datetime.now(UTC)


async def _lines(session: AsyncSession, proposal_id: int) -> list[VmiProposalLine]:
    return (await proposal_lines(session, [proposal_id]))[proposal_id]


async def proposal_lines(session: AsyncSession, proposal_ids: Sequence[int]) -> dict[int, list[VmiProposalLine]]:
    """Lines per proposal in line order (trusted batch read, for loaders)."""
    rows = await session.execute(
        select(VmiProposalLine)
        .where(VmiProposalLine.proposal_id.in_(list(proposal_ids)))
        .order_by(VmiProposalLine.proposal_id, VmiProposalLine.line_no)
        .execution_options(populate_existing=True)
    )
    grouped: dict[int, list[VmiProposalLine]] = {pk: [] for pk in proposal_ids}
    for line in rows.scalars():
        grouped[line.proposal_id].append(line)
    return grouped


async def _site_path(session: AsyncSession, location_id: int) -> str:
    return (await session.execute(select(Location.path).where(Location.id == location_id))).scalar_one()


def _origin(principal: Principal) -> ProposalOrigin:
    if principal.kind is PrincipalKind.SYSTEM:
        return ProposalOrigin.TRIGGER
    return ProposalOrigin.SUPPLIER if principal.supplier_id is not None else ProposalOrigin.BUYER


async def _for_change(session: AsyncSession, principal: Principal, proposal_id: int) -> tuple[VmiProposal, str]:
    """The proposal locked, if the principal may see it (else NOT_FOUND, saying nothing more)."""
    proposal = (
        await session.execute(
            select(VmiProposal)
            .where(VmiProposal.id == proposal_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    path = await _site_path(session, proposal.location_id) if proposal else ""
    if proposal is None or not sees(principal, proposal.supplier_id, path):
        raise DomainError(ErrorCode.NOT_FOUND, "no VMI proposal with this id", ["proposalId"])
    return proposal, path


def _state(proposal: VmiProposal, allowed: set[ProposalStatus], action: str) -> None:
    if proposal.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"{proposal.number} is {proposal.status} and cannot be {action}", ["proposalId"]
        )


async def draft_proposal(
    session: AsyncSession,
    principal: Principal,
    agreement_id: int,
    *,
    comment: str | None = None,
    idempotency_key: str | None = None,
) -> DraftResult:
    """A draft for the agreement, pre-filled with the suggested quantity (max − position, or days of
    cover × rate up to the maximum). While the agreement has an open proposal, that one is returned."""
    key = check_key(idempotency_key, required=False)
    if key is not None:
        found = (
            await session.execute(select(VmiProposal).where(VmiProposal.idempotency_key == key))
        ).scalar_one_or_none()
        if found is not None:
            path = await _site_path(session, found.location_id)
            if found.agreement_id != agreement_id or not sees(principal, found.supplier_id, path):
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    "this idempotency key was already used for a different request",
                    ["idempotencyKey"],
                )
            return DraftResult(ProposalView(found, await _lines(session, found.id)), created=False)
    agreement = (await lock_agreements(session, [agreement_id])).get(agreement_id)
    path = await _site_path(session, agreement.location_id) if agreement else ""
    visible = agreement is not None and (
        principal.kind is PrincipalKind.SYSTEM or sees(principal, agreement.supplier_id, path)
    )
    if agreement is None or not visible:
        raise DomainError(ErrorCode.NOT_FOUND, "no VMI agreement with this id", ["agreementId"])
    ensure_proposer(principal, agreement.supplier_id, path)
    if not agreement.active:
        raise DomainError(ErrorCode.INVALID_STATE, "the agreement is inactive", ["agreementId"])
    existing = (
        await session.execute(
            select(VmiProposal).where(
                VmiProposal.agreement_id == agreement.id,
                VmiProposal.status.in_([s.value for s in OPEN_PROPOSAL_STATUSES]),
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        return DraftResult(ProposalView(existing, await _lines(session, existing.id)), created=False)
    return DraftResult(await _create(session, principal, agreement, comment, key), created=True)


async def _create(
    session: AsyncSession, principal: Principal, agreement: VmiAgreement, comment: str | None, key: str | None
) -> ProposalView:
    figures = (await shared_stock.compute(session, [agreement]))[agreement.id]
    pk = await next_id(session, "vmi_proposal")
    proposal = VmiProposal(
        id=pk,
        number=f"VP-{pk:06d}",
        supplier_id=agreement.supplier_id,
        location_id=agreement.location_id,
        agreement_id=agreement.id,
        status=S.DRAFT.value,
        origin=_origin(principal).value,
        comment=clean_text(comment, "comment", 2000),
        idempotency_key=key,
        created_by=principal.actor,
    )
    session.add(proposal)
    lines = []
    suggested = figures.suggested_qty
    if suggested > 0:
        lines.append(
            VmiProposalLine(
                proposal_id=pk,
                line_no=1,
                agreement_id=agreement.id,
                part_id=agreement.part_id,
                quantity=suggested,
                suggested_qty=suggested,
            )
        )
        session.add_all(lines)
    await session.flush()
    return ProposalView(proposal, lines)


async def update_proposal(
    session: AsyncSession,
    principal: Principal,
    proposal_id: int,
    *,
    lines: Sequence[ProposalLineInput] | None = None,
    comment: str | None = None,
) -> ProposalView:
    """Replace the lines of a draft (None keeps them) and its comment. Every line is one active
    agreement of the same supplier at the same site, once."""
    proposal, path = await _for_change(session, principal, proposal_id)
    ensure_proposer(principal, proposal.supplier_id, path)
    _state(proposal, {S.DRAFT}, "edited")
    if comment is not None:
        proposal.comment = clean_text(comment, "comment", 2000)
    if lines is None:
        await session.flush()
        return ProposalView(proposal, await _lines(session, proposal.id))
    if len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"a proposal has at most {MAX_LINES} lines", ["lines"])
    ids = {x.agreement_id for x in lines}
    agreements = {
        a.id: a for a in (await session.execute(select(VmiAgreement).where(VmiAgreement.id.in_(ids)))).scalars()
    }
    precision = dict(
        (
            await session.execute(
                select(Part.id, Part.uom_precision).where(Part.id.in_({a.part_id for a in agreements.values()}))
            )
        )
        .tuples()
        .all()
    )
    old = {line.agreement_id: line for line in await _lines(session, proposal.id)}
    fresh = [a for a in agreements.values() if a.id not in old]
    suggestions = await shared_stock.compute(session, fresh)
    seen: set[int] = set()
    new_lines: list[VmiProposalLine] = []
    for n, item in enumerate(lines):
        where = ["lines", str(n)]
        agreement = agreements.get(item.agreement_id)
        if (
            agreement is None
            or agreement.supplier_id != proposal.supplier_id
            or agreement.location_id != proposal.location_id
        ):
            raise DomainError(
                ErrorCode.NOT_FOUND, "no agreement of this supplier at this site with this id", [*where, "agreementId"]
            )
        if not agreement.active:
            raise DomainError(ErrorCode.INVALID_STATE, "the agreement is inactive", [*where, "agreementId"])
        if agreement.id in seen:
            raise DomainError(ErrorCode.DUPLICATE, "one line per agreement", [*where, "agreementId"])
        seen.add(agreement.id)
        quantity = validate_quantity(item.quantity, precision[agreement.part_id], "quantity")
        if item.requested_date is not None and item.requested_date < today():
            raise DomainError(ErrorCode.INVALID_INPUT, "the requested date is in the past", [*where, "requestedDate"])
        before = old.get(agreement.id)
        new_lines.append(
            VmiProposalLine(
                proposal_id=proposal.id,
                line_no=n + 1,
                agreement_id=agreement.id,
                part_id=agreement.part_id,
                quantity=quantity,
                requested_date=item.requested_date,
                suggested_qty=before.suggested_qty if before else suggestions[agreement.id].suggested_qty,
            )
        )
    for line in old.values():
        await session.delete(line)
    await session.flush()
    session.add_all(new_lines)
    await session.flush()
    return ProposalView(proposal, new_lines)


async def submit_proposal(session: AsyncSession, principal: Principal, proposal_id: int) -> SubmitResult:
    """Check the lines against their agreements and either order at once (within bounds) or wait
    for a buyer. A proposal already submitted answers with its current state."""
    proposal, path = await _for_change(session, principal, proposal_id)
    ensure_proposer(principal, proposal.supplier_id, path)
    if proposal.status in (S.SUBMITTED, S.APPROVED, S.ORDERED):
        view = ProposalView(proposal, await _lines(session, proposal.id))
        return SubmitResult(view, proposal.approval == ApprovalKind.AUTOMATIC, replayed=True)
    _state(proposal, {S.DRAFT}, "submitted")
    lines = await _lines(session, proposal.id)
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "a proposal needs at least one line", ["lines"])
    agreements = await lock_agreements(session, [line.agreement_id for line in lines])
    for n, line in enumerate(lines):
        agreement = agreements.get(line.agreement_id)
        if agreement is None or not agreement.active:
            raise DomainError(ErrorCode.INVALID_STATE, "the agreement is inactive", ["lines", str(n), "agreementId"])
    figures = await shared_stock.compute(session, list(agreements.values()))
    within_all = True
    for line in lines:
        f = figures[line.agreement_id]
        line.position_qty = f.position
        line.max_qty = f.max_qty
        line.within_bounds = levels.within_bounds(f.position, line.quantity, f.levels)
        within_all = within_all and bool(line.within_bounds)
    proposal.status = S.SUBMITTED.value
    proposal.submitted_by = principal.actor
    proposal.submitted_at = _now()
    await session.flush()
    if within_all:
        proposal.approval = ApprovalKind.AUTOMATIC.value
        proposal.decided_by = VMI_SYSTEM.actor
        proposal.decided_at = _now()
        proposal.decision_comment = "within the agreement's bounds / 在协议范围内自动批准"
        await _order(session, proposal, lines, agreements, approver=None)
    else:
        await emit(session, "vmi.proposal.submitted", await _event_payload(session, proposal, lines))
    return SubmitResult(ProposalView(proposal, lines), within_all, replayed=False)


async def decide_proposal(
    session: AsyncSession, principal: Principal, proposal_id: int, *, approve: bool, comment: str | None = None
) -> ProposalView:
    """A buyer of the site approves (the order is placed in their name, under the purchasing
    approval ladder) or rejects with a comment. The same decision twice answers with the first."""
    proposal, path = await _for_change(session, principal, proposal_id)
    ensure_decider(principal, path)
    lines = await _lines(session, proposal.id)
    done = (S.APPROVED, S.ORDERED) if approve else (S.REJECTED,)
    if proposal.status in done:
        return ProposalView(proposal, lines)
    _state(proposal, {S.SUBMITTED}, "approved" if approve else "rejected")
    note = clean_text(comment, "comment", 2000)
    if not approve and not note:
        raise DomainError(ErrorCode.INVALID_INPUT, "a rejection needs a comment for the supplier", ["comment"])
    proposal.decided_by = principal.actor
    proposal.decided_at = _now()
    proposal.decision_comment = note
    if not approve:
        proposal.status = S.REJECTED.value
        await session.flush()
        await emit(session, "vmi.proposal.rejected", await _event_payload(session, proposal, lines))
        return ProposalView(proposal, lines)
    proposal.approval = ApprovalKind.BUYER.value
    agreements = await lock_agreements(session, [line.agreement_id for line in lines])
    if any(not a.active for a in agreements.values()) or len(agreements) != len({x.agreement_id for x in lines}):
        raise DomainError(ErrorCode.INVALID_STATE, "an agreement of this proposal is inactive", ["proposalId"])
    await _order(session, proposal, lines, agreements, approver=principal)
    return ProposalView(proposal, lines)


async def cancel_proposal(
    session: AsyncSession, principal: Principal, proposal_id: int, reason: str | None = None
) -> ProposalView:
    """Withdraw a draft or a proposal waiting for a buyer (the supplier, or a buyer of the site)."""
    proposal, path = await _for_change(session, principal, proposal_id)
    ensure_proposer(principal, proposal.supplier_id, path)
    if proposal.status == S.CANCELLED:
        return ProposalView(proposal, await _lines(session, proposal.id))
    _state(proposal, {S.DRAFT, S.SUBMITTED}, "cancelled")
    proposal.status = S.CANCELLED.value
    proposal.decided_by = principal.actor
    proposal.decided_at = _now()
    proposal.decision_comment = clean_text(reason, "reason", 2000)
    await session.flush()
    return ProposalView(proposal, await _lines(session, proposal.id))


async def _order(
    session: AsyncSession,
    proposal: VmiProposal,
    lines: list[VmiProposalLine],
    agreements: dict[int, VmiAgreement],
    *,
    approver: Principal | None,
) -> None:
    """Place the purchase order through the purchasing service: draft → submitted → approved → sent.
    Consignment lines go to the supplier-owned zone at the consignment price; others to the site at
    the catalogue price. Automatic approval records the agreement as the approval; a buyer's approval
    goes through the purchasing approval ladder (their role must cover the amount)."""
    suggestion_lines = []
    for line in lines:
        agreement = agreements[line.agreement_id]
        zone = agreement.consignment_location_id if agreement.consignment else None
        consignment = zone is not None
        suggestion_lines.append(
            orders.SuggestionLine(
                part_id=line.part_id,
                quantity=line.quantity,
                destination_location_id=zone if zone is not None else agreement.location_id,
                supplier_id=proposal.supplier_id,
                unit_price=agreement.consignment_unit_price if consignment else None,
                requested_date=line.requested_date,
            )
        )
    views = await orders.create_purchase_orders_from_suggestions(session, VMI_SYSTEM, suggestion_lines)
    assert len(views) == 1
    order = views[0].order
    order.source = "vmi"
    order.notes = f"VMI {proposal.number}"
    await session.flush()
    await orders.submit_purchase_order(session, VMI_SYSTEM, order.id)
    if approver is None:
        session.add(
            PurchaseOrderApproval(
                purchase_order_id=order.id,
                decision="approved",
                required_role=order.required_role,
                amount=order.total_amount,
                actor=VMI_SYSTEM.actor,
                comment=f"VMI {proposal.number}: within agreement bounds (standing approval of the agreement)",
            )
        )
        order.status = PurchaseOrderStatus.APPROVED.value
        order.approved_by = VMI_SYSTEM.actor
        order.approved_at = _now()
        await session.flush()
    else:
        note = f"VMI {proposal.number}: {proposal.decision_comment or ''}"
        await orders.approve_purchase_order(session, approver, order.id, approve=True, comment=note)
    proposal.status = S.APPROVED.value
    await orders.send_purchase_order(session, VMI_SYSTEM, order.id)
    proposal.purchase_order_id = order.id
    proposal.status = S.ORDERED.value
    await session.flush()
    payload = await _event_payload(session, proposal, lines)
    await emit(session, "vmi.proposal.ordered", {**payload, "purchaseOrder": order.number})


async def _event_payload(
    session: AsyncSession, proposal: VmiProposal, lines: Sequence[VmiProposalLine]
) -> dict[str, object]:
    supplier = (await session.execute(select(Supplier.code).where(Supplier.id == proposal.supplier_id))).scalar_one()
    site = (await session.execute(select(Location.code).where(Location.id == proposal.location_id))).scalar_one()
    codes = dict(
        (await session.execute(select(Part.id, Part.code).where(Part.id.in_({x.part_id for x in lines}))))
        .tuples()
        .all()
    )
    return {
        "number": proposal.number,
        "status": proposal.status,
        "approval": proposal.approval,
        "supplierId": proposal.supplier_id,
        "supplierCode": supplier,
        "location": site,
        "lines": [
            {
                "lineNo": x.line_no,
                "partCode": codes[x.part_id],
                "quantity": x.quantity,
                "withinBounds": x.within_bounds,
            }
            for x in lines
        ],
    }


async def get_proposal(session: AsyncSession, principal: Principal, proposal_id: int) -> ProposalView | None:
    if not can_read(principal):
        return None
    stmt = select(VmiProposal).where(
        VmiProposal.id == proposal_id, scope_clause(principal, VmiProposal.supplier_id, VmiProposal.location_id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return ProposalView(found, await _lines(session, found.id)) if found else None


async def list_proposals(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[str] | None = None,
    supplier_code: str | None = None,
    location_code: str | None = None,
    first: int = 20,
    before_id: int | None = None,
) -> tuple[list[VmiProposal], bool]:
    """Proposals the principal may see, newest first (keyset pagination on the id)."""
    if not can_read(principal):
        return [], False
    stmt = select(VmiProposal).where(scope_clause(principal, VmiProposal.supplier_id, VmiProposal.location_id))
    if statuses:
        stmt = stmt.where(VmiProposal.status.in_(list(statuses)))
    if supplier_code:
        stmt = stmt.where(
            VmiProposal.supplier_id.in_(select(Supplier.id).where(Supplier.code == supplier_code.strip().upper()))
        )
    if location_code:
        code = location_code.strip().upper()
        stmt = stmt.where(VmiProposal.location_id.in_(select(Location.id).where(Location.code == code)))
    if before_id is not None:
        stmt = stmt.where(VmiProposal.id < before_id)
    rows = list((await session.execute(stmt.order_by(VmiProposal.id.desc()).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def purchase_order_of(session: AsyncSession, proposal: VmiProposal) -> PurchaseOrder | None:
    if proposal.purchase_order_id is None:
        return None
    return await session.get(PurchaseOrder, proposal.purchase_order_id)
