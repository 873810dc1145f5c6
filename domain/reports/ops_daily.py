"""The daily operations report of a store: what moved in and out on one business day, the counter
business, the counting progress and the alerts still open.

Movements come straight from the ledger (every stock move touching one of the store's locations
during the business day, in the company's time zone) and are classified by where they came from
and went to, so the report's figures are the ledger's figures. `assemble` is the pure part: rows
in, an `OpsReport` out; `daily_ops_report` reads the rows for one store and day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts.rules import RULES, describe
from domain.analytics.settings import AnalyticsSettings, business_now, day_range, get_analytics_settings
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can_at
from domain.org.models import Location
from domain.principal import Principal
from domain.sales.common import store_by_code
from domain.sales.reads import DailySales, daily_figures

ZERO = Decimal(0)
ALERT_LINES = 10

# Movement kinds, in the order a report shows them.
RECEIPTS = "receipts"
SUPPLIER_RETURNS = "supplier_returns"
WORKSHOP_ISSUES = "workshop_issues"
WORKSHOP_RETURNS = "workshop_returns"
CUSTOMER_SALES = "customer_sales"
CUSTOMER_RETURNS = "customer_returns"
TRANSFERS_OUT = "transfers_out"
TRANSFERS_IN = "transfers_in"
ADJUSTMENTS_IN = "adjustments_in"
ADJUSTMENTS_OUT = "adjustments_out"
SCRAPPED = "scrapped"
MOVEMENT_KINDS = (
    RECEIPTS,
    SUPPLIER_RETURNS,
    WORKSHOP_ISSUES,
    WORKSHOP_RETURNS,
    CUSTOMER_SALES,
    CUSTOMER_RETURNS,
    TRANSFERS_OUT,
    TRANSFERS_IN,
    ADJUSTMENTS_IN,
    ADJUSTMENTS_OUT,
    SCRAPPED,
)
MOVEMENT_TITLES: dict[str, tuple[str, str]] = {
    RECEIPTS: ("供应商收货", "Receipts from suppliers"),
    SUPPLIER_RETURNS: ("退供应商", "Returns to suppliers"),
    WORKSHOP_ISSUES: ("维修领料", "Issues to the workshop"),
    WORKSHOP_RETURNS: ("维修退料", "Returns from the workshop"),
    CUSTOMER_SALES: ("柜台销售出库", "Counter sales out"),
    CUSTOMER_RETURNS: ("柜台退货入库", "Counter returns in"),
    TRANSFERS_OUT: ("调拨出库", "Transfers out"),
    TRANSFERS_IN: ("调拨入库", "Transfers in"),
    ADJUSTMENTS_IN: ("盘盈及期初", "Count gains and opening stock"),
    ADJUSTMENTS_OUT: ("盘亏", "Count losses"),
    SCRAPPED: ("报废", "Scrapped"),
}
# Where stock came from (into the store) or went to (out of it), by the other side's virtual kind;
# None is another site (a direct move between stores is a transfer).
_INTO_STORE = {
    "supplier": RECEIPTS,
    "workshop": WORKSHOP_RETURNS,
    "customer": CUSTOMER_RETURNS,
    "transit": TRANSFERS_IN,
    "adjustment": ADJUSTMENTS_IN,
    None: TRANSFERS_IN,
}
_OUT_OF_STORE = {
    "supplier": SUPPLIER_RETURNS,
    "workshop": WORKSHOP_ISSUES,
    "customer": CUSTOMER_SALES,
    "transit": TRANSFERS_OUT,
    "adjustment": ADJUSTMENTS_OUT,
    "scrap": SCRAPPED,
    None: TRANSFERS_OUT,
}
_SEVERITY_ORDER = ("urgent", "high", "normal", "low")


@dataclass(frozen=True)
class Flow:
    """Stock moved in one direction: move lines, quantity (units of all parts together) and value at cost."""

    lines: int = 0
    quantity: Decimal = ZERO
    value: Decimal = ZERO

    def __add__(self, other: Flow) -> Flow:
        return Flow(self.lines + other.lines, self.quantity + other.quantity, self.value + other.value)


@dataclass(frozen=True)
class MoveGroup:
    """Ledger moves of the day with one store side and one other side, summed."""

    from_store: bool
    to_store: bool
    from_virtual: str | None
    to_virtual: str | None
    lines: int
    quantity: Decimal
    value: Decimal


def classify(group: MoveGroup) -> str | None:
    """The movement kind of a group, or None for moves inside the store (bin to bin)."""
    if group.from_store and group.to_store:
        return None
    if group.to_store:
        return _INTO_STORE.get(group.from_virtual)
    if group.from_store:
        return _OUT_OF_STORE.get(group.to_virtual)
    return None


@dataclass(frozen=True)
class CountProgress:
    counted: int  # tasks finished during the day
    within_tolerance: int
    open: int  # due by the day and not finished (as of the report)
    overdue: int  # of those, due before the day
    recounts: int  # waiting for a recount

    @property
    def accuracy(self) -> Decimal | None:
        return (Decimal(self.within_tolerance) / self.counted).quantize(Decimal("0.0001")) if self.counted else None


@dataclass(frozen=True)
class AlertLine:
    rule: str
    severity: str
    title_zh: str
    title_en: str
    text: str
    raised_at: datetime


@dataclass(frozen=True)
class AlertSummary:
    total: int
    by_severity: dict[str, int]
    lines: list[AlertLine]  # the most severe first, oldest first within a severity


@dataclass(frozen=True)
class OpsReport:
    store_id: int
    store_code: str
    store_name_zh: str
    store_name_en: str
    day: date
    time_zone: str
    generated_at: datetime
    movements: dict[str, Flow]
    sales: DailySales
    counting: CountProgress
    alerts: AlertSummary

    def movement(self, kind: str) -> Flow:
        return self.movements.get(kind, Flow())

    @property
    def receipts(self) -> Flow:
        return self.movement(RECEIPTS)

    @property
    def workshop_issues(self) -> Flow:
        return self.movement(WORKSHOP_ISSUES)

    @property
    def transfers_out(self) -> Flow:
        return self.movement(TRANSFERS_OUT)

    @property
    def transfers_in(self) -> Flow:
        return self.movement(TRANSFERS_IN)

    @property
    def quiet(self) -> bool:
        """Nothing moved and nothing was sold: the e-mail says so in one line."""
        return not any(f.lines for f in self.movements.values()) and not self.sales.sales and not self.sales.returns


def assemble(
    *,
    store: Location,
    day: date,
    time_zone: str,
    generated_at: datetime,
    groups: Iterable[MoveGroup],
    sales: DailySales,
    counting: CountProgress,
    alert_counts: Mapping[str, int],
    alert_rows: Sequence[Mapping[str, Any]],
) -> OpsReport:
    """Classify and sum the day's ledger groups and put the report together (no I/O)."""
    movements = {kind: Flow() for kind in MOVEMENT_KINDS}
    for group in groups:
        kind = classify(group)
        if kind is not None:
            movements[kind] = movements[kind] + Flow(group.lines, group.quantity, group.value.quantize(Decimal("0.01")))
    lines = []
    for row in alert_rows[:ALERT_LINES]:
        definition = RULES.get(row["rule"])
        lines.append(
            AlertLine(
                rule=row["rule"],
                severity=row["severity"],
                title_zh=definition.title_zh if definition else row["rule"],
                title_en=definition.title if definition else row["rule"],
                text=describe(row["rule"], row["details"] or {}, row.get("part_code"), store.code),
                raised_at=row["raised_at"],
            )
        )
    by_severity = {s: int(alert_counts.get(s, 0)) for s in _SEVERITY_ORDER}
    return OpsReport(
        store_id=store.id,
        store_code=store.code,
        store_name_zh=store.name_zh,
        store_name_en=store.name_en,
        day=day,
        time_zone=time_zone,
        generated_at=generated_at,
        movements=movements,
        sales=sales,
        counting=counting,
        alerts=AlertSummary(total=sum(by_severity.values()), by_severity=by_severity, lines=lines),
    )


# Moves out of the store's locations, then moves into them from outside the store; each side
# uses the (location, created_at) index of its direction.
_MOVES = text(
    """
    WITH here AS (SELECT id FROM location WHERE site_id = :store)
    SELECT true AS from_store, coalesce(t.site_id = :store, false) AS to_store,
           NULL::text AS from_virtual, t.virtual_kind AS to_virtual,
           count(*) AS lines, sum(m.quantity) AS quantity, sum(m.quantity * m.unit_cost) AS value
      FROM stock_move m JOIN location t ON t.id = m.to_location_id
     WHERE m.from_location_id IN (SELECT id FROM here) AND m.created_at >= :start AND m.created_at < :stop
     GROUP BY 2, 4
    UNION ALL
    SELECT false, true, f.virtual_kind, NULL::text,
           count(*), sum(m.quantity), sum(m.quantity * m.unit_cost)
      FROM stock_move m JOIN location f ON f.id = m.from_location_id
     WHERE m.to_location_id IN (SELECT id FROM here) AND m.created_at >= :start AND m.created_at < :stop
       AND f.site_id IS DISTINCT FROM :store
     GROUP BY 3
    """
)

_COUNTING = text(
    """
    SELECT count(*) FILTER (WHERE t.status = 'counted' AND t.counted_at >= :start AND t.counted_at < :stop) AS counted,
           count(*) FILTER (WHERE t.status = 'counted' AND t.counted_at >= :start AND t.counted_at < :stop
                              AND t.within_tolerance) AS within,
           count(*) FILTER (WHERE t.status IN ('open', 'counting', 'recount') AND t.due_on <= :day) AS open,
           count(*) FILTER (WHERE t.status IN ('open', 'counting', 'recount') AND t.due_on < :day) AS overdue,
           count(*) FILTER (WHERE t.status = 'recount') AS recounts
      FROM count_task t JOIN location l ON l.id = t.location_id
     WHERE l.site_id = :store
    """
)

_ALERT_COUNTS = text(
    "SELECT severity, count(*) AS n FROM alert WHERE location_id = :store AND resolved_at IS NULL GROUP BY 1"
)

_ALERTS = text(
    """
    SELECT a.rule, a.severity, a.details, a.raised_at, p.code AS part_code
      FROM alert a LEFT JOIN part p ON p.id = a.part_id
     WHERE a.location_id = :store AND a.resolved_at IS NULL
     ORDER BY array_position(ARRAY['urgent', 'high', 'normal', 'low'], a.severity::text), a.raised_at, a.id
     LIMIT :n
    """
)


def ensure_can_read(principal: Principal, store: Location) -> None:
    if principal.supplier_id is not None or not can_at(principal, Permission.STORE_REPORT_READ, store.path):
        raise DomainError(ErrorCode.FORBIDDEN, f"the daily report of {store.code} is for its managers", ["storeCode"])


async def daily_ops_report(
    session: AsyncSession,
    principal: Principal,
    store_code: str,
    day: date,
    *,
    settings: AnalyticsSettings | None = None,
) -> OpsReport:
    """The report of one store for one business day (today's is the day so far)."""
    settings = settings or get_analytics_settings()
    store = await store_by_code(session, store_code)
    ensure_can_read(principal, store)
    now = business_now(settings)
    if day > now.date():
        raise DomainError(ErrorCode.INVALID_INPUT, "that business day has not begun", ["day"])
    return await build_report(session, store, day, settings, now)


async def build_report(
    session: AsyncSession, store: Location, day: date, settings: AnalyticsSettings, now: datetime
) -> OpsReport:
    """The report of an already authorised store (the morning job runs it for every store)."""
    start, stop = day_range(day, settings)
    bounds = {"store": store.id, "start": start, "stop": stop}
    groups = [
        MoveGroup(
            from_store=r.from_store,
            to_store=r.to_store,
            from_virtual=r.from_virtual,
            to_virtual=r.to_virtual,
            lines=r.lines,
            quantity=r.quantity,
            value=r.value,
        )
        for r in await session.execute(_MOVES, bounds)
    ]
    (sales,) = await daily_figures(session, [(store.id, store.code)], day, day)
    c = (await session.execute(_COUNTING, {**bounds, "day": day})).one()
    counts = {r.severity: r.n for r in await session.execute(_ALERT_COUNTS, {"store": store.id})}
    alerts = [dict(r._mapping) for r in await session.execute(_ALERTS, {"store": store.id, "n": ALERT_LINES})]
    return assemble(
        store=store,
        day=day,
        time_zone=settings.timezone,
        generated_at=now,
        groups=groups,
        sales=sales,
        counting=CountProgress(c.counted, c.within, c.open, c.overdue, c.recounts),
        alert_counts=counts,
        alert_rows=alerts,
    )
