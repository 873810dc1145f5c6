"""Counting a task: the snapshot when it starts, and scan entries with automatic recounts.

Variance rule: variance = counted − expected, expected = snapshot + net moves into or out of the
part-location since the snapshot. The net moves are the ledger's own change of that
part-location's book quantity (book now − snapshot; the ledger keeps balance == Σ moves in −
Σ moves out), so moves made while counting never show as a variance — including moves whose
transactions were still in flight when the snapshot was read, which a cut-off by move id or time
would miss. The counter never sees any of these numbers (blind counting)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting.models import (
    CountEntry,
    CountKind,
    CountPlan,
    CountTask,
    CountVariance,
    PlanStatus,
    TaskStatus,
    VarianceStatus,
)
from domain.counting.policy import ensure_can_count
from domain.counting.scope import locked_plan, plan_visible, visible_location
from domain.counting.tolerance import Tolerance
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal
from domain.quantities import parse_decimal, validate_quantity


@dataclass(frozen=True)
class RecordCountCommand:
    plan_id: int
    location_code: str
    # What the scanner read on the part: its barcode, or the part code printed on the label.
    part_scan: str
    quantity: Decimal | str
    idempotency_key: str


@dataclass(frozen=True)
class RecordResult:
    task: CountTask
    entry: CountEntry
    replayed: bool

    @property
    def recount_required(self) -> bool:
        return self.task.status == TaskStatus.RECOUNT


def _tolerance(plan: CountPlan) -> Tolerance:
    return Tolerance(pct=plan.recount_pct, value=plan.recount_value)


_BOOK = text("SELECT coalesce(sum(on_hand), 0) FROM stock_balance WHERE part_id = :p AND location_id = :l")


async def _book(session: AsyncSession, part_id: int, location_id: int) -> Decimal:
    return (await session.execute(_BOOK, {"p": part_id, "l": location_id})).scalar_one()


async def _snapshot(session: AsyncSession, principal: Principal, task: CountTask) -> None:
    task.snapshot_qty = await _book(session, task.part_id, task.location_id)
    task.snapshot_at = (await session.execute(select(func.now()))).scalar_one()
    task.started_by = principal.actor
    task.status = TaskStatus.COUNTING.value


async def start_task(session: AsyncSession, principal: Principal, task_id: int) -> CountTask:
    """Snapshot the book quantity; starting a started task is a no-op, so a retry is harmless."""
    ensure_can_count(principal)
    row = (
        await session.execute(
            select(CountTask, CountPlan.status, Location.path)
            .join(CountPlan, CountPlan.id == CountTask.plan_id)
            .join(Location, Location.id == CountTask.location_id)
            .where(CountTask.id == task_id)
            .with_for_update(of=CountTask)
        )
    ).one_or_none()
    if row is None or not principal.sees_path(row.path):
        raise DomainError(ErrorCode.NOT_FOUND, "no such count task", ["taskId"])
    task, plan_status = row[0], row[1]
    ensure_can_count(principal, row.path)
    if plan_status == PlanStatus.CLOSED or task.status == TaskStatus.CANCELLED:
        raise DomainError(ErrorCode.INVALID_STATE, "the count plan is closed", ["taskId"])
    if task.status == TaskStatus.OPEN:
        await _snapshot(session, principal, task)
        await session.flush()
    return task


def _request_hash(cmd: RecordCountCommand, quantity: Decimal) -> str:
    payload = [cmd.plan_id, cmd.location_code.strip().upper(), cmd.part_scan.strip().upper(), str(quantity.normalize())]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


async def _replay(session: AsyncSession, principal: Principal, key: str, digest: str) -> RecordResult | None:
    row = (
        await session.execute(
            select(CountEntry, CountTask, Location.path)
            .join(CountTask, CountTask.id == CountEntry.task_id)
            .join(Location, Location.id == CountTask.location_id)
            .where(CountEntry.idempotency_key == key)
        )
    ).one_or_none()
    if row is None:
        return None
    entry, task, path = row
    if entry.request_hash != digest or not principal.sees_path(path):
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "this idempotency key was already used for a different count",
            ["idempotencyKey"],
        )
    return RecordResult(task=task, entry=entry, replayed=True)


_KEY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('count_entry:' || :key, 0))")

_SCAN = text(
    """
    SELECT p.id, p.code, p.uom_precision, p.avg_cost FROM part p
     WHERE p.barcode = :scan OR p.code = upper(:scan)
     ORDER BY (p.barcode = :scan) DESC LIMIT 1
    """
)


async def record_count(session: AsyncSession, principal: Principal, cmd: RecordCountCommand) -> RecordResult:
    """Record one scan (part, bin, quantity). Outside tolerance, the task goes to recount (up to the
    plan's limit, preferably by another counter); otherwise the count is final and a non-zero
    difference becomes a variance for review."""
    ensure_can_count(principal)
    key = cmd.idempotency_key.strip()
    if not 1 <= len(key) <= 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-200 characters", ["idempotencyKey"])
    quantity = parse_decimal(cmd.quantity, "quantity")
    if quantity < 0:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "a count cannot be negative", ["quantity"])
    scan = cmd.part_scan.strip()
    if not scan or len(scan) > 64:
        raise DomainError(ErrorCode.INVALID_INPUT, "the part scan must be 1-64 characters", ["partScan"])
    digest = _request_hash(cmd, quantity)
    # Retries of one scan arrive concurrently from flaky networks: serialise them on the key, so the
    # second waits for the first to commit and then replays it.
    await session.execute(_KEY_LOCK, {"key": key})
    replayed = await _replay(session, principal, key, digest)
    if replayed:
        return replayed

    plan, plan_path = await locked_plan(session, cmd.plan_id, share=True)
    if not plan_visible(principal, plan_path):
        raise DomainError(ErrorCode.NOT_FOUND, "no such count plan", ["planId"])
    if plan.status == PlanStatus.CLOSED:
        raise DomainError(ErrorCode.INVALID_STATE, "the count plan is closed", ["planId"])
    loc = await visible_location(session, principal, cmd.location_code, "locationCode")
    ensure_can_count(principal, loc.path)
    if not (loc.path == plan_path or loc.path.startswith(plan_path + "/")) or not loc.holds_stock:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{loc.code} is not counted by {plan.code}", ["locationCode"])
    part = (await session.execute(_SCAN, {"scan": scan})).one_or_none()
    if part is None:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with barcode or code {scan}", ["partScan"])
    if quantity:
        validate_quantity(quantity, part.uom_precision, "quantity")

    task = await _task_for_scan(session, principal, plan, part.id, loc.id, part.code, loc.code)
    if task.status in (TaskStatus.COUNTED, TaskStatus.CANCELLED):
        raise DomainError(ErrorCode.INVALID_STATE, f"{part.code} at {loc.code} is already {task.status}", ["partScan"])
    if task.status == TaskStatus.OPEN:  # scanned without starting: the snapshot is taken now
        await _snapshot(session, principal, task)
        assert task.snapshot_qty is not None
        book = task.snapshot_qty
    else:
        book = await _book(session, task.part_id, task.location_id)
    assert task.snapshot_qty is not None
    variance = quantity - book
    within = _tolerance(plan).within(variance, book, part.avg_cost)
    attempt = task.attempts + 1
    final = within or attempt > plan.max_recounts
    entry = CountEntry(
        task_id=task.id,
        attempt=attempt,
        quantity=quantity,
        snapshot_qty=task.snapshot_qty,
        net_moves=book - task.snapshot_qty,
        expected_qty=book,
        variance_qty=variance,
        within_tolerance=within,
        scanned_code=scan,
        location_code=loc.code,
        counter=principal.actor,
        idempotency_key=key,
        request_hash=digest,
    )
    session.add(entry)
    task.attempts = attempt
    if final:
        task.status = TaskStatus.COUNTED.value
        task.counted_qty, task.expected_qty, task.variance_qty = quantity, book, variance
        task.within_tolerance = within
        task.counted_by = principal.actor
        task.counted_at = (await session.execute(select(func.now()))).scalar_one()
        if variance:
            session.add(
                CountVariance(
                    task_id=task.id,
                    plan_id=plan.id,
                    part_id=task.part_id,
                    location_id=task.location_id,
                    quantity=variance,
                    unit_cost=part.avg_cost,
                    value=(variance * part.avg_cost).quantize(Decimal("0.01")),
                    status=VarianceStatus.PENDING.value,
                )
            )
    else:
        task.status = TaskStatus.RECOUNT.value
        task.assignee = _recounter(plan.assignees, principal.name, task.assignee)
    await session.flush()
    return RecordResult(task=task, entry=entry, replayed=False)


def _recounter(assignees: Sequence[str], counter: str, current: str | None) -> str | None:
    """A recount goes to the next counter of the plan, so a second pair of eyes checks the first."""
    others = [a for a in assignees if a != counter]
    if not others:
        return current
    if counter in assignees:
        n = assignees.index(counter)
        return next(a for a in [*assignees[n + 1 :], *assignees[:n]] if a != counter)
    return others[0]


async def _task_for_scan(
    session: AsyncSession, principal: Principal, plan: CountPlan, part_id: int, location_id: int, part: str, loc: str
) -> CountTask:
    """The plan's task for this part and bin, locked. A full count also takes stock found where the
    books have none: the scan creates its task (book quantity zero becomes a gain)."""
    stmt = (
        select(CountTask)
        .where(CountTask.plan_id == plan.id, CountTask.part_id == part_id, CountTask.location_id == location_id)
        .with_for_update()
    )
    task = (await session.execute(stmt)).scalar_one_or_none()
    if task is not None:
        return task
    if plan.kind != CountKind.FULL:
        raise DomainError(ErrorCode.NOT_FOUND, f"{plan.code} has no task for {part} at {loc}", ["partScan"])
    await session.execute(
        insert(CountTask)
        .values(
            plan_id=plan.id,
            part_id=part_id,
            location_id=location_id,
            assignee=principal.name,
            due_on=plan.due_on,
            status=TaskStatus.OPEN.value,
            attempts=0,
        )
        .on_conflict_do_nothing()
    )
    return (await session.execute(stmt)).scalar_one()
