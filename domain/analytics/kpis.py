"""The dashboard: headline KPIs of the viewer's sites, each with its value in the previous period.

Stock-state KPIs and pending tasks come from today's snapshot of every site in scope (refreshed
every 5 minutes by a job; `refreshed_at` tells how fresh), so head office's 25-store dashboard is a
handful of index reads. Today's receipts and issues are read live from the ledger (compared with
yesterday up to the same time), as are the counting figures (small tables). Without a fresh
snapshot (just installed, or no worker running) the state is computed live: slower, never stale.

Definitions (docs/analytics.md):
- inventory value: Σ on hand × unit cost (lot cost for FIFO parts, moving average otherwise);
- turnover: cost of goods issued (to workshop or customer) in the period, annualised, ÷ the
  average daily inventory value of the period;
- fill rate: demand lines served in full from stock at the first request ÷ demand lines;
- stockout SKUs: stocked part × site (reorder point or safety stock > 0) with nothing available;
- dead stock: part × site with stock and no movement for `dead_stock_days` (180);
- count completion: count tasks due in the period that were counted ÷ those not cancelled;
- inventory accuracy: tasks counted in the period within tolerance ÷ tasks counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.policy import ensure_reader, visible_sites
from domain.analytics.settings import AnalyticsSettings, business_now, day_start, get_analytics_settings
from domain.analytics.snapshots import existing_tables, pending_by_site, site_states
from domain.principal import Principal

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
# A snapshot older than this (the worker stopped) is not shown as "now": the state is computed live.
STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Kpi:
    value: Decimal | None
    previous: Decimal | None
    unit: str  # CNY, count, ratio, per_year

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> Decimal | None:
        change = self.change
        if change is None or not self.previous:
            return None
        return (change * 100 / abs(self.previous)).quantize(Decimal("0.1"))

    @property
    def trend(self) -> str:
        change = self.change
        if change is None:
            return "unknown"
        return "up" if change > 0 else "down" if change < 0 else "flat"


@dataclass(frozen=True)
class PendingTasks:
    suggestions: int | None
    transfer_approvals: int | None
    count_variances: int | None
    total: Kpi


@dataclass(frozen=True)
class Dashboard:
    as_of: datetime
    period_days: int
    site_ids: list[int]
    refreshed_at: datetime | None
    inventory_value: Kpi
    turnover: Kpi
    fill_rate: Kpi
    stockout_skus: Kpi
    dead_stock_skus: Kpi
    dead_stock_value: Kpi
    receipts_today: Kpi
    receipts_today_value: Kpi
    issues_today: Kpi
    issues_today_value: Kpi
    count_completion: Kpi
    inventory_accuracy: Kpi
    pending: PendingTasks


def _dec(value: Any, quantum: Decimal = CENT) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(quantum)


def _ratio(part: Any, whole: Any) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATIO) if whole else None


_SNAPSHOTS = text(
    """
    SELECT day, count(state_at) AS state_sites, max(state_at) AS state_at,
           sum(inventory_value) AS inventory_value, count(inventory_value) AS value_sites,
           sum(stockout_skus) AS stockout_skus, sum(dead_stock_skus) AS dead_stock_skus,
           sum(dead_stock_value) AS dead_stock_value,
           sum(pending_suggestions) AS sug, sum(pending_transfers) AS tra, sum(pending_variances) AS var,
           sum(demand_lines) AS lines, sum(demand_lines_filled) AS filled, sum(issue_value) AS issue_value
      FROM kpi_site_day
     WHERE site_id = ANY(CAST(:sites AS int[])) AND day > :since AND day <= :today
     GROUP BY day ORDER BY day
    """
)

# Receipts come from the supplier, issues go to a workshop or a customer: index range reads on
# (from|to location, created_at) for the virtual locations, then filtered to the sites in scope.
_TODAY_MOVES = text(
    """
    SELECT 'receipt' AS kind, m.created_at >= :today_start AS today, count(*) AS n,
           coalesce(sum(m.quantity * m.unit_cost), 0) AS v
      FROM stock_move m JOIN location t ON t.id = m.to_location_id
     WHERE m.from_location_id IN (SELECT id FROM location WHERE virtual_kind = 'supplier')
       AND m.created_at >= :yesterday_start AND (m.created_at >= :today_start OR m.created_at < :yesterday_cut)
       AND t.site_id = ANY(CAST(:sites AS int[]))
     GROUP BY 2
    UNION ALL
    SELECT 'issue', m.created_at >= :today_start, count(*), coalesce(sum(m.quantity * m.unit_cost), 0)
      FROM stock_move m JOIN location f ON f.id = m.from_location_id
     WHERE m.to_location_id IN (SELECT id FROM location WHERE virtual_kind IN ('workshop', 'customer'))
       AND m.created_at >= :yesterday_start AND (m.created_at >= :today_start OR m.created_at < :yesterday_cut)
       AND f.site_id = ANY(CAST(:sites AS int[]))
     GROUP BY 2
    """
)

_COUNTING = text(
    """
    SELECT t.due_on > :mid AS current,
           count(*) FILTER (WHERE t.status <> 'cancelled') AS due, count(*) FILTER (WHERE t.status = 'counted') AS done
      FROM count_task t JOIN location l ON l.id = t.location_id
     WHERE l.site_id = ANY(CAST(:sites AS int[])) AND t.due_on > :since AND t.due_on <= :today
     GROUP BY 1
    """
)

_ACCURACY = text(
    """
    SELECT t.counted_at >= :mid_start AS current, count(*) AS counted, count(*) FILTER (WHERE t.within_tolerance) AS ok
      FROM count_task t JOIN location l ON l.id = t.location_id
     WHERE t.status = 'counted' AND t.counted_at >= :since_start AND l.site_id = ANY(CAST(:sites AS int[]))
     GROUP BY 1
    """
)


async def dashboard(
    session: AsyncSession,
    principal: Principal,
    *,
    location_code: str | None = None,
    period_days: int | None = None,
    settings: AnalyticsSettings | None = None,
) -> Dashboard:
    ensure_reader(principal)
    settings = settings or get_analytics_settings()
    period = period_days or settings.period_days
    if not 1 <= period <= 366:
        from domain.errors import DomainError, ErrorCode

        raise DomainError(ErrorCode.INVALID_INPUT, "the period is 1 to 366 days", ["periodDays"])
    sites = [s.id for s in await visible_sites(session, principal, location_code)]
    now = business_now(settings)
    today = now.date()
    mid, since = today - timedelta(days=period), today - timedelta(days=2 * period)
    n_sites = len(sites)

    days = {r.day: r for r in await session.execute(_SNAPSHOTS, {"sites": sites, "since": since, "today": today})}
    full = [d for d, r in sorted(days.items()) if r.state_sites == n_sites]
    previous_day = next((d for d in reversed(full) if d <= mid and d > mid - timedelta(days=7)), None)
    prev = days.get(previous_day) if previous_day else None
    cur = days.get(today)
    if cur is not None and not (cur.state_sites == n_sites and cur.state_at >= now - STALE_AFTER):
        cur = None  # missing sites, or the worker stopped refreshing
    if cur is not None:
        value, stockouts, dead, dead_value = (
            cur.inventory_value,
            cur.stockout_skus,
            cur.dead_stock_skus,
            cur.dead_stock_value,
        )
        refreshed_at = cur.state_at
    else:  # no fresh snapshot: compute now (slower; first minutes after installation, or no worker)
        states = (await site_states(session, sites, settings)).values()
        value = sum((Decimal(s.inventory_value) for s in states), Decimal(0))
        stockouts = sum(s.stockout_skus for s in states)
        dead = sum(s.dead_stock_skus for s in states)
        dead_value = sum((Decimal(s.dead_stock_value) for s in states), Decimal(0))
        refreshed_at = None

    def window(lo: date, hi: date) -> list[Any]:
        return [r for d, r in days.items() if lo < d <= hi]

    def turnover(rows: list[Any]) -> Decimal | None:
        values = [Decimal(r.inventory_value) for r in rows if r.value_sites == n_sites]
        if not values or not sum(values):
            return None
        issued = sum((Decimal(r.issue_value or 0) for r in rows), Decimal(0))
        average = sum(values, Decimal(0)) / len(values)
        return (issued * 365 / period / average).quantize(Decimal("0.01"))

    def fill_rate(rows: list[Any]) -> Decimal | None:
        return _ratio(sum(r.filled or 0 for r in rows), sum(r.lines or 0 for r in rows))

    current_rows, previous_rows = window(mid, today), window(since, mid)
    moves = await _today_moves(session, sites, now, settings)
    counting = await _counting(session, sites, today, mid, since, settings)
    if cur is not None:  # the snapshot has them: no extra queries on the hot path
        pending_now = {k: int(v) for k, v in (("suggestions", cur.sug), ("transfers", cur.tra), ("variances", cur.var))
                       if v is not None}  # fmt: skip
    else:
        pending_now = {k: sum(v.values()) for k, v in (await pending_by_site(session, sites)).items()}
    pending_before = None
    if prev is not None and pending_now:
        pending_before = sum(int(getattr(prev, c) or 0) for c in ("sug", "tra", "var"))
    return Dashboard(
        as_of=now,
        period_days=period,
        site_ids=sites,
        refreshed_at=refreshed_at,
        inventory_value=Kpi(_dec(value), _dec(prev.inventory_value) if prev else None, "CNY"),
        turnover=Kpi(turnover(current_rows), turnover(previous_rows), "per_year"),
        fill_rate=Kpi(fill_rate(current_rows), fill_rate(previous_rows), "ratio"),
        stockout_skus=Kpi(_dec(stockouts, Decimal(1)), _dec(prev.stockout_skus, Decimal(1)) if prev else None, "count"),
        dead_stock_skus=Kpi(_dec(dead, Decimal(1)), _dec(prev.dead_stock_skus, Decimal(1)) if prev else None, "count"),
        dead_stock_value=Kpi(_dec(dead_value), _dec(prev.dead_stock_value) if prev else None, "CNY"),
        receipts_today=Kpi(moves[("receipt", True)][0], moves[("receipt", False)][0], "count"),
        receipts_today_value=Kpi(moves[("receipt", True)][1], moves[("receipt", False)][1], "CNY"),
        issues_today=Kpi(moves[("issue", True)][0], moves[("issue", False)][0], "count"),
        issues_today_value=Kpi(moves[("issue", True)][1], moves[("issue", False)][1], "CNY"),
        count_completion=counting[0],
        inventory_accuracy=counting[1],
        pending=PendingTasks(
            suggestions=pending_now.get("suggestions"),
            transfer_approvals=pending_now.get("transfers"),
            count_variances=pending_now.get("variances"),
            total=Kpi(
                Decimal(sum(pending_now.values())) if pending_now else None,
                Decimal(pending_before) if pending_before is not None else None,
                "count",
            ),
        ),
    )


async def _today_moves(
    session: AsyncSession, sites: list[int], now: datetime, settings: AnalyticsSettings
) -> dict[tuple[str, bool], tuple[Decimal, Decimal]]:
    today_start = day_start(now.date(), settings)
    yesterday_start = day_start(now.date() - timedelta(days=1), settings)
    rows = await session.execute(
        _TODAY_MOVES,
        {
            "sites": sites,
            "today_start": today_start,
            "yesterday_start": yesterday_start,
            "yesterday_cut": yesterday_start + (now - today_start),
        },
    )
    found = {(k, t): (Decimal(0), Decimal(0)) for k in ("receipt", "issue") for t in (True, False)}
    for r in rows:
        found[(r.kind, r.today)] = (Decimal(r.n), _dec(r.v) or Decimal(0))
    return found


async def _counting(
    session: AsyncSession, sites: list[int], today: date, mid: date, since: date, settings: AnalyticsSettings
) -> tuple[Kpi, Kpi]:
    if "count_task" not in await existing_tables(session, ["count_task"]):
        return Kpi(None, None, "ratio"), Kpi(None, None, "ratio")
    completion = {
        r.current: _ratio(r.done, r.due)
        for r in await session.execute(_COUNTING, {"sites": sites, "today": today, "mid": mid, "since": since})
    }
    accuracy = {
        r.current: _ratio(r.ok, r.counted)
        for r in await session.execute(
            _ACCURACY,
            {
                "sites": sites,
                "mid_start": day_start(mid + timedelta(days=1), settings),
                "since_start": day_start(since + timedelta(days=1), settings),
            },
        )
    }
    return (
        Kpi(completion.get(True), completion.get(False), "ratio"),
        Kpi(accuracy.get(True), accuracy.get(False), "ratio"),
    )
