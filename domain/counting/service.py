"""Count plans: choose what to count (cycle by ABC cadence, full, random sample), create the tasks
and assign them, freeze a full count's locations, and close the plan again."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting import schedule
from domain.counting.models import (
    CountKind,
    CountPlan,
    CountTask,
    CountVariance,
    PlanStatus,
    TaskStatus,
    VarianceStatus,
)
from domain.counting.policy import ensure_can_plan
from domain.counting.scope import locked_plan, subtree_params, visible_location
from domain.counting.tolerance import DEFAULT_MAX_RECOUNTS, DEFAULT_RECOUNT_PCT, DEFAULT_RECOUNT_VALUE
from domain.errors import DomainError, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, Location, LocationKind
from domain.principal import Principal
from domain.quantities import parse_decimal, validate_money
from domain.stock.policy import visible_path_filter

ZERO = Decimal(0)
ACTIVE_TASK = (TaskStatus.OPEN.value, TaskStatus.COUNTING.value, TaskStatus.RECOUNT.value)
_PHYSICAL = sorted(k.value for k in STOCK_HOLDING_KINDS)


@dataclass(frozen=True)
class CreatePlanCommand:
    kind: CountKind
    location_code: str
    name: str | None = None
    due_on: date | None = None
    assignees: Sequence[str] = ()
    recount_pct: Decimal | None = None
    recount_value: Decimal | None = None
    max_recounts: int | None = None
    sample_fraction: Decimal | None = None
    seed: int | None = None
    cadence_months: Mapping[str, int] | None = None
    window_days: int | None = None
    # The planning day (tests pin it); defaults to today.
    as_of: date | None = None


_SKU_LOCATIONS = """
    SELECT b.part_id, b.location_id, p.abc_class, l.code || ' ' || p.code AS sort_key,
           (SELECT max(t.counted_at) FROM count_task t
             WHERE t.part_id = b.part_id AND t.location_id = b.location_id AND t.status = 'counted') AS last_counted
      FROM stock_balance b
      JOIN location l ON l.id = b.location_id
      JOIN part p ON p.id = b.part_id
     WHERE (l.path = :root OR l.path LIKE :root_like) {extra}
     GROUP BY b.part_id, b.location_id, p.abc_class, l.code, p.code
    {having}
"""

# Cycle and sample counts skip SKU-locations another open plan is already counting.
_NOT_BEING_COUNTED = """
       AND NOT EXISTS (SELECT 1 FROM count_task t JOIN count_plan cp ON cp.id = t.plan_id
                        WHERE cp.status = 'open' AND t.status IN ('open', 'counting', 'recount')
                          AND t.part_id = b.part_id AND t.location_id = b.location_id)
"""


async def _sku_locations(
    session: AsyncSession, principal: Principal, root_path: str, kind: CountKind
) -> list[schedule.SkuLocation]:
    """Full counts take every SKU-location with a balance row (zero included: an empty book slot is
    where unrecorded stock turns up); cycle and sample counts the ones holding stock."""
    scope_sql, params = visible_path_filter(principal, "l.path")
    params.update(subtree_params(root_path))
    full = kind is CountKind.FULL
    sql = _SKU_LOCATIONS.format(
        extra=scope_sql + ("" if full else _NOT_BEING_COUNTED),
        having="" if full else "HAVING sum(b.on_hand) > 0",
    )
    rows = await session.execute(text(sql), params)
    return [
        schedule.SkuLocation(
            part_id=r.part_id,
            location_id=r.location_id,
            abc_class=r.abc_class,
            last_counted_on=r.last_counted.date() if r.last_counted else None,
            sort_key=r.sort_key,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class _PlanSettings:
    """The validated, stored parameters of a plan (column names of `count_plan`)."""

    recount_pct: Decimal
    recount_value: Decimal
    max_recounts: int
    sample_fraction: Decimal | None = None
    seed: int | None = None
    cadence_months: dict[str, int] | None = None
    window_days: int | None = None


def _validated_settings(cmd: CreatePlanCommand) -> _PlanSettings:
    def pct(value: Decimal | None, default: Decimal, field: str) -> Decimal:
        number = default if value is None else parse_decimal(value, field)
        if not ZERO <= number <= 1:
            raise DomainError(ErrorCode.INVALID_INPUT, "a share between 0 and 1 is required", [field])
        return number

    max_recounts = DEFAULT_MAX_RECOUNTS if cmd.max_recounts is None else cmd.max_recounts
    if not 0 <= max_recounts <= 3:
        raise DomainError(ErrorCode.INVALID_INPUT, "at most 3 recounts", ["maxRecounts"])
    settings = _PlanSettings(
        recount_pct=pct(cmd.recount_pct, DEFAULT_RECOUNT_PCT, "recountPct"),
        recount_value=(
            DEFAULT_RECOUNT_VALUE if cmd.recount_value is None else validate_money(cmd.recount_value, "recountValue")
        ),
        max_recounts=max_recounts,
    )
    if cmd.kind is CountKind.SAMPLE:
        fraction = pct(cmd.sample_fraction, schedule.DEFAULT_SAMPLE_FRACTION, "sampleFraction")
        if fraction == 0:
            raise DomainError(ErrorCode.INVALID_INPUT, "the sample share must be above 0", ["sampleFraction"])
        seed = secrets.randbits(31) if cmd.seed is None else cmd.seed
        if not 0 <= seed < 2**31:
            raise DomainError(ErrorCode.INVALID_INPUT, "the seed must be between 0 and 2147483647", ["seed"])
        settings = replace(settings, sample_fraction=fraction, seed=seed)
    if cmd.kind is CountKind.CYCLE:
        try:
            cadence = schedule.validate_cadence(cmd.cadence_months or {})
        except ValueError as error:
            raise DomainError(ErrorCode.INVALID_INPUT, str(error), ["cadenceMonths"]) from None
        window = schedule.DEFAULT_WINDOW_DAYS if cmd.window_days is None else cmd.window_days
        if not 1 <= window <= 92:
            raise DomainError(ErrorCode.INVALID_INPUT, "the window must be 1 to 92 days", ["windowDays"])
        settings = replace(settings, cadence_months=cadence, window_days=window)
    return settings


def _assignees(names: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if len(cleaned) > 50 or any(len(n) > 200 for n in cleaned):
        raise DomainError(ErrorCode.INVALID_INPUT, "at most 50 assignees of up to 200 characters", ["assignees"])
    return cleaned


async def create_plan(session: AsyncSession, principal: Principal, cmd: CreatePlanCommand) -> CountPlan:
    """Create a plan and its tasks; a full count freezes its locations until it closes."""
    ensure_can_plan(principal)
    root = await visible_location(session, principal, cmd.location_code, "locationCode")
    ensure_can_plan(principal, root.path)
    if root.kind == LocationKind.VIRTUAL:
        raise DomainError(ErrorCode.INVALID_LOCATION, "virtual locations cannot be counted", ["locationCode"])
    name = (cmd.name or "").strip()
    if len(name) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "the name is limited to 200 characters", ["name"])
    today = cmd.as_of or date.today()
    settings = _validated_settings(cmd)
    assignees = _assignees(cmd.assignees)
    default_due = today if cmd.kind is CountKind.FULL else today + timedelta(days=6)
    due_on = cmd.due_on or default_due
    if due_on < today:
        raise DomainError(ErrorCode.INVALID_INPUT, "the due date is in the past", ["dueOn"])

    plan_id = (await session.execute(text("SELECT nextval(pg_get_serial_sequence('count_plan', 'id'))"))).scalar_one()
    code = f"CNT-{plan_id:06d}"
    plan = CountPlan(
        id=plan_id,
        code=code,
        kind=cmd.kind.value,
        status=PlanStatus.OPEN.value,
        name=name or f"{cmd.kind.value} count {root.code} {today.isoformat()}",
        location_id=root.id,
        due_on=due_on,
        assignees=assignees,
        created_by=principal.actor,
        **asdict(settings),
    )
    session.add(plan)
    await session.flush()

    items = await _sku_locations(session, principal, root.path, cmd.kind)
    if cmd.kind is CountKind.CYCLE:
        assert settings.cadence_months is not None and settings.window_days is not None
        due = schedule.select_cycle(items, today, settings.window_days, settings.cadence_months)
        chosen = [(s.item, min(s.due_on, due_on)) for s in due]
    elif cmd.kind is CountKind.SAMPLE:
        assert settings.sample_fraction is not None and settings.seed is not None
        chosen = [(i, due_on) for i in schedule.select_sample(items, settings.sample_fraction, settings.seed)]
    else:
        await _freeze(session, root.path, code)
        chosen = [(i, due_on) for i in sorted(items, key=lambda i: i.sort_key)]
    who = schedule.assign(len(chosen), assignees)
    if chosen:
        await session.execute(
            insert(CountTask),
            [
                {
                    "plan_id": plan_id,
                    "part_id": item.part_id,
                    "location_id": item.location_id,
                    "assignee": assignee,
                    "due_on": due,
                    "status": TaskStatus.OPEN.value,
                    "attempts": 0,
                }
                for (item, due), assignee in zip(chosen, who, strict=True)
            ],
        )
    return plan


async def _freeze(session: AsyncSession, root_path: str, code: str) -> None:
    params = {**subtree_params(root_path), "kinds": _PHYSICAL, "code": code}
    # Lock the subtree first so two full counts of overlapping areas cannot both freeze it. NO KEY
    # UPDATE (only `frozen_by` changes): a full lock would also block the foreign-key checks (KEY
    # SHARE) of postings that already hold balance rows, and deadlock with them
    # (tests/domain/test_mixed_workload.py).
    rows = await session.execute(
        text(
            "SELECT code, frozen_by FROM location WHERE (path = :root OR path LIKE :root_like) "
            "AND kind = ANY(:kinds) ORDER BY id FOR NO KEY UPDATE"
        ),
        params,
    )
    taken = sorted({f"{r.code} ({r.frozen_by})" for r in rows if r.frozen_by and r.frozen_by != code})
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"already frozen by another count: {', '.join(taken[:5])}{' …' if len(taken) > 5 else ''}",
            ["locationCode"],
        )
    await session.execute(
        text(
            "UPDATE location SET frozen_by = :code WHERE (path = :root OR path LIKE :root_like) AND kind = ANY(:kinds)"
        ),
        params,
    )


async def close_plan(session: AsyncSession, principal: Principal, plan_id: int) -> CountPlan:
    """Close a plan: cancel what was not counted and lift a full count's freeze. Refused while
    variances await approval, so no difference is silently dropped."""
    ensure_can_plan(principal)
    plan, root_path = await locked_plan(session, plan_id, share=False)
    if not principal.sees_path(root_path):
        raise DomainError(ErrorCode.NOT_FOUND, "no such count plan", ["planId"])
    ensure_can_plan(principal, root_path)
    if plan.status == PlanStatus.CLOSED:
        return plan
    waiting = (
        await session.execute(
            select(func.count())
            .select_from(CountVariance)
            .where(CountVariance.plan_id == plan_id, CountVariance.status != VarianceStatus.APPROVED.value)
        )
    ).scalar_one()
    if waiting:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"{waiting} variance(s) await review and approval before the count can close"
        )
    await session.execute(
        update(CountTask)
        .where(CountTask.plan_id == plan_id, CountTask.status.in_(ACTIVE_TASK))
        .values(status=TaskStatus.CANCELLED.value)
    )
    await session.execute(update(Location).where(Location.frozen_by == plan.code).values(frozen_by=None))
    plan.status = PlanStatus.CLOSED.value
    plan.closed_by = principal.actor
    plan.closed_at = (await session.execute(select(func.now()))).scalar_one()
    await session.flush()
    return plan
