"""Variance review and approval: a reason code, then one ledger posting against V-ADJUSTMENT.

A loss leaves the counted location's lots oldest first, using only unreserved stock (stock that a
work order holds must be released first, not silently taken from it); a gain enters the newest lot
at the location, or the untracked lot. The ledger values both at its own cost (FIFO lot cost or
moving average), and that posted value replaces the estimate on the variance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.counting.models import CountPlan, CountVariance, PlanStatus, ReasonCode, VarianceStatus
from domain.counting.policy import can_approve_at, ensure_can_approve, ensure_can_see_variances
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal
from domain.stock import ledger

ADJUSTMENT_LOCATION = "V-ADJUSTMENT"
DOC_TYPE = "count_adjustment"


@dataclass(frozen=True)
class ApprovalResult:
    approved: list[CountVariance]
    # Variances that were approved earlier (a retried approval changes nothing).
    already_approved: list[CountVariance]
    posting: ledger.PostingResult | None


async def review_variance(
    session: AsyncSession, principal: Principal, variance_id: int, reason: ReasonCode, note: str | None = None
) -> CountVariance:
    """Give (or correct) the reason for a variance; approval needs one."""
    ensure_can_approve(principal)
    if note is not None and len(note) > 2000:
        raise DomainError(ErrorCode.INVALID_INPUT, "the note is limited to 2000 characters", ["note"])
    row = (
        await session.execute(
            select(CountVariance, Location.path)
            .join(Location, Location.id == CountVariance.location_id)
            .where(CountVariance.id == variance_id)
            .with_for_update(of=CountVariance)
        )
    ).one_or_none()
    if row is None or not principal.sees_path(row[1]):
        raise DomainError(ErrorCode.NOT_FOUND, "no such variance", ["varianceId"])
    variance = row[0]
    ensure_can_approve(principal, row[1])
    if variance.status == VarianceStatus.APPROVED:
        raise DomainError(ErrorCode.INVALID_STATE, "this variance is already approved and posted", ["varianceId"])
    variance.reason_code = reason.value
    variance.note = (note or "").strip() or None
    variance.status = VarianceStatus.REVIEWED.value
    variance.reviewed_by = principal.actor
    variance.reviewed_at = (await session.execute(select(func.now()))).scalar_one()
    await session.flush()
    return variance


async def approve_adjustments(
    session: AsyncSession, principal: Principal, plan_id: int, variance_ids: Sequence[int] | None = None
) -> ApprovalResult:
    """Approve reviewed variances of a plan and post their adjustments in one ledger posting.

    Without `variance_ids`, every reviewed variance where the caller may approve is approved. Named
    variances must all be in scope and reviewed. Row locks make a repeated or concurrent approval
    post nothing twice."""
    ensure_can_approve(principal)
    plan = (
        await session.execute(select(CountPlan).where(CountPlan.id == plan_id).with_for_update(read=True))
    ).scalar_one_or_none()
    if plan is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such count plan", ["planId"])
    if plan.status == PlanStatus.CLOSED:
        raise DomainError(ErrorCode.INVALID_STATE, "the count plan is closed", ["planId"])
    stmt = (
        select(CountVariance, Location.path)
        .join(Location, Location.id == CountVariance.location_id)
        .where(CountVariance.plan_id == plan_id)
        .order_by(CountVariance.id)
        .with_for_update(of=CountVariance)
    )
    if variance_ids is not None:
        if not variance_ids or len(variance_ids) > 5000:
            raise DomainError(ErrorCode.INVALID_INPUT, "name 1 to 5000 variances", ["varianceIds"])
        stmt = stmt.where(CountVariance.id.in_(list(variance_ids)))
    rows = list((await session.execute(stmt)).tuples())
    if variance_ids is not None:
        found = {v.id for v, _ in rows}
        missing = [i for i in variance_ids if i not in found]
        if missing:
            raise DomainError(ErrorCode.NOT_FOUND, f"variance {missing[0]} is not part of this plan", ["varianceIds"])
        for variance, path in rows:
            ensure_can_approve(principal, path)
            if variance.status == VarianceStatus.PENDING:
                raise DomainError(
                    ErrorCode.INVALID_STATE,
                    f"variance {variance.id} needs a reason code before approval",
                    ["varianceIds"],
                )
    else:
        rows = [(v, path) for v, path in rows if can_approve_at(principal, path)]
    already = [v for v, _ in rows if v.status == VarianceStatus.APPROVED]
    todo = [v for v, _ in rows if v.status == VarianceStatus.REVIEWED]
    if not todo:
        return ApprovalResult(approved=[], already_approved=already, posting=None)

    lines, owners = await _adjustment_lines(session, todo)
    result = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=DOC_TYPE,
            doc_ref=plan.code,
            reason=f"count {plan.code} variance adjustment",
            lines=lines,
            frozen_by_allowed=plan.code,
        ),
    )
    values: dict[int, Decimal] = defaultdict(Decimal)
    for move, owner in zip(result.moves, owners, strict=True):
        values[owner.id] += move.value if owner.quantity > 0 else -move.value
    now = (await session.execute(select(func.now()))).scalar_one()
    for variance in todo:
        variance.value = values[variance.id]
        variance.unit_cost = (abs(values[variance.id]) / abs(variance.quantity)).quantize(Decimal("0.000001"))
        variance.status = VarianceStatus.APPROVED.value
        variance.approved_by = principal.actor
        variance.approved_at = now
        variance.posting_id = result.posting_id
    await session.flush()
    return ApprovalResult(approved=todo, already_approved=already, posting=result)


_LOTS = text(
    """
    SELECT b.part_id, b.location_id, b.lot_no, b.on_hand, b.on_hand - b.reserved AS available
      FROM stock_balance b
      JOIN unnest(CAST(:p AS int[]), CAST(:l AS int[])) AS k(p, l) ON b.part_id = k.p AND b.location_id = k.l
      LEFT JOIN lot ON lot.part_id = b.part_id AND lot.lot_no = b.lot_no
     ORDER BY b.part_id, b.location_id, lot.received_on NULLS FIRST, b.lot_no
    """
)


async def _adjustment_lines(
    session: AsyncSession, variances: list[CountVariance]
) -> tuple[list[ledger.MoveLine], list[CountVariance]]:
    adjustment = (
        await session.execute(select(Location.id).where(Location.code == ADJUSTMENT_LOCATION))
    ).scalar_one_or_none()
    if adjustment is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"the {ADJUSTMENT_LOCATION} location is missing")
    rows = await session.execute(_LOTS, {"p": [v.part_id for v in variances], "l": [v.location_id for v in variances]})
    lots: dict[tuple[int, int], list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for r in rows:
        lots[(r.part_id, r.location_id)].append((r.lot_no, r.on_hand, r.available))
    lines: list[ledger.MoveLine] = []
    owners: list[CountVariance] = []
    for v in variances:
        held = lots[(v.part_id, v.location_id)]
        if v.quantity > 0:
            stocked = [lot for lot, on_hand, _ in held if on_hand > 0]
            lot_no = stocked[-1] if stocked else ""
            lines.append(ledger.MoveLine(v.part_id, adjustment, v.location_id, v.quantity, lot_no=lot_no))
            owners.append(v)
            continue
        need = -v.quantity
        for lot_no, _, available in held:
            take = min(need, available)
            if take > 0:
                lines.append(ledger.MoveLine(v.part_id, v.location_id, adjustment, take, lot_no=lot_no))
                owners.append(v)
                need -= take
        if need > 0:
            codes = (
                await session.execute(
                    select(Part.code, Location.code).where(Part.id == v.part_id, Location.id == v.location_id)
                )
            ).one()
            raise DomainError(
                ErrorCode.INSUFFICIENT_STOCK,
                f"the loss of {(-v.quantity).normalize():f} {codes[0]} at {codes[1]} exceeds the unreserved stock "
                f"by {need.normalize():f}: release reservations there first",
                ["varianceIds"],
            )
    return lines, owners


async def variances_for_plans(
    session: AsyncSession, principal: Principal, plan_ids: Sequence[int], status: VarianceStatus | None = None
) -> dict[int, list[CountVariance]]:
    """Variances per plan, inside the caller's scope (a DataLoader batches this)."""
    ensure_can_see_variances(principal)
    stmt = (
        select(CountVariance, Location.path)
        .join(Location, Location.id == CountVariance.location_id)
        .where(CountVariance.plan_id.in_(list(plan_ids)))
        .order_by(CountVariance.id)
    )
    if status is not None:
        stmt = stmt.where(CountVariance.status == status.value)
    found: dict[int, list[CountVariance]] = defaultdict(list)
    for variance, path in (await session.execute(stmt)).tuples():
        if principal.sees_path(path):
            found[variance.plan_id].append(variance)
    return found


async def variance_by_id(session: AsyncSession, principal: Principal, variance_id: int) -> CountVariance | None:
    ensure_can_see_variances(principal)
    row = (
        await session.execute(
            select(CountVariance, Location.path)
            .join(Location, Location.id == CountVariance.location_id)
            .where(CountVariance.id == variance_id)
        )
    ).one_or_none()
    return row[0] if row is not None and principal.sees_path(row[1]) else None
