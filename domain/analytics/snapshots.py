"""Writing the daily KPI snapshots (`kpi_site_day`).

- `refresh_today` (every few minutes): each site's stock state now — inventory value, stocked,
  out-of-stock, dead and overstocked SKUs, pending tasks — and today's flows so far.
- `finalise_days` (nightly, and to back-fill): the flows of complete days (receipts, issues, net
  value flow, demand lines served first time) from the ledger and the demand history, and for
  days that never had a refresh an inventory value rolled back from today's through the net flows
  (approximate: flows are valued at the moves' cost).

Both are single upserts keyed by (day, site): idempotent, so a retried or concurrent run writes
the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import AnalyticsSettings, business_today, day_start, get_analytics_settings
from domain.analytics.state import all_site_ids, state_sql

STOCKED = "(st.reorder_point > 0 OR st.safety_stock > 0)"


@dataclass(frozen=True)
class SiteState:
    site_id: int
    inventory_value: Any
    stocked_skus: int
    stockout_skus: int
    dead_stock_skus: int
    dead_stock_value: Any
    overstock_skus: int


async def existing_tables(session: AsyncSession, names: Sequence[str]) -> set[str]:
    rows = await session.execute(
        text("SELECT n FROM unnest(CAST(:n AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"), {"n": list(names)}
    )
    return set(rows.scalars())


async def site_states(
    session: AsyncSession, site_ids: Sequence[int], settings: AnalyticsSettings | None = None
) -> dict[int, SiteState]:
    """Stock state per site, computed now (what the refresh stores; also the dashboard's fallback)."""
    settings = settings or get_analytics_settings()
    # Dead stock is our own idle stock: a supplier's consignment stock is its problem, not our capital.
    dead = (
        f"(st.owned_on_hand > 0 AND st.last_move_at < now() - make_interval(days => {int(settings.dead_stock_days)}))"
    )
    rows = await session.execute(
        text(
            f"""
            WITH st AS ({state_sql(pairs=False)})
            SELECT st.site_id, round(sum(st.value), 2) AS inventory_value,
                   count(*) FILTER (WHERE {STOCKED}) AS stocked_skus,
                   count(*) FILTER (WHERE {STOCKED} AND st.available <= 0) AS stockout_skus,
                   count(*) FILTER (WHERE {dead}) AS dead_stock_skus,
                   coalesce(round(sum(st.value) FILTER (WHERE {dead}), 2), 0) AS dead_stock_value,
                   count(*) FILTER (WHERE st.max_stock > 0 AND st.on_hand > st.max_stock) AS overstock_skus
              FROM st GROUP BY st.site_id
            """
        ),
        {"sites": list(site_ids)},
    )
    found = {r.site_id: SiteState(**r._mapping) for r in rows}
    return {s: found.get(s) or SiteState(s, 0, 0, 0, 0, 0, 0) for s in site_ids}


async def pending_by_site(session: AsyncSession, site_ids: Sequence[int]) -> dict[str, dict[int, int]]:
    """Open work per site, from the tables of the contexts that are installed."""
    present = await existing_tables(session, ["replenishment_suggestion", "transfer_order", "count_variance"])
    params = {"sites": list(site_ids)}
    result: dict[str, dict[int, int]] = {"suggestions": {}, "transfers": {}, "variances": {}}
    queries = {
        "suggestions": (
            "replenishment_suggestion",
            "SELECT location_id AS site, count(*) AS n FROM replenishment_suggestion "
            "WHERE status = 'open' AND location_id = ANY(CAST(:sites AS int[])) GROUP BY 1",
        ),
        # A transfer waits for the source site, which gives up the stock.
        "transfers": (
            "transfer_order",
            "SELECT from_site_id AS site, count(*) AS n FROM transfer_order "
            "WHERE status = 'requested' AND from_site_id = ANY(CAST(:sites AS int[])) GROUP BY 1",
        ),
        "variances": (
            "count_variance",
            "SELECT l.site_id AS site, count(*) AS n FROM count_variance v JOIN location l ON l.id = v.location_id "
            "WHERE v.status IN ('pending', 'reviewed') AND l.site_id = ANY(CAST(:sites AS int[])) GROUP BY 1",
        ),
    }
    for key, (table, sql) in queries.items():
        if table in present:
            result[key] = {r.site: int(r.n) for r in await session.execute(text(sql), params)}
        else:
            result.pop(key)
    return result


# Receipts and issues are physical (a consignment delivery is dock work, issuing consignment stock
# is a cost of goods issued). The net value flow — what rolls inventory value back — follows
# ownership like the value does: a location a supplier owns is outside our stock, so a consignment
# delivery changes nothing and consumption into our shelves is an inflow.
_MOVE_FLOWS = """
    WITH m AS (
        SELECT m.created_at, m.quantity * m.unit_cost AS v, f.site_id AS from_site, t.site_id AS to_site,
               f.virtual_kind AS from_kind, t.virtual_kind AS to_kind,
               CASE WHEN f.owner_supplier_id IS NULL THEN f.site_id END AS from_own,
               CASE WHEN t.owner_supplier_id IS NULL THEN t.site_id END AS to_own
          FROM stock_move m
          JOIN location f ON f.id = m.from_location_id
          JOIN location t ON t.id = m.to_location_id
         WHERE m.created_at >= :since AND m.created_at < :until
           AND (m.from_location_id = ANY(CAST(:locations AS int[]))
                OR m.to_location_id = ANY(CAST(:locations AS int[])))
    ), sided AS (
        SELECT created_at, to_site AS site_id, 0 AS net, from_kind = 'supplier' AS receipt, false AS issue, v
          FROM m WHERE to_site IS NOT NULL AND to_site IS DISTINCT FROM from_site
        UNION ALL
        SELECT created_at, from_site, 0, false, coalesce(to_kind IN ('workshop', 'customer'), false), v
          FROM m WHERE from_site IS NOT NULL AND to_site IS DISTINCT FROM from_site
        UNION ALL
        SELECT created_at, to_own, v, false, false, v
          FROM m WHERE to_own IS NOT NULL AND to_own IS DISTINCT FROM from_own
        UNION ALL
        SELECT created_at, from_own, -v, false, false, v
          FROM m WHERE from_own IS NOT NULL AND to_own IS DISTINCT FROM from_own
    )
    SELECT (created_at AT TIME ZONE CAST(:tz AS text))::date AS day, site_id,
           count(*) FILTER (WHERE receipt) AS receipt_count,
           coalesce(sum(v) FILTER (WHERE receipt), 0) AS receipt_value,
           count(*) FILTER (WHERE issue) AS issue_count, coalesce(sum(v) FILTER (WHERE issue), 0) AS issue_value,
           sum(net) AS net_flow_value
      FROM sided WHERE site_id = ANY(CAST(:sites AS int[])) GROUP BY 1, 2
"""


async def _stock_locations(session: AsyncSession, site_ids: Sequence[int]) -> list[int]:
    rows = await session.execute(
        text("SELECT id FROM location WHERE site_id = ANY(CAST(:s AS int[]))"), {"s": list(site_ids)}
    )
    return [int(i) for i in rows.scalars()]


async def refresh_today(
    session: AsyncSession, *, site_ids: Sequence[int] | None = None, settings: AnalyticsSettings | None = None
) -> int:
    """Upsert today's row of every site: state now and today's move flows so far."""
    settings = settings or get_analytics_settings()
    today = business_today(settings)
    site_ids = list(site_ids) if site_ids is not None else await all_site_ids(session)
    states = await site_states(session, site_ids, settings)
    pending = await pending_by_site(session, site_ids)
    flows = {
        r.site_id: r
        for r in await session.execute(
            text(_MOVE_FLOWS),
            {
                "since": day_start(today, settings),
                "until": day_start(today + timedelta(days=1), settings),
                "locations": await _stock_locations(session, site_ids),
                "sites": site_ids,
                "tz": settings.timezone,
            },
        )
    }
    rows = []
    for site_id in site_ids:
        state, flow = states[site_id], flows.get(site_id)
        rows.append(
            {
                "day": today,
                "site": site_id,
                "iv": state.inventory_value,
                "stocked": state.stocked_skus,
                "stockout": state.stockout_skus,
                "dead": state.dead_stock_skus,
                "dead_value": state.dead_stock_value,
                "over": state.overstock_skus,
                "sug": pending.get("suggestions", {}).get(site_id, 0) if "suggestions" in pending else None,
                "tra": pending.get("transfers", {}).get(site_id, 0) if "transfers" in pending else None,
                "var": pending.get("variances", {}).get(site_id, 0) if "variances" in pending else None,
                "rc": flow.receipt_count if flow else 0,
                "rv": flow.receipt_value if flow else 0,
                "ic": flow.issue_count if flow else 0,
                "ivl": flow.issue_value if flow else 0,
                "net": flow.net_flow_value if flow else 0,
            }
        )
    await session.execute(
        text(
            """
            INSERT INTO kpi_site_day (day, site_id, state_at, inventory_value, stocked_skus, stockout_skus,
                                      dead_stock_skus, dead_stock_value, overstock_skus, pending_suggestions,
                                      pending_transfers, pending_variances, receipt_count, receipt_value,
                                      issue_count, issue_value, net_flow_value, refreshed_at)
            VALUES (:day, :site, now(), :iv, :stocked, :stockout, :dead, :dead_value, :over, :sug, :tra, :var,
                    :rc, :rv, :ic, :ivl, :net, now())
            ON CONFLICT (day, site_id) DO UPDATE SET
                state_at = now(), inventory_value = excluded.inventory_value, stocked_skus = excluded.stocked_skus,
                stockout_skus = excluded.stockout_skus, dead_stock_skus = excluded.dead_stock_skus,
                dead_stock_value = excluded.dead_stock_value, overstock_skus = excluded.overstock_skus,
                pending_suggestions = excluded.pending_suggestions, pending_transfers = excluded.pending_transfers,
                pending_variances = excluded.pending_variances, receipt_count = excluded.receipt_count,
                receipt_value = excluded.receipt_value, issue_count = excluded.issue_count,
                issue_value = excluded.issue_value, net_flow_value = excluded.net_flow_value, refreshed_at = now()
            """
        ),
        rows,
    )
    return len(rows)


async def finalise_days(
    session: AsyncSession,
    *,
    start: date | None = None,
    end: date | None = None,
    settings: AnalyticsSettings | None = None,
) -> int:
    """Write the flows of the complete days [start, end) (default: the last 3 days before today,
    which also catches late postings) and roll inventory values back for days without a state."""
    settings = settings or get_analytics_settings()
    today = business_today(settings)
    end = min(end or today, today)
    start = start or end - timedelta(days=3)
    if start >= end:
        return 0
    site_ids = await all_site_ids(session)
    params = {
        "since": day_start(start, settings),
        "until": day_start(end, settings),
        "locations": await _stock_locations(session, site_ids),
        "sites": site_ids,
        "tz": settings.timezone,
        "d0": start,
        "d1": end,
    }
    result = await session.execute(
        text(
            f"""
            WITH flows AS ({_MOVE_FLOWS}),
            demand AS (
                SELECT occurred_on AS day, location_id AS site_id, count(*) AS lines,
                       count(*) FILTER (WHERE filled >= quantity) AS filled
                  FROM demand_event
                 WHERE occurred_on >= :d0 AND occurred_on < :d1 AND location_id = ANY(CAST(:sites AS int[]))
                 GROUP BY 1, 2
            ), days AS (
                SELECT d::date AS day, s AS site_id
                  FROM generate_series(CAST(:d0 AS date), CAST(:d1 AS date) - 1, interval '1 day') AS d,
                       unnest(CAST(:sites AS int[])) AS s
            )
            INSERT INTO kpi_site_day AS k (day, site_id, demand_lines, demand_lines_filled, receipt_count,
                                           receipt_value, issue_count, issue_value, net_flow_value, refreshed_at)
            SELECT days.day, days.site_id, coalesce(d.lines, 0), coalesce(d.filled, 0), coalesce(f.receipt_count, 0),
                   coalesce(f.receipt_value, 0), coalesce(f.issue_count, 0), coalesce(f.issue_value, 0),
                   coalesce(f.net_flow_value, 0), now()
              FROM days
              LEFT JOIN flows f ON f.day = days.day AND f.site_id = days.site_id
              LEFT JOIN demand d ON d.day = days.day AND d.site_id = days.site_id
            ON CONFLICT (day, site_id) DO UPDATE SET
                demand_lines = excluded.demand_lines, demand_lines_filled = excluded.demand_lines_filled,
                receipt_count = excluded.receipt_count, receipt_value = excluded.receipt_value,
                issue_count = excluded.issue_count, issue_value = excluded.issue_value,
                net_flow_value = excluded.net_flow_value, refreshed_at = now()
            """
        ),
        params,
    )
    await _roll_back_values(session, today)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _roll_back_values(session: AsyncSession, today: date) -> None:
    """value(D) = value(today, as last refreshed) − net flows after D, for days without a state."""
    await session.execute(
        text(
            """
            WITH cur AS (
                SELECT site_id, inventory_value AS v FROM kpi_site_day WHERE day = :today AND state_at IS NOT NULL
            ),
            later AS (
                SELECT site_id, day,
                       coalesce(sum(net_flow_value) OVER (PARTITION BY site_id ORDER BY day DESC
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS after_flow
                  FROM kpi_site_day WHERE day <= :today
            )
            UPDATE kpi_site_day k SET inventory_value = greatest(cur.v - later.after_flow, 0)
              FROM cur, later
             WHERE k.site_id = cur.site_id AND later.site_id = k.site_id AND later.day = k.day
               AND k.day < :today AND k.state_at IS NULL
            """
        ),
        {"today": today},
    )
