"""The business's alert rules: defaults, parameter validation, the set-based SQL that finds every
object in alert for a rule, and the sentence that describes one alert.

Each rule's SQL returns the objects currently in alert (`object_key`, part, site, supplier, ref,
`details`). Part-location rules read the per-evaluation state table `tmp_part_site_state` (built
once by the engine from balances, policies and forecasts); the others read their own tables and
are skipped while those tables do not exist (another context not migrated yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.alerts.models import Severity
from domain.errors import DomainError, ErrorCode


class Function:
    """Who is told: business functions, mapped onto roles by domain.alerts.routing."""

    BUYER = "buyer"
    MANAGER = "manager"
    WAREHOUSE_LEAD = "warehouse_lead"
    FINANCE = "finance"
    SUPPLIER = "supplier"
    HQ = "hq"

    ALL = (BUYER, MANAGER, WAREHOUSE_LEAD, FINANCE, SUPPLIER, HQ)


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    description: str


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    title: str
    title_zh: str
    severity: Severity
    recipients: tuple[str, ...]
    escalate_after_hours: int
    escalate_to: tuple[str, ...]
    params: tuple[ParamSpec, ...] = ()
    # "part_location" rules are evaluated from the state table and can run incrementally.
    kind: str = "part_location"
    # Tables the rule reads besides the core ones; it is skipped while any is missing.
    requires: tuple[str, ...] = ()
    sql: str = ""

    def defaults(self) -> dict[str, Any]:
        return {p.name: str(p.default) for p in self.params}


def _p(name: str, default: str, minimum: str, maximum: str, description: str) -> ParamSpec:
    return ParamSpec(name, Decimal(default), Decimal(minimum), Decimal(maximum), description)


_PL_KEY = "'pl:' || s.part_id || ':' || s.site_id"

STOCKOUT_SQL = f"""
    SELECT {_PL_KEY} AS object_key, s.part_id, s.site_id AS location_id, p.primary_supplier_id AS supplier_id,
           NULL::bigint AS ref_id,
           jsonb_build_object('available', s.available, 'onHand', s.on_hand, 'safetyStock', s.safety_stock,
                              'reorderPoint', s.reorder_point, 'dailyRate', round(s.daily_rate, 3)) AS details
      FROM tmp_part_site_state s JOIN part p ON p.id = s.part_id
     WHERE p.active AND s.available <= s.safety_stock AND (s.safety_stock > 0 OR s.reorder_point > 0)
"""

# Imminent: not yet at safety stock, but the forecast takes it there within `days`.
IMMINENT_SQL = f"""
    SELECT {_PL_KEY} AS object_key, s.part_id, s.site_id AS location_id, p.primary_supplier_id AS supplier_id,
           NULL::bigint AS ref_id,
           jsonb_build_object('available', s.available, 'safetyStock', s.safety_stock,
                              'dailyRate', round(s.daily_rate, 3),
                              'daysLeft', round((s.available - s.safety_stock) / s.daily_rate, 1)) AS details
      FROM tmp_part_site_state s JOIN part p ON p.id = s.part_id
     WHERE p.active AND s.daily_rate > 0 AND s.available > s.safety_stock
       AND (s.available - s.safety_stock) <= s.daily_rate * CAST(:days AS numeric)
"""

OVERSTOCK_SQL = f"""
    SELECT {_PL_KEY} AS object_key, s.part_id, s.site_id AS location_id, p.primary_supplier_id AS supplier_id,
           NULL::bigint AS ref_id,
           jsonb_build_object('onHand', s.on_hand, 'maxStock', s.max_stock,
                              'excess', s.on_hand - s.max_stock, 'excessValue',
                              round((s.on_hand - s.max_stock) * s.unit_cost, 2)) AS details
      FROM tmp_part_site_state s JOIN part p ON p.id = s.part_id
     WHERE s.max_stock > 0 AND s.on_hand > s.max_stock * (1 + CAST(:tolerance_pct AS numeric) / 100)
"""

# Our own idle stock: a supplier's consignment stock is not our capital (as on the dashboard).
DEAD_STOCK_SQL = f"""
    SELECT {_PL_KEY} AS object_key, s.part_id, s.site_id AS location_id, p.primary_supplier_id AS supplier_id,
           NULL::bigint AS ref_id,
           jsonb_build_object('onHand', s.owned_on_hand, 'value', round(s.value, 2),
                              'lastMoveAt', s.last_move_at,
                              'idleDays', (extract(epoch FROM now() - s.last_move_at) / 86400)::int) AS details
      FROM tmp_part_site_state s JOIN part p ON p.id = s.part_id
     WHERE s.owned_on_hand > 0 AND s.last_move_at < now() - make_interval(days => CAST(:days AS int))
"""

# A variance still awaiting approval whose size exceeds `pct` % of the expected quantity.
COUNT_VARIANCE_SQL = """
    SELECT 'cv:' || v.id AS object_key, v.part_id, l.site_id AS location_id, NULL::int AS supplier_id,
           v.id AS ref_id,
           jsonb_build_object('variance', v.quantity, 'expected', t.expected_qty, 'counted', t.counted_qty,
                              'value', v.value, 'plan', cp.code,
                              'pct', CASE WHEN t.expected_qty > 0
                                          THEN round(abs(v.quantity) * 100 / t.expected_qty, 1) END) AS details
      FROM count_variance v
      JOIN count_task t ON t.id = v.task_id
      JOIN count_plan cp ON cp.id = v.plan_id
      JOIN location l ON l.id = v.location_id
     WHERE v.status IN ('pending', 'reviewed') AND l.site_id IS NOT NULL
       AND (coalesce(t.expected_qty, 0) <= 0 OR abs(v.quantity) * 100 > t.expected_qty * CAST(:pct AS numeric))
"""

# An order line still owed by the supplier more than `grace_days` after the promised date.
SUPPLIER_LATE_SQL = """
    SELECT 'pol:' || l.id AS object_key, l.part_id, l.destination_site_id AS location_id, o.supplier_id,
           l.id AS ref_id,
           jsonb_build_object('order', o.number, 'line', l.line_no, 'promisedDate', l.promised_date,
                              'daysLate', CAST(:today AS date) - l.promised_date,
                              'outstanding', l.quantity - greatest(l.received_qty - l.rejected_qty, 0)) AS details
      FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
     WHERE o.status IN ('sent', 'partially_received') AND NOT l.closed
       AND l.received_qty - l.rejected_qty < l.quantity
       AND l.promised_date < CAST(:today AS date) - CAST(:grace_days AS int)
"""

B, M, W, F, S, H = (
    Function.BUYER,
    Function.MANAGER,
    Function.WAREHOUSE_LEAD,
    Function.FINANCE,
    Function.SUPPLIER,
    Function.HQ,
)

RULES: dict[str, RuleDefinition] = {
    r.code: r
    for r in (
        RuleDefinition("stockout", "Stockout", "缺货", Severity.URGENT, (B, M), 4, (H,), sql=STOCKOUT_SQL),
        RuleDefinition(
            "imminent_stockout",
            "Imminent stockout",
            "即将缺货",
            Severity.HIGH,
            (B, M),
            12,
            (H,),
            (_p("days", "3", "0.5", "60", "days of forecast demand left above safety stock"),),
            sql=IMMINENT_SQL,
        ),
        RuleDefinition(
            "overstock",
            "Overstock",
            "超储",
            Severity.NORMAL,
            (B, M),
            72,
            (H,),
            (_p("tolerance_pct", "0", "0", "500", "percent above the maximum before it counts"),),
            sql=OVERSTOCK_SQL,
        ),
        RuleDefinition(
            "dead_stock",
            "Dead stock",
            "呆滞库存",
            Severity.LOW,
            (M,),
            0,
            (),
            (_p("days", "180", "30", "1095", "days without any movement"),),
            sql=DEAD_STOCK_SQL,
        ),
        RuleDefinition(
            "count_variance",
            "Count variance",
            "盘点差异",
            Severity.HIGH,
            (W, F),
            24,
            (H,),
            (_p("pct", "5", "0", "100", "percent of the expected quantity"),),
            kind="global",
            requires=("count_variance", "count_task", "count_plan"),
            sql=COUNT_VARIANCE_SQL,
        ),
        RuleDefinition(
            "supplier_late",
            "Supplier late",
            "供应商延期",
            Severity.HIGH,
            (B, S),
            48,
            (H,),
            (_p("grace_days", "2", "0", "60", "days past the promised date"),),
            kind="global",
            requires=("purchase_order_line", "purchase_order"),
            sql=SUPPLIER_LATE_SQL,
        ),
    )
}


@dataclass(frozen=True)
class RuleConfig:
    """A rule as configured now (the `alert_rule` row merged over the defaults)."""

    code: str
    enabled: bool
    severity: Severity
    params: Mapping[str, Decimal]
    recipients: tuple[str, ...]
    escalate_after_hours: int
    escalate_to: tuple[str, ...]
    definition: RuleDefinition = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    def sql_params(self) -> dict[str, Any]:
        return {name: (int(v) if v == v.to_integral_value() else v) for name, v in self.params.items()}


def validate_params(code: str, raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Merge `raw` over the defaults, refusing unknown names and values out of range."""
    definition = RULES.get(code)
    if definition is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no alert rule {code!r}", ["code"])
    specs = {p.name: p for p in definition.params}
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        raise DomainError(ErrorCode.INVALID_INPUT, f"unknown parameter(s) for {code}: {', '.join(unknown)}", ["params"])
    values: dict[str, Decimal] = {}
    for name, spec in specs.items():
        value = raw.get(name, spec.default)
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise DomainError(ErrorCode.INVALID_INPUT, f"{name} must be a number", ["params", name]) from None
        if not number.is_finite() or not spec.minimum <= number <= spec.maximum:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"{name} must be between {spec.minimum} and {spec.maximum}", ["params", name]
            )
        values[name] = number
    return values


def validate_functions(values: list[str], field_name: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(v.strip().lower() for v in values))
    bad = [v for v in cleaned if v not in Function.ALL]
    if bad:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"unknown recipient function(s) {', '.join(bad)}; use {', '.join(Function.ALL)}",
            [field_name],
        )
    return cleaned


def describe(rule: str, details: Mapping[str, Any], part: str | None, location: str | None) -> str:
    """One line a person understands, in the company's working language with the figures."""
    where = " @ ".join(x for x in (part, location) if x)
    d = dict(details)
    if rule == "stockout":
        return f"缺货 {where}: 可用 {d.get('available')} ≤ 安全库存 {d.get('safetyStock')}"
    if rule == "imminent_stockout":
        return f"即将缺货 {where}: 约 {d.get('daysLeft')} 天后降至安全库存 {d.get('safetyStock')}"
    if rule == "overstock":
        return f"超储 {where}: 在库 {d.get('onHand')} > 上限 {d.get('maxStock')}"
    if rule == "dead_stock":
        return f"呆滞 {where}: {d.get('idleDays')} 天无动销, 金额 {d.get('value')}"
    if rule == "count_variance":
        return f"盘点差异 {where}: 差异 {d.get('variance')} ({d.get('pct')}%), 盘点单 {d.get('plan')}"
    if rule == "supplier_late":
        order = f"{d.get('order')}/{d.get('line')}"
        return f"供应商延期 {where}: 订单 {order} 承诺 {d.get('promisedDate')}, 已迟 {d.get('daysLate')} 天"
    return f"{rule} {where}"
