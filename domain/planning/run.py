"""The daily planning run: demand history → forecast → stocking levels → ranked suggestions.

Reads everything it needs in a few set-based statements, plans all part × site series at once
with the vectorised planner (the same one the simulator replays), and writes forecasts, levels
(with their history) and suggestions back in bulk, in one transaction."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.planning.demand_profile import DemandHistory
from domain.planning.forecast import classify
from domain.planning.planners import ImsPlanner, Plan, SeriesInfo
from domain.planning.policy import Priority, suggestion_priority
from domain.principal import Principal
from domain.purchasing.performance import lead_time_history

Progress = Callable[[str], None]
PRIORITY_NAMES = {Priority.RED: "red", Priority.ORANGE: "orange", Priority.YELLOW: "yellow", Priority.GREEN: "green"}
WINDOW_DAYS = 365


@dataclass
class PlanningSummary:
    run_id: int
    as_of: date
    series: int
    suggestions: int
    by_priority: dict[str, int] = field(default_factory=dict)
    transfers: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Inputs:
    part_ids: np.ndarray
    site_ids: np.ndarray
    site_is_warehouse: np.ndarray
    supplier_ids: np.ndarray
    unit_cost: np.ndarray
    scale: np.ndarray  # units of planning per unit of measure (10 for litres planned in 0.1 L)
    moq: np.ndarray
    pack: np.ndarray
    lead_mean: np.ndarray
    lead_std: np.ndarray
    on_time: np.ndarray
    history: DemandHistory
    monthly: np.ndarray  # (series, 12) recent monthly totals, for demand classes


async def _raw(session: AsyncSession):  # type: ignore[no-untyped-def]
    conn = await session.connection()
    return (await conn.get_raw_connection()).driver_connection


async def _load(session: AsyncSession, today: date) -> _Inputs:
    raw = await _raw(session)
    sites = await raw.fetch(
        "SELECT id, kind FROM location WHERE kind IN ('store', 'warehouse') AND active "
        "ORDER BY kind = 'warehouse', code"
    )
    parts = await raw.fetch(
        """
        SELECT p.id, p.primary_supplier_id AS supplier_id,
               coalesce(nullif(p.avg_cost, 0), p.purchase_price)::float8 AS cost, p.moq, p.pack_size,
               p.uom_precision, p.lead_time_days,
               s.lead_time_days_mean::float8 AS lt_mean, s.lead_time_days_std::float8 AS lt_std,
               s.on_time_rate::float8 AS on_time
          FROM part p LEFT JOIN supplier s ON s.id = p.primary_supplier_id
         WHERE p.active ORDER BY p.id
        """
    )
    site_ids = np.array([r["id"] for r in sites], dtype=np.int64)
    part_ids = np.array([r["id"] for r in parts], dtype=np.int64)
    n_sites, n_parts = len(site_ids), len(part_ids)
    scale = np.array([10.0 if r["uom_precision"] > 0 else 1.0 for r in parts])

    def per_series(values: list[float]) -> np.ndarray:
        return np.repeat(np.asarray(values, dtype=np.float64), n_sites)

    # Lead times measured from real deliveries win over the declared ones once there are a few.
    measured = {k: v for k, v in (await lead_time_history(session)).items() if v.samples >= 3}

    def lead(r, declared_mean: float, declared_std: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        stats = measured.get(r["supplier_id"])
        if stats is None:
            return declared_mean, declared_std
        return float(stats.mean_days), float(stats.std_days or 0.0)

    leads = [
        lead(
            r,
            r["lt_mean"] or float(r["lead_time_days"]),
            r["lt_std"] if r["lt_std"] is not None else 0.25 * (r["lt_mean"] or 7.0),
        )
        for r in parts
    ]
    lead_mean = per_series([m for m, _ in leads])
    lead_std = per_series([sd for _, sd in leads])
    on_time = per_series([r["on_time"] if r["on_time"] is not None else 0.9 for r in parts])

    start = today - timedelta(days=WINDOW_DAYS)
    agg = await raw.fetchrow(
        """
        SELECT array_agg(part_id) AS p, array_agg(location_id) AS l, array_agg(day) AS d, array_agg(q) AS q
          FROM (SELECT part_id, location_id, (occurred_on - $1::date) AS day, sum(quantity)::float8 AS q
                  FROM demand_event WHERE occurred_on >= $1::date AND occurred_on < $2::date
                 GROUP BY 1, 2, 3) t
        """,
        start,
        today,
    )
    part_pos = np.full(int(part_ids.max(initial=0)) + 1, -1, dtype=np.int64)
    part_pos[part_ids] = np.arange(n_parts)
    site_pos = np.full(int(max(site_ids.max(initial=0), 1)) + 1, -1, dtype=np.int64)
    site_pos[site_ids] = np.arange(n_sites)
    if agg["p"]:
        ev_part = np.asarray(agg["p"], dtype=np.int64)
        ev_loc = np.asarray(agg["l"], dtype=np.int64)
        ev_day = np.asarray(agg["d"], dtype=np.int64)
        ev_qty = np.asarray(agg["q"], dtype=np.float64)
        ok = (ev_part < part_pos.size) & (ev_loc < site_pos.size)
        pi = np.where(ok, part_pos[np.where(ok, ev_part, 0)], -1)
        si = np.where(ok, site_pos[np.where(ok, ev_loc, 0)], -1)
        keep = (pi >= 0) & (si >= 0)
        rows = pi[keep] * n_sites + si[keep]
        days, qty = ev_day[keep], ev_qty[keep] * scale[pi[keep]]
    else:
        rows = days = np.zeros(0, dtype=np.int64)
        qty = np.zeros(0)
    n_series = n_parts * n_sites
    history = DemandHistory.from_events(n_series, WINDOW_DAYS, rows, days, qty)
    monthly = np.zeros((n_series, 12))
    np.add.at(monthly, (rows, np.minimum(days // 31, 11)), qty)
    is_wh = np.array([r["kind"] == "warehouse" for r in sites])
    return _Inputs(
        part_ids=part_ids,
        site_ids=site_ids,
        site_is_warehouse=is_wh,
        supplier_ids=np.array([r["supplier_id"] or 0 for r in parts], dtype=np.int64),
        unit_cost=per_series([r["cost"] or 0.0 for r in parts]) / np.repeat(scale, n_sites),
        scale=np.repeat(scale, n_sites),
        moq=per_series([r["moq"] for r in parts]) * np.repeat(scale, n_sites),
        pack=per_series([r["pack_size"] for r in parts]) * np.repeat(scale, n_sites),
        lead_mean=lead_mean,
        lead_std=lead_std,
        on_time=on_time,
        history=history,
        monthly=monthly,
    )


async def _positions(session: AsyncSession, inputs: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """On hand and reserved per series, summing a site's bins and zones into the site."""
    raw = await _raw(session)
    row = await raw.fetchrow(
        """
        SELECT array_agg(b.part_id) AS p, array_agg(loc.site_id) AS s,
               array_agg(b.on_hand::float8) AS h, array_agg(b.reserved::float8) AS r
          FROM (SELECT part_id, location_id, sum(on_hand) AS on_hand, sum(reserved) AS reserved
                  FROM stock_balance GROUP BY 1, 2) b
          JOIN location loc ON loc.id = b.location_id
         WHERE loc.site_id IS NOT NULL
        """
    )
    n_sites = len(inputs.site_ids)
    on_hand = np.zeros(len(inputs.part_ids) * n_sites)
    reserved = np.zeros_like(on_hand)
    if row["p"]:
        part_pos = {int(p): i for i, p in enumerate(inputs.part_ids)}
        site_pos = {int(s): i for i, s in enumerate(inputs.site_ids)}
        for p, s, h, r in zip(row["p"], row["s"], row["h"], row["r"], strict=True):
            pi, si = part_pos.get(p), site_pos.get(s)
            if pi is not None and si is not None:
                on_hand[pi * n_sites + si] += h
                reserved[pi * n_sites + si] += r
    return on_hand * inputs.scale, reserved * inputs.scale


async def _inbound(session: AsyncSession, inputs: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Open purchase-order quantities and stock shipped on transfers but not yet received, per series:
    both already count towards the position, so they must not be ordered again."""
    raw = await _raw(session)
    n_sites = len(inputs.site_ids)
    part_pos = {int(p): i for i, p in enumerate(inputs.part_ids)}
    site_pos = {int(s): i for i, s in enumerate(inputs.site_ids)}
    result = []
    for sql in (
        """
        SELECT l.part_id, loc.site_id, sum(greatest(l.quantity - l.received_qty + l.rejected_qty, 0))::float8 AS q
          FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
          JOIN location loc ON loc.id = l.destination_location_id
         WHERE o.status IN ('draft', 'submitted', 'approved', 'sent', 'partially_received')
         GROUP BY 1, 2
        UNION ALL
        SELECT l.part_id, o.to_site_id, sum(l.quantity - l.shipped)::float8
          FROM transfer_line l JOIN transfer_order o ON o.id = l.transfer_order_id
         WHERE o.status IN ('requested', 'approved', 'partially_shipped') AND NOT o.shipping_closed
         GROUP BY 1, 2
        """,
        """
        SELECT l.part_id, o.to_site_id AS site_id, sum(l.shipped - l.received - l.discrepancy)::float8 AS q
          FROM transfer_line l JOIN transfer_order o ON o.id = l.transfer_order_id
         WHERE o.status IN ('partially_shipped', 'shipped', 'partially_received')
         GROUP BY 1, 2
        """,
    ):
        values = np.zeros(len(inputs.part_ids) * n_sites)
        for row in await raw.fetch(sql):
            pi, si = part_pos.get(row["part_id"]), site_pos.get(row["site_id"])
            if pi is not None and si is not None and row["q"]:
                values[pi * n_sites + si] += row["q"]
        result.append(values * inputs.scale)
    return result[0], result[1]


def _csv(rows: list[tuple[object, ...]]) -> io.BytesIO:
    buffer = io.StringIO()
    for row in rows:
        buffer.write(",".join("" if v is None else str(v) for v in row))
        buffer.write("\n")
    return io.BytesIO(buffer.getvalue().encode())


def _warehouse_series(inputs: _Inputs) -> np.ndarray:
    """For each series, the series of the same part at the (first) warehouse, or -1."""
    n_sites = len(inputs.site_ids)
    part_of = np.repeat(np.arange(len(inputs.part_ids)), n_sites)
    wh_sites = np.flatnonzero(inputs.site_is_warehouse)
    if not wh_sites.size:
        return np.full(part_of.size, -1, dtype=np.int64)
    return part_of * n_sites + int(wh_sites[0])


def plan_series(inputs: _Inputs, today: date, planner: ImsPlanner) -> Plan:
    """The pure step: levels for every series from the history before `today`."""
    n_sites = len(inputs.site_ids)
    part_of = np.repeat(np.arange(len(inputs.part_ids)), n_sites)
    info = SeriesInfo.build(
        inputs.unit_cost,
        inputs.lead_mean,
        inputs.lead_std,
        inputs.on_time,
        moq=np.maximum(inputs.moq, 1).astype(np.int64),
        pack_size=np.maximum(inputs.pack, 1).astype(np.int64),
        warehouse=_warehouse_series(inputs),
        group=part_of,
    )
    return planner.plan(inputs.history, today, today - timedelta(days=WINDOW_DAYS), info)


async def load_inputs(session: AsyncSession, today: date) -> _Inputs:
    return await _load(session, today)


async def run_planning(
    session: AsyncSession,
    principal: Principal,
    *,
    today: date | None = None,
    planner: ImsPlanner | None = None,
    progress: Progress | None = None,
) -> PlanningSummary:
    """Plan every part × site; call inside one transaction (the caller commits)."""
    say = progress or (lambda step: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    today = today or date.today()
    planner = planner or ImsPlanner()

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 3)
        say(name)

    run_id = (
        await session.execute(
            text(
                "INSERT INTO planning_run (as_of, status, series, suggestions, actor) "
                "VALUES (:d, 'running', 0, 0, :a) RETURNING id"
            ),
            {"d": today, "a": principal.actor},
        )
    ).scalar_one()
    inputs = await _load(session, today)
    lap("read history")
    plan = plan_series(inputs, today, planner)
    detail = plan.detail
    assert detail is not None and plan.daily_rate is not None
    n_sites = len(inputs.site_ids)
    n_series = len(inputs.part_ids) * n_sites
    warehouse = _warehouse_series(inputs)
    wh_sites = np.flatnonzero(inputs.site_is_warehouse)
    classes = classify(inputs.monthly).labels
    lap("forecast and levels")

    on_hand, reserved = await _positions(session, inputs)
    on_order, in_transit = await _inbound(session, inputs)
    position = on_hand + on_order + in_transit - reserved
    rop = plan.reorder_point.astype(np.float64)
    ss = detail.safety_stock
    need = (rop >= 0) & (position <= rop) & (plan.order_qty > 0)
    q = plan.order_qty.astype(np.float64)
    lots = np.where(need, np.ceil((rop - position + 1) / np.maximum(q, 1)), 0)
    quantity = lots * q
    colour, p_out = suggestion_priority(position, ss, plan.daily_rate, inputs.lead_mean, detail.ltd_var)
    # Stores are fed from the warehouse's stock beyond what it keeps for its own demand.
    wh_free = np.zeros(n_series)
    if wh_sites.size:
        reserve = np.maximum(plan.reserve if plan.reserve is not None else rop, 0)
        wh_free = np.maximum(position[warehouse] - reserve[warehouse], 0)
    from_wh = need & (warehouse >= 0) & (warehouse != np.arange(n_series)) & (wh_free >= quantity)
    lap("suggestions")

    await _write(
        session,
        run_id,
        inputs,
        plan,
        classes,
        need,
        quantity,
        colour,
        p_out,
        on_hand,
        reserved,
        on_order,
        in_transit,
        from_wh,
        principal,
        today,
    )
    lap("write")

    elapsed = time.perf_counter() - started
    picked = colour[need]
    by_priority = {PRIORITY_NAMES[Priority(c)]: int((picked == c).sum()) for c in Priority}
    await session.execute(
        text(
            "UPDATE planning_run SET status = 'succeeded', finished_at = now(), series = :n, suggestions = :s, "
            "seconds = :t WHERE id = :id"
        ),
        {"n": n_series, "s": int(need.sum()), "t": Decimal(str(round(elapsed, 3))), "id": run_id},
    )
    return PlanningSummary(
        run_id=run_id,
        as_of=today,
        series=n_series,
        suggestions=int(need.sum()),
        by_priority=by_priority,
        transfers=int(from_wh.sum()),
        seconds=round(elapsed, 3),
        timings=timings,
    )


def _dec(values: np.ndarray, scale: np.ndarray) -> list[str]:
    return [f"{v:.6f}" for v in (values / scale).tolist()]


async def _write(
    session: AsyncSession,
    run_id: int,
    inputs: _Inputs,
    plan,  # type: ignore[no-untyped-def]
    classes: np.ndarray,
    need: np.ndarray,
    quantity: np.ndarray,
    colour: np.ndarray,
    p_out: np.ndarray,
    on_hand: np.ndarray,
    reserved: np.ndarray,
    on_order: np.ndarray,
    in_transit: np.ndarray,
    from_wh: np.ndarray,
    principal: Principal,
    today: date,
) -> None:
    raw = await _raw(session)
    n_sites = len(inputs.site_ids)
    part_col = np.repeat(inputs.part_ids, n_sites)
    site_col = np.tile(inputs.site_ids, len(inputs.part_ids))
    detail = plan.detail
    scale = inputs.scale
    rate = _dec(plan.own_rate if plan.own_rate is not None else plan.daily_rate, scale)
    ltd_mean = _dec(detail.ltd_mean, scale)
    ltd_var = _dec(detail.ltd_var, scale * scale)
    lead = [f"{v:.2f}" for v in inputs.lead_mean.tolist()]
    routed = plan.routed.tolist()
    parts_l, sites_l, classes_l = part_col.tolist(), site_col.tolist(), classes.tolist()

    await raw.execute("DELETE FROM demand_forecast")
    await raw.copy_to_table(
        "demand_forecast",
        source=_csv(
            [
                (parts_l[i], sites_l[i], run_id, rate[i], lead[i], ltd_mean[i], ltd_var[i], classes_l[i], routed[i])
                for i in range(len(parts_l))
            ]
        ),
        columns=[
            "part_id",
            "location_id",
            "run_id",
            "daily_rate",
            "lead_time_days",
            "ltd_mean",
            "ltd_var",
            "demand_class",
            "routed",
        ],
        format="csv",
    )
    period = today.replace(day=1)
    await raw.execute(
        """
        INSERT INTO forecast_snapshot (period, part_id, location_id, forecast, method)
        SELECT $1::date, part_id, location_id,
               daily_rate * extract(day FROM ($1::date + interval '1 month' - interval '1 day')), 'ims'
          FROM demand_forecast
        ON CONFLICT DO NOTHING
        """,
        period,
    )

    # Stocking levels: record what changes, then apply; levels a buyer pinned stay as they are.
    ss = np.where(plan.reorder_point >= 0, detail.safety_stock, 0.0)
    rop = np.maximum(plan.reorder_point, 0).astype(np.float64)
    mx = np.maximum(plan.max_stock if plan.max_stock is not None else rop, rop).astype(np.float64)
    await raw.execute(
        """
        CREATE TEMP TABLE planned_policy (part_id int, location_id int, safety_stock numeric, reorder_point numeric,
                                          max_stock numeric) ON COMMIT DROP
        """
    )
    await raw.copy_to_table(
        "planned_policy",
        source=_csv(list(zip(parts_l, sites_l, _dec(ss, scale), _dec(rop, scale), _dec(mx, scale), strict=True))),
        columns=["part_id", "location_id", "safety_stock", "reorder_point", "max_stock"],
        format="csv",
    )
    await raw.execute(
        """
        INSERT INTO policy_history (part_id, location_id, safety_stock, reorder_point, max_stock, source, run_id,
                                    changed_by)
        SELECT n.part_id, n.location_id, n.safety_stock, n.reorder_point, n.max_stock, 'planning', $1, $2
          FROM planned_policy n
          LEFT JOIN part_location_policy o ON o.part_id = n.part_id AND o.location_id = n.location_id
         WHERE o.part_id IS NULL
            OR (o.source <> 'pinned' AND (o.safety_stock, o.reorder_point, o.max_stock)
                IS DISTINCT FROM (n.safety_stock, n.reorder_point, n.max_stock))
        """,
        run_id,
        principal.actor,
    )
    await raw.execute(
        """
        INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, source)
        SELECT part_id, location_id, safety_stock, reorder_point, max_stock, 'planning' FROM planned_policy
        ON CONFLICT (part_id, location_id) DO UPDATE
           SET safety_stock = excluded.safety_stock, reorder_point = excluded.reorder_point,
               max_stock = excluded.max_stock, source = 'planning', updated_at = now()
         WHERE part_location_policy.source <> 'pinned'
        """
    )

    # Suggestions: the new run supersedes whatever is still open from earlier runs.
    await raw.execute("UPDATE replenishment_suggestion SET status = 'superseded' WHERE status = 'open'")
    idx = np.flatnonzero(need)
    supplier = np.repeat(inputs.supplier_ids, n_sites)
    warehouses = np.flatnonzero(inputs.site_is_warehouse)
    wh_site = int(inputs.site_ids[warehouses[0]]) if warehouses.size else None
    cost = inputs.unit_cost * scale
    rows = []
    for i in idx.tolist():
        s = float(scale[i])
        transfer = bool(from_wh[i])
        rows.append(
            (
                run_id,
                parts_l[i],
                sites_l[i],
                int(supplier[i]) or None,
                PRIORITY_NAMES[Priority(int(colour[i]))],
                int(colour[i]),
                f"{min(max(float(p_out[i]), 0.0), 1.0):.6f}",
                f"{on_hand[i] / s:.6f}",
                f"{reserved[i] / s:.6f}",
                f"{on_order[i] / s:.6f}",
                f"{in_transit[i] / s:.6f}",
                f"{ss[i] / s:.6f}",
                f"{rop[i] / s:.6f}",
                f"{mx[i] / s:.6f}",
                f"{quantity[i] / s:.6f}",
                f"{cost[i]:.6f}",
                "transfer" if transfer else "supplier",
                wh_site if transfer else None,
                "open",
            )
        )
    if rows:
        await raw.copy_to_table(
            "replenishment_suggestion",
            source=_csv(rows),
            columns=[
                "run_id",
                "part_id",
                "location_id",
                "supplier_id",
                "priority",
                "priority_rank",
                "stockout_probability",
                "on_hand",
                "reserved",
                "on_order",
                "in_transit",
                "safety_stock",
                "reorder_point",
                "max_stock",
                "quantity",
                "unit_cost",
                "source",
                "transfer_from_id",
                "status",
            ],
            format="csv",
        )
