"""The below-minimum trigger: when an agreement's position (on hand + in transit + on order) falls
below its minimum, draft a proposal for the supplier and tell it (e-mail to its contacts, its
webhook when it has one).

Once, not every run: an agreement with an open proposal (draft or submitted) is skipped — that
proposal is the supplier's to-do — and the draft, the outbox event and the queued messages commit
together, so a crash mid-run leaves either all of them or none. Agreements are locked with SKIP
LOCKED: a supplier editing one right now is simply looked at again next run. Run by the job queue
(`ims.vmi.triggers`, every 15 minutes) and callable after postings for a set of agreements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier
from domain.errors import DomainError
from domain.events import emit
from domain.identity.policy import Permission, ensure
from domain.org.models import Location
from domain.principal import Principal
from domain.quantities import tidy
from domain.vmi import shared_stock
from domain.vmi.levels import StockStatus
from domain.vmi.models import OPEN_PROPOSAL_STATUSES, VmiAgreement, VmiProposal, VmiProposalLine
from domain.vmi.notify import Message, notify_supplier
from domain.vmi.proposals import ProposalView, draft_proposal

TOPIC = "vmi.replenishment_needed"


@dataclass
class TriggerReport:
    evaluated: int = 0
    below_min: int = 0
    already_open: int = 0
    busy: int = 0
    drafted: list[str] = field(default_factory=list)
    notified: int = 0
    failed: list[str] = field(default_factory=list)


def _fmt(value: Decimal) -> str:
    return format(tidy(value), "f")


async def evaluate_triggers(
    session: AsyncSession, principal: Principal, *, agreement_ids: Sequence[int] | None = None
) -> TriggerReport:
    """Evaluate every active agreement (or the given ones) inside the caller's transaction."""
    ensure(principal, Permission.SETTINGS_MANAGE)
    report = TriggerReport()
    stmt = select(VmiAgreement).where(VmiAgreement.active.is_(True)).order_by(VmiAgreement.id)
    if agreement_ids is not None:
        stmt = stmt.where(VmiAgreement.id.in_(list(agreement_ids)))
    agreements = list((await session.execute(stmt)).scalars())
    report.evaluated = len(agreements)
    figures = await shared_stock.compute(session, agreements)
    low = [a for a in agreements if figures[a.id].status is StockStatus.BELOW_MIN]
    report.below_min = len(low)
    if not low:
        return report
    open_for = set(
        (
            await session.execute(
                select(VmiProposalLine.agreement_id)
                .join(VmiProposal, VmiProposal.id == VmiProposalLine.proposal_id)
                .where(
                    VmiProposalLine.agreement_id.in_([a.id for a in low]),
                    VmiProposal.status.in_([s.value for s in OPEN_PROPOSAL_STATUSES]),
                )
                .union(
                    select(VmiProposal.agreement_id).where(
                        VmiProposal.agreement_id.in_([a.id for a in low]),
                        VmiProposal.status.in_([s.value for s in OPEN_PROPOSAL_STATUSES]),
                    )
                )
            )
        ).scalars()
    )
    for agreement in low:
        if agreement.id in open_for:
            report.already_open += 1
            continue
        free = (
            await session.execute(
                select(VmiAgreement.id).where(VmiAgreement.id == agreement.id).with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if free is None:
            report.busy += 1
            continue
        try:
            async with session.begin_nested():
                drafted = await draft_proposal(session, principal, agreement.id)
                if not drafted.created:
                    report.already_open += 1
                    continue
                agreement.last_triggered_at = datetime.now(UTC)
                report.notified += await _announce(session, agreement, figures[agreement.id], drafted.view)
                report.drafted.append(drafted.view.proposal.number)
        except DomainError as error:
            report.failed.append(f"agreement {agreement.id}: {error.message}")
    return report


async def _announce(
    session: AsyncSession, agreement: VmiAgreement, figures: shared_stock.SharedStock, view: ProposalView
) -> int:
    part = await session.get(Part, agreement.part_id)
    site = await session.get(Location, agreement.location_id)
    supplier = await session.get(Supplier, agreement.supplier_id)
    assert part is not None and site is not None and supplier is not None
    suggested = sum((line.quantity for line in view.lines), Decimal(0))
    data = {
        "proposal": view.proposal.number,
        "supplierCode": supplier.code,
        "partCode": part.code,
        "location": site.code,
        "position": figures.position,
        "onHand": figures.on_hand,
        "minQuantity": figures.min_qty,
        "maxQuantity": figures.max_qty,
        "suggestedQuantity": suggested,
    }
    event_id = await emit(session, TOPIC, data)
    subject = f"[IMS] 补货提醒 Replenishment needed: {part.code} @ {site.code} ({view.proposal.number})"
    lines = [
        f"{supplier.name_zh} / {supplier.name_en}",
        f"配件 Part: {part.code} {part.name_zh} / {part.name_en}",
        f"地点 Site: {site.code} {site.name_zh} / {site.name_en}",
        f"库存地位 Position: {_fmt(figures.position)} (在库 on hand {_fmt(figures.on_hand)}, "
        f"在途 in transit {_fmt(figures.in_transit)}, 在订 on order {_fmt(figures.on_order)})",
        f"最低/最高 Min/max: {_fmt(figures.min_qty)} / {_fmt(figures.max_qty)}",
        f"建议补货 Suggested: {_fmt(suggested)} {part.uom}",
        f"已生成补货建议草稿 A draft proposal {view.proposal.number} is waiting in the supplier portal.",
    ]
    message = Message(
        topic=TOPIC,
        subject=subject,
        body="\n".join([subject, "", *lines]),
        markdown=f"### {subject}\n\n" + "\n".join(f"- {line}" for line in lines),
        data={key: format(tidy(v), "f") if isinstance(v, Decimal) else v for key, v in data.items()},
    )
    return await notify_supplier(session, event_id, agreement.supplier_id, message)
