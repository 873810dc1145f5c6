"""Count reports: per-plan accuracy and variances, and inventory accuracy as a KPI over time.

Accuracy is the share of counted SKU-locations whose final count was within the plan's tolerance,
the same rule that triggers recounts, so the two never disagree. Periods are cut in the company's
time zone, so a count at 07:00 on the 1st belongs to that month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting.policy import ensure_can_see_variances
from domain.counting.scope import plan_visible, visible_location
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.stock.policy import visible_path_filter

BUSINESS_TIME_ZONE = "Asia/Shanghai"
MAX_PERIODS = 400


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class ReasonLine:
    reason: str | None  # None: not reviewed yet
    variances: int
    quantity: Decimal
    value: Decimal
    absolute_value: Decimal


@dataclass(frozen=True)
class CounterLine:
    counter: str
    counted: int
    within_tolerance: int
    recounts: int
    absolute_value: Decimal

    @property
    def accuracy(self) -> Decimal | None:
        return _share(self.within_tolerance, self.counted)


@dataclass(frozen=True)
class CountReport:
    plan_id: int
    tasks: int
    counted: int
    cancelled: int
    within_tolerance: int
    recounts: int
    gain_quantity: Decimal
    loss_quantity: Decimal
    net_value: Decimal
    absolute_value: Decimal
    approved_value: Decimal
    by_reason: list[ReasonLine]
    by_counter: list[CounterLine]

    @property
    def accuracy(self) -> Decimal | None:
        return _share(self.within_tolerance, self.counted)


@dataclass(frozen=True)
class AccuracyPoint:
    period_start: date
    counted: int
    within_tolerance: int

    @property
    def accuracy(self) -> Decimal | None:
        return _share(self.within_tolerance, self.counted)


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


_TASKS = """
    SELECT count(*) AS tasks,
           count(*) FILTER (WHERE t.status = 'counted') AS counted,
           count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE t.status = 'counted' AND t.within_tolerance) AS within,
           count(*) FILTER (WHERE t.attempts > 1) AS recounts
      FROM count_task t JOIN location l ON l.id = t.location_id
     WHERE t.plan_id = :plan {scope}
"""

_VARIANCES = """
    SELECT v.reason_code, count(*) AS n, sum(v.quantity) AS quantity,
           coalesce(sum(v.quantity) FILTER (WHERE v.quantity > 0), 0) AS gain,
           coalesce(-sum(v.quantity) FILTER (WHERE v.quantity < 0), 0) AS loss,
           sum(v.value) AS value, sum(abs(v.value)) AS absolute,
           coalesce(sum(v.value) FILTER (WHERE v.status = 'approved'), 0) AS approved
      FROM count_variance v JOIN location l ON l.id = v.location_id
     WHERE v.plan_id = :plan {scope}
     GROUP BY v.reason_code ORDER BY v.reason_code NULLS LAST
"""

_COUNTERS = """
    SELECT t.counted_by AS counter, count(*) AS counted,
           count(*) FILTER (WHERE t.within_tolerance) AS within,
           count(*) FILTER (WHERE t.attempts > 1) AS recounts,
           coalesce(sum(abs(v.value)), 0) AS absolute
      FROM count_task t JOIN location l ON l.id = t.location_id
      LEFT JOIN count_variance v ON v.task_id = t.id
     WHERE t.plan_id = :plan AND t.status = 'counted' {scope}
     GROUP BY t.counted_by ORDER BY t.counted_by
"""


async def plan_report(session: AsyncSession, principal: Principal, plan_id: int) -> CountReport | None:
    """The plan's figures over the part of it inside the caller's scope; None if not visible."""
    ensure_can_see_variances(principal)
    path = (
        await session.execute(
            text("SELECT l.path FROM count_plan p JOIN location l ON l.id = p.location_id WHERE p.id = :plan"),
            {"plan": plan_id},
        )
    ).scalar_one_or_none()
    if path is None or not plan_visible(principal, path):
        return None
    scope, params = visible_path_filter(principal, "l.path")
    params["plan"] = plan_id
    totals = (await session.execute(text(_TASKS.format(scope=scope)), params)).one()
    reasons = list(await session.execute(text(_VARIANCES.format(scope=scope)), params))
    counters = await session.execute(text(_COUNTERS.format(scope=scope)), params)
    zero = Decimal(0)
    return CountReport(
        plan_id=plan_id,
        tasks=totals.tasks,
        counted=totals.counted,
        cancelled=totals.cancelled,
        within_tolerance=totals.within,
        recounts=totals.recounts,
        gain_quantity=sum((r.gain for r in reasons), zero),
        loss_quantity=sum((r.loss for r in reasons), zero),
        net_value=sum((r.value for r in reasons), zero),
        absolute_value=sum((r.absolute for r in reasons), zero),
        approved_value=sum((r.approved for r in reasons), zero),
        by_reason=[ReasonLine(r.reason_code, r.n, r.quantity, r.value, r.absolute) for r in reasons],
        by_counter=[CounterLine(r.counter, r.counted, r.within, r.recounts, r.absolute) for r in counters],
    )


_ACCURACY = """
    WITH periods AS (
        SELECT generate_series(date_trunc(:period, CAST(:start AS timestamp)), CAST(:end AS timestamp),
                               CAST(CAST(:step AS text) AS interval))::date AS period_start
    ), counts AS (
        SELECT date_trunc(:period, t.counted_at AT TIME ZONE :tz)::date AS period_start,
               count(*) AS counted, count(*) FILTER (WHERE t.within_tolerance) AS within
          FROM count_task t JOIN location l ON l.id = t.location_id
         WHERE t.status = 'counted'
           AND t.counted_at >= CAST(:start AS timestamp) AT TIME ZONE :tz
           AND t.counted_at < CAST(:stop AS timestamp) AT TIME ZONE :tz {extra}
         GROUP BY 1
    )
    SELECT p.period_start, coalesce(c.counted, 0) AS counted, coalesce(c.within, 0) AS within
      FROM periods p LEFT JOIN counts c USING (period_start)
     ORDER BY p.period_start
"""


async def inventory_accuracy(
    session: AsyncSession,
    principal: Principal,
    *,
    start: date,
    end: date,
    period: Period = Period.MONTH,
    location_code: str | None = None,
) -> list[AccuracyPoint]:
    """Accuracy per period (every period in range, empty ones with no counts) over all count kinds."""
    ensure_can_see_variances(principal)
    if end < start:
        raise DomainError(ErrorCode.INVALID_INPUT, "the end is before the start", ["end"])
    days = {Period.WEEK: 7, Period.MONTH: 28, Period.QUARTER: 90}[period]
    if (end - start).days / days > MAX_PERIODS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"at most {MAX_PERIODS} periods per query", ["start"])
    extra, params = visible_path_filter(principal, "l.path")
    if location_code:
        loc = await visible_location(session, principal, location_code, "locationCode")
        extra += " AND (l.path = :root OR l.path LIKE :root_like)"
        params.update(root=loc.path, root_like=loc.path.replace("%", r"\%").replace("_", r"\_") + "/%")
    # PostgreSQL has no '1 quarter' interval (date_trunc does know 'quarter').
    step = {Period.WEEK: "1 week", Period.MONTH: "1 month", Period.QUARTER: "3 months"}[period]
    params.update(
        period=period.value, step=step, start=start, end=end, stop=end + timedelta(days=1), tz=BUSINESS_TIME_ZONE
    )
    rows = await session.execute(text(_ACCURACY.format(extra=extra)), params)
    return [AccuracyPoint(r.period_start, r.counted, r.within) for r in rows]
