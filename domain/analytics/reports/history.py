"""Reports over history: stockout episodes with their causes, count variance causes and supplier
delivery performance. Each reads another context's tables and says so when they are absent."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.reports import Column, ColumnKind, ReportParams, ReportTable
from domain.analytics.reports.common import money, month_start, sites_in_scope, tables_present
from domain.analytics.settings import business_today
from domain.analytics.state import UNIT_COST
from domain.principal import Principal

K = ColumnKind
EPISODE_GAP_DAYS = 3  # unfilled demand days closer than this are one stockout episode
SPIKE_FACTOR = 3


def _late_orders_sql(enabled: bool) -> str:
    if not enabled:
        return "NULL::text"
    return """(
        SELECT o.number || ' (' || l.promised_date || ')'
          FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
         WHERE l.part_id = e.part_id AND l.destination_site_id = e.site_id
           AND l.promised_date BETWEEN e.start_on - 60 AND e.end_on
           AND o.status NOT IN ('draft', 'submitted', 'cancelled')
           AND NOT EXISTS (SELECT 1 FROM receipt_line r WHERE r.po_line_id = l.id AND r.received_on <= l.promised_date)
         ORDER BY l.promised_date LIMIT 1)"""


async def stockout_history(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Episodes of unfilled demand (consecutive days, gaps under 3 days merged) with a cause, the
    first that applies: a supplier delivery promised before or during the episode and not received
    on time; no reorder point at the site (not stocked there); a demand spike (≥ 3× the previous
    90 days' daily rate); otherwise the replenishment itself (ordered too late or too little)."""
    days = params.days or 90
    sites = await sites_in_scope(session, principal, params.location_code)
    today = business_today()
    purchasing = await tables_present(session, "purchase_order", "purchase_order_line", "receipt_line")
    rows = await session.execute(
        text(
            f"""
            WITH short AS (
                SELECT part_id, location_id AS site_id, occurred_on, count(*) AS lines,
                       sum(quantity) AS demand, sum(quantity - filled) AS lost
                  FROM demand_event
                 WHERE occurred_on >= :since AND occurred_on < :until AND filled < quantity
                   AND location_id = ANY(CAST(:sites AS int[]))
                 GROUP BY 1, 2, 3
            ), marked AS (
                SELECT *, CASE WHEN occurred_on - lag(occurred_on) OVER w < :gap THEN 0 ELSE 1 END AS starts
                  FROM short WINDOW w AS (PARTITION BY part_id, site_id ORDER BY occurred_on)
            ), numbered AS (
                SELECT *, sum(starts) OVER (PARTITION BY part_id, site_id ORDER BY occurred_on) AS episode FROM marked
            ), e AS (
                SELECT part_id, site_id, min(occurred_on) AS start_on, max(occurred_on) AS end_on, sum(lines) AS lines,
                       sum(demand) AS demand, sum(lost) AS lost
                  FROM numbered GROUP BY part_id, site_id, episode
            )
            SELECT e.*, p.code, p.name_zh, {UNIT_COST} AS cost, s.code AS site,
                   coalesce(pol.reorder_point, 0) AS reorder_point,
                   (SELECT coalesce(sum(d.quantity), 0) / 90.0 FROM demand_event d
                     WHERE d.part_id = e.part_id AND d.location_id = e.site_id
                       AND d.occurred_on >= e.start_on - 90 AND d.occurred_on < e.start_on) AS base_rate,
                   {_late_orders_sql(purchasing)} AS late_order
              FROM e
              JOIN part p ON p.id = e.part_id
              JOIN location s ON s.id = e.site_id
              LEFT JOIN part_location_policy pol ON pol.part_id = e.part_id AND pol.location_id = e.site_id
             ORDER BY e.start_on DESC, p.code
            """
        ),
        {
            "since": today - timedelta(days=days),
            "until": today,
            "sites": [s.id for s in sites],
            "gap": EPISODE_GAP_DAYS,
        },
    )
    out = []
    for r in rows:
        length = (r.end_on - r.start_on).days + 1
        daily = Decimal(r.demand) / length
        if r.late_order:
            cause, detail = "supplier_late", f"order {r.late_order} not received on time"
        elif r.reorder_point <= 0:
            cause, detail = "not_stocked", "no reorder point at this site"
        elif r.base_rate == 0 or daily >= SPIKE_FACTOR * Decimal(r.base_rate):
            cause, detail = "demand_spike", f"{daily:.2f}/day against {Decimal(r.base_rate):.2f}/day before"
        else:
            cause, detail = "replenishment", f"reorder point {Decimal(r.reorder_point).normalize()} not enough or late"
        out.append(
            [
                r.code,
                r.name_zh,
                r.site,
                r.start_on,
                r.end_on,
                length,
                int(r.lines),
                Decimal(r.lost).normalize(),
                money(Decimal(r.lost) * Decimal(r.cost)),
                cause,
                detail,
            ]
        )
    return ReportTable(
        name="stockout_history",
        title="Stockout history with causes",
        title_zh="缺货历史及原因",
        columns=[
            Column("part", "Part", "配件编码"),
            Column("name", "Name", "名称"),
            Column("site", "Site", "门店/仓库"),
            Column("start", "From", "开始", K.DATE),
            Column("end", "To", "结束", K.DATE),
            Column("days", "Days", "天数", K.INTEGER),
            Column("lines", "Unfilled lines", "未满足行数", K.INTEGER),
            Column("lost_qty", "Lost quantity", "缺货数量", K.DECIMAL),
            Column("lost_value", "Lost value (at cost)", "缺货金额（成本）", K.MONEY),
            Column("cause", "Cause", "原因", K.TEXT),
            Column("detail", "Detail", "说明", K.TEXT),
        ],
        rows=out,
        notes=[f"Last {days} days; {len(sites)} sites" + ("" if purchasing else "; purchasing not installed")],
    )


async def count_variance_causes(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Count variances of the period by reason code (unreviewed ones apart), gains and losses."""
    days = params.days or 90
    sites = await sites_in_scope(session, principal, params.location_code)
    columns = [
        Column("reason", "Reason", "原因"),
        Column("variances", "Variances", "差异数", K.INTEGER),
        Column("parts", "Parts", "配件数", K.INTEGER),
        Column("gain_value", "Gains", "盘盈金额", K.MONEY),
        Column("loss_value", "Losses", "盘亏金额", K.MONEY),
        Column("net_value", "Net", "净额", K.MONEY),
        Column("share", "Share of absolute value", "绝对金额占比", K.PERCENT),
    ]
    table = ReportTable("count_variance_causes", "Count variance causes", "盘点差异原因", columns, [])
    if not await tables_present(session, "count_variance"):
        table.notes.append("Counting is not installed.")
        return table
    rows = list(
        await session.execute(
            text(
                """
                SELECT coalesce(v.reason_code, 'unreviewed') AS reason, count(*) AS n,
                       count(DISTINCT v.part_id) AS parts,
                       coalesce(sum(v.value) FILTER (WHERE v.value > 0), 0) AS gain,
                       coalesce(sum(v.value) FILTER (WHERE v.value < 0), 0) AS loss,
                       sum(v.value) AS net, sum(abs(v.value)) AS absolute
                  FROM count_variance v JOIN location l ON l.id = v.location_id
                 WHERE l.site_id = ANY(CAST(:sites AS int[])) AND v.created_at >= now() - make_interval(days => :days)
                 GROUP BY 1 ORDER BY sum(abs(v.value)) DESC
                """
            ),
            {"sites": [s.id for s in sites], "days": days},
        )
    )
    total = sum((Decimal(r.absolute) for r in rows), Decimal(0))
    table.rows = [
        [
            r.reason,
            int(r.n),
            int(r.parts),
            money(r.gain),
            money(r.loss),
            money(r.net),
            (Decimal(r.absolute) / total).quantize(Decimal("0.0001")) if total else None,
        ]
        for r in rows
    ]
    table.notes.append(f"Variances recorded in the last {days} days; {len(sites)} sites.")
    return table


async def supplier_performance(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Delivery performance per supplier over the period, from purchasing's own measure
    (domain.purchasing.performance) summed over months, plus the lines late right now."""
    days = params.days or 180
    columns = [
        Column("supplier", "Supplier", "供应商编码"),
        Column("name", "Name", "名称"),
        Column("deliveries", "Deliveries", "交货次数", K.INTEGER),
        Column("on_time_rate", "On time", "准时率", K.PERCENT),
        Column("fill_rate", "Fill rate", "满足率", K.PERCENT),
        Column("reject_rate", "Quality rejects", "质检拒收率", K.PERCENT),
        Column("lead_time", "Lead time (days)", "实际交期(天)", K.DECIMAL),
        Column("promised_lead_time", "Promised lead time (days)", "承诺交期(天)", K.DECIMAL),
        Column("late_lines_now", "Late lines now", "当前延期行", K.INTEGER),
    ]
    table = ReportTable("supplier_performance", "Supplier delivery performance", "供应商交付绩效", columns, [])
    if not await tables_present(session, "purchase_order", "purchase_order_line", "receipt_line"):
        table.notes.append("Purchasing is not installed.")
        return table
    from domain.purchasing.performance import supplier_performance as measure

    today = business_today()
    months = await measure(session, principal, from_month=month_start(today - timedelta(days=days)), to_month=today)
    acc: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 8)
    for m in months:
        a = acc[m.supplier_id]
        a[0] += m.deliveries
        a[1] += m.on_time_deliveries
        a[2] += m.ordered_qty
        a[3] += m.filled_qty
        a[4] += m.inspected_qty
        a[5] += m.rejected_qty
        if m.avg_lead_time_days is not None:
            a[6] += m.avg_lead_time_days * m.deliveries
        if m.avg_promised_lead_time_days is not None:
            a[7] += m.avg_promised_lead_time_days * m.deliveries
    late = {
        r.supplier_id: int(r.n)
        for r in await session.execute(
            text(
                """
                SELECT o.supplier_id, count(*) AS n
                  FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
                 WHERE o.status IN ('sent', 'partially_received') AND NOT l.closed
                   AND l.received_qty - l.rejected_qty < l.quantity AND l.promised_date < :today
                 GROUP BY 1
                """
            ),
            {"today": today},
        )
    }

    def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
        return (part / whole).quantize(Decimal("0.0001")) if whole else None

    suppliers = await session.execute(text("SELECT id, code, name_zh FROM supplier ORDER BY code"))
    for s in suppliers:
        if s.id not in acc and s.id not in late:
            continue
        a = acc[s.id]  # a defaultdict: zeros for a supplier with late lines but no delivery yet
        deliveries = a[0]
        table.rows.append(
            [
                s.code,
                s.name_zh,
                int(deliveries),
                ratio(a[1], deliveries),
                ratio(a[3], a[2]),
                ratio(a[5], a[4]),
                (a[6] / deliveries).quantize(Decimal("0.1")) if deliveries else None,
                (a[7] / deliveries).quantize(Decimal("0.1")) if deliveries else None,
                late.get(s.id, 0),
            ]
        )
    table.notes.append(f"Deliveries since {month_start(today - timedelta(days=days))}; company-wide figures.")
    return table
