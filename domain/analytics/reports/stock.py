"""Stock reports: by vehicle model, by supplier, aging buckets and dead stock with an action.

Values are of our own stock: consignment stock (in locations a supplier owns) is on hand but
neither valued, aged nor dead here (`domain.vmi.consignment.OWNED_BY_US_SQL`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.reports import Column, ColumnKind, ReportParams, ReportTable
from domain.analytics.reports.common import consumption, money, sites_in_scope, stock_by_part, tables_present
from domain.analytics.settings import business_today, get_analytics_settings
from domain.analytics.state import UNIT_COST, state_sql
from domain.principal import Principal
from domain.vmi.consignment import OWNED_BY_US_SQL

K = ColumnKind
_OWNED_NOTE = "On hand includes suppliers' consignment stock; stock value is of our own stock only."


async def by_vehicle_model(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Stock and consumption of the parts fitting each model; a part fitting three models counts
    in each of them (the question is "what do we hold for this model")."""
    sites = await sites_in_scope(session, principal, params.location_code)
    site_ids = [s.id for s in sites]
    stock = await stock_by_part(session, site_ids)
    used = await consumption(session, site_ids, params.months)
    annual = {int(p): v for p, v in zip(used.part_ids.tolist(), used.annual_value.tolist(), strict=True)}
    models = await session.execute(
        text(
            "SELECT v.id, v.make, v.model, v.year_from, v.year_to, v.engine, array_agg(f.part_id) AS parts "
            "FROM vehicle_model v JOIN part_fitment f ON f.vehicle_model_id = v.id "
            "GROUP BY v.id ORDER BY v.make, v.model"
        )
    )
    rows = []
    for m in models:
        held = [stock[p] for p in m.parts if p in stock]
        rows.append(
            [
                m.make,
                m.model,
                f"{m.year_from}–{m.year_to}",
                m.engine,
                len(m.parts),
                sum((h.on_hand for h in held), Decimal(0)),
                money(sum((h.value for h in held), Decimal(0))),
                money(sum(annual.get(p, 0.0) for p in m.parts)),
                sum(h.stockouts for h in held),
            ]
        )
    rows.sort(key=lambda r: -r[6])
    return ReportTable(
        name="vehicle_model",
        title="Stock by vehicle model",
        title_zh="按车型库存",
        columns=[
            Column("make", "Make", "品牌"),
            Column("model", "Model", "车型"),
            Column("years", "Years", "年款"),
            Column("engine", "Engine", "发动机"),
            Column("parts", "Parts", "适配配件数", K.INTEGER),
            Column("on_hand", "On hand", "在库数量", K.DECIMAL),
            Column("stock_value", "Stock value", "库存金额", K.MONEY),
            Column("annual_value", "Annual consumption value", "年消耗金额", K.MONEY),
            Column("stockouts", "Stocked-out part × sites", "缺货点数", K.INTEGER),
        ],
        rows=rows,
        notes=[f"{len(sites)} sites; consumption over {params.months} months.", _OWNED_NOTE],
    )


async def by_supplier(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Per primary supplier: the parts, their stock and consumption, what is on order and late."""
    sites = await sites_in_scope(session, principal, params.location_code)
    site_ids = [s.id for s in sites]
    stock = await stock_by_part(session, site_ids)
    used = await consumption(session, site_ids, params.months)
    annual = {int(p): v for p, v in zip(used.part_ids.tolist(), used.annual_value.tolist(), strict=True)}
    on_order: dict[int, tuple[Decimal, int]] = {}
    if await tables_present(session, "purchase_order", "purchase_order_line"):
        for r in await session.execute(
            text(
                """
                SELECT o.supplier_id,
                       sum((l.quantity - greatest(l.received_qty - l.rejected_qty, 0)) * l.unit_price) AS value,
                       count(*) FILTER (WHERE l.promised_date < :today) AS late
                  FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
                 WHERE o.status IN ('approved', 'sent', 'partially_received') AND NOT l.closed
                   AND l.received_qty - l.rejected_qty < l.quantity
                   AND l.destination_site_id = ANY(CAST(:sites AS int[]))
                 GROUP BY 1
                """
            ),
            {"today": business_today(), "sites": site_ids},
        ):
            on_order[r.supplier_id] = (money(r.value), int(r.late))
    parts_of: dict[int, list[int]] = defaultdict(list)
    for r in await session.execute(text("SELECT id, primary_supplier_id FROM part WHERE active")):
        if r.primary_supplier_id is not None:
            parts_of[r.primary_supplier_id].append(r.id)
    rows = []
    for s in await session.execute(text("SELECT id, code, name_zh, on_time_rate FROM supplier ORDER BY code")):
        parts = parts_of.get(s.id, [])
        held = [stock[p] for p in parts if p in stock]
        value, late = on_order.get(s.id, (Decimal(0), 0))
        rows.append(
            [
                s.code,
                s.name_zh,
                len(parts),
                money(sum((h.value for h in held), Decimal(0))),
                money(sum(annual.get(p, 0.0) for p in parts)),
                sum(h.stockouts for h in held),
                value,
                late,
                s.on_time_rate,
            ]
        )
    return ReportTable(
        name="supplier",
        title="Stock by supplier",
        title_zh="按供应商库存",
        columns=[
            Column("supplier", "Supplier", "供应商编码"),
            Column("name", "Name", "名称"),
            Column("parts", "Parts", "配件数", K.INTEGER),
            Column("stock_value", "Stock value", "库存金额", K.MONEY),
            Column("annual_value", "Annual consumption value", "年消耗金额", K.MONEY),
            Column("stockouts", "Stocked-out part × sites", "缺货点数", K.INTEGER),
            Column("on_order_value", "Open order value", "在途订单金额", K.MONEY),
            Column("late_lines", "Late order lines", "延期订单行", K.INTEGER),
            Column("declared_on_time", "Declared on-time rate", "约定准时率", K.PERCENT),
        ],
        rows=rows,
        notes=[f"{len(sites)} sites; parts by primary supplier.", _OWNED_NOTE],
    )


BUCKETS = ((0, 30), (31, 90), (91, 180), (181, 365), (366, None))
BUCKET_TITLES = ("0–30", "31–90", "91–180", "181–365", ">365")


async def stock_aging(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Stock value by age per site. A lot ages from its receipt date; untracked stock (lot "")
    and lots without a receipt date from the last move of that part into that location."""
    sites = await sites_in_scope(session, principal, params.location_code)
    site_ids = [s.id for s in sites]
    rows = await session.execute(
        text(
            f"""
            WITH bal AS (
                SELECT b.part_id, b.location_id, b.lot_no, b.on_hand, l.site_id,
                       b.on_hand * coalesce(CASE WHEN p.costing_method = 'fifo' THEN lt.unit_cost END, {UNIT_COST})
                           AS value,
                       lt.received_on
                  FROM stock_balance b
                  JOIN location l ON l.id = b.location_id
                  JOIN part p ON p.id = b.part_id
                  LEFT JOIN lot lt ON lt.part_id = b.part_id AND lt.lot_no = b.lot_no AND b.lot_no <> ''
                 WHERE b.on_hand > 0 AND l.site_id = ANY(CAST(:sites AS int[])) AND {OWNED_BY_US_SQL}
            ), inbound AS (
                SELECT m.part_id, m.to_location_id AS location_id, m.lot_no,
                       max((m.created_at AT TIME ZONE CAST(:tz AS text))::date) AS last_in
                  FROM stock_move m JOIN location l ON l.id = m.to_location_id
                 WHERE l.site_id = ANY(CAST(:sites AS int[]))
                 GROUP BY 1, 2, 3
            )
            SELECT bal.site_id,
                   CAST(:today AS date) - coalesce(bal.received_on, i.last_in, CAST(:today AS date)) AS age,
                   sum(bal.on_hand) AS qty, sum(bal.value) AS value
              FROM bal LEFT JOIN inbound i
                ON i.part_id = bal.part_id AND i.location_id = bal.location_id AND i.lot_no = bal.lot_no
             GROUP BY 1, 2
            """
        ),
        {"sites": site_ids, "today": business_today(), "tz": get_analytics_settings().timezone},
    )
    per_site: dict[int, list[Decimal]] = {s.id: [Decimal(0)] * (len(BUCKETS) + 1) for s in sites}
    for r in rows:
        cells = per_site[r.site_id]
        age = max(int(r.age), 0)
        bucket = next(i for i, (lo, hi) in enumerate(BUCKETS) if hi is None or age <= hi)
        cells[bucket] += Decimal(r.value)
        cells[-1] += Decimal(r.qty)
    out = []
    for site in sites:
        cells = per_site[site.id]
        total = sum(cells[:-1], Decimal(0))
        old = cells[3] + cells[4]
        out.append(
            [site.code, site.name, cells[-1], money(total)]
            + [money(c) for c in cells[:-1]]
            + [(old / total).quantize(Decimal("0.0001")) if total else None]
        )
    return ReportTable(
        name="stock_aging",
        title="Stock aging",
        title_zh="库龄分析",
        columns=[
            Column("site", "Site", "门店/仓库"),
            Column("name", "Name", "名称"),
            Column("quantity", "Quantity", "数量", K.DECIMAL),
            Column("value", "Value", "金额", K.MONEY),
            *[Column(f"age_{i}", f"{t} days", f"{t}天", K.MONEY) for i, t in enumerate(BUCKET_TITLES)],
            Column("over_180_share", "Share over 180 days", "180天以上占比", K.PERCENT),
        ],
        rows=out,
        notes=[
            "Lots age from their receipt date; untracked stock from its last inbound move.",
            "Our own stock only: suppliers' consignment stock is left out.",
        ],
    )


async def dead_stock(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """Part × site with stock and no movement for `dead_days`, with a suggested action:
    transfer where the part still sells (the site with the highest forecast rate), else return to
    the vendor while the stock is young enough, else scrap."""
    settings = get_analytics_settings()
    days = params.dead_days or settings.dead_stock_days
    sites = await sites_in_scope(session, principal, params.location_code)
    site_ids = [s.id for s in sites]
    rows = await session.execute(
        text(
            f"""
            WITH st AS ({state_sql(pairs=False)}),
            dead AS (
                SELECT st.* FROM st
                 WHERE st.owned_on_hand > 0 AND st.last_move_at < now() - make_interval(days => CAST(:days AS int))
            ), demand AS (
                SELECT DISTINCT ON (f.part_id) f.part_id, f.location_id, f.daily_rate
                  FROM demand_forecast f JOIN dead d ON d.part_id = f.part_id
                 WHERE f.daily_rate > 0 AND f.location_id <> d.site_id
                 ORDER BY f.part_id, f.daily_rate DESC
            ), received AS (
                SELECT b.part_id, l.site_id, max(lt.received_on) AS received_on
                  FROM stock_balance b JOIN location l ON l.id = b.location_id
                  JOIN lot lt ON lt.part_id = b.part_id AND lt.lot_no = b.lot_no
                 WHERE b.on_hand > 0 AND {OWNED_BY_US_SQL} GROUP BY 1, 2
            )
            SELECT p.code, p.name_zh, p.active, p.primary_supplier_id, s.code AS site, d.owned_on_hand AS on_hand,
                   d.value,
                   d.last_move_at, (extract(epoch FROM now() - d.last_move_at) / 86400)::int AS idle_days,
                   t.code AS transfer_to, dm.daily_rate, coalesce(r.received_on, d.last_move_at::date) AS received_on
              FROM dead d
              JOIN part p ON p.id = d.part_id
              JOIN location s ON s.id = d.site_id
              LEFT JOIN demand dm ON dm.part_id = d.part_id
              LEFT JOIN location t ON t.id = dm.location_id
              LEFT JOIN received r ON r.part_id = d.part_id AND r.site_id = d.site_id
             ORDER BY d.value DESC
            """
        ),
        {"sites": site_ids, "days": days},
    )
    today = business_today()
    out = []
    for r in rows:
        if r.transfer_to:
            action, reason = "transfer", f"sells at {r.transfer_to} (~{float(r.daily_rate):.2f}/day)"
        elif r.active and r.primary_supplier_id and (today - r.received_on).days <= settings.return_window_days:
            action, reason = "return_to_vendor", f"received {r.received_on}, within the return window"
        else:
            action, reason = "scrap", "no demand anywhere and too old to return"
        out.append(
            [
                r.code,
                r.name_zh,
                r.site,
                Decimal(r.on_hand),
                money(r.value),
                r.last_move_at.date() if r.last_move_at else None,
                r.idle_days,
                action,
                r.transfer_to,
                reason,
            ]
        )
    return ReportTable(
        name="dead_stock",
        title="Dead stock",
        title_zh="呆滞库存",
        columns=[
            Column("part", "Part", "配件编码"),
            Column("name", "Name", "名称"),
            Column("site", "Site", "门店/仓库"),
            Column("on_hand", "On hand", "在库数量", K.DECIMAL),
            Column("value", "Value", "金额", K.MONEY),
            Column("last_move", "Last movement", "最后动销", K.DATE),
            Column("idle_days", "Idle days", "呆滞天数", K.INTEGER),
            Column("action", "Suggested action", "建议处理", K.TEXT),
            Column("transfer_to", "Transfer to", "调往", K.TEXT),
            Column("reason", "Why", "原因", K.TEXT),
        ],
        rows=out,
        notes=[f"No movement for more than {days} days; return window {settings.return_window_days} days."],
    )
