"""The stock state of every part × site in one set-based statement: on hand, available, value,
last movement, stocking levels and forecast rate. Alert rules and KPI snapshots both read it, so a
stockout means the same thing on the dashboard and in an alert.

Balances of zones and bins roll up into their site (`location.site_id`); a part-site with a policy
but no balance row is in the state with zero stock (that is a stockout, not a missing row). Value is
on hand × cost: the lot's cost for FIFO parts, otherwise the moving average (purchase price until
the first valued receipt).

Stock in a location a supplier owns (consignment) is physically there: it counts in on hand and
available (it can be issued, which is its consumption). It is not ours: `value` and
`owned_on_hand` (what valuation, aging and dead stock look at) leave it out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.vmi.consignment import OWNED_BY_US_SQL

UNIT_COST = "coalesce(nullif(p.avg_cost, 0), p.purchase_price)"


def state_sql(*, pairs: bool) -> str:
    """SELECT of the state for sites `:sites` (int[]); with `pairs`, only the part × site pairs
    given as `:pair_parts` / `:pair_sites` (the incremental alert evaluation)."""
    pair_join = (
        "JOIN unnest(CAST(:pair_parts AS int[]), CAST(:pair_sites AS int[])) AS k(part_id, site_id) "
        "ON k.part_id = {alias}.part_id AND k.site_id = {site}"
        if pairs
        else ""
    )
    return f"""
    WITH stock AS (
        SELECT b.part_id, l.site_id, sum(b.on_hand) AS on_hand, sum(b.on_hand - b.reserved) AS available,
               sum(b.on_hand) FILTER (WHERE {OWNED_BY_US_SQL}) AS owned_on_hand,
               sum(b.on_hand * coalesce(CASE WHEN p.costing_method = 'fifo' THEN lt.unit_cost END, {UNIT_COST}))
                   FILTER (WHERE {OWNED_BY_US_SQL}) AS value,
               max(b.last_move_at) AS last_move_at
          FROM stock_balance b
          JOIN location l ON l.id = b.location_id
          JOIN part p ON p.id = b.part_id
          {pair_join.format(alias="b", site="l.site_id")}
          LEFT JOIN lot lt ON lt.part_id = b.part_id AND lt.lot_no = b.lot_no AND b.lot_no <> ''
         WHERE l.site_id = ANY(CAST(:sites AS int[]))
         GROUP BY b.part_id, l.site_id
    ), policy AS (
        SELECT pol.part_id, pol.location_id AS site_id, pol.safety_stock, pol.reorder_point, pol.max_stock
          FROM part_location_policy pol
          {pair_join.format(alias="pol", site="pol.location_id")}
         WHERE pol.location_id = ANY(CAST(:sites AS int[]))
    )
    SELECT coalesce(s.part_id, y.part_id) AS part_id, coalesce(s.site_id, y.site_id) AS site_id,
           coalesce(s.on_hand, 0) AS on_hand, coalesce(s.available, 0) AS available,
           coalesce(s.owned_on_hand, 0) AS owned_on_hand, coalesce(s.value, 0) AS value,
           {UNIT_COST} AS unit_cost, s.last_move_at,
           coalesce(y.safety_stock, 0) AS safety_stock, coalesce(y.reorder_point, 0) AS reorder_point,
           coalesce(y.max_stock, 0) AS max_stock, coalesce(f.daily_rate, 0) AS daily_rate
      FROM stock s
      FULL JOIN policy y ON y.part_id = s.part_id AND y.site_id = s.site_id
      JOIN part p ON p.id = coalesce(s.part_id, y.part_id)
      LEFT JOIN demand_forecast f ON f.part_id = coalesce(s.part_id, y.part_id)
                                 AND f.location_id = coalesce(s.site_id, y.site_id)
    """


async def all_site_ids(session: AsyncSession) -> list[int]:
    rows = await session.execute(text("SELECT id FROM location WHERE kind IN ('store', 'warehouse') ORDER BY id"))
    return [int(r) for r in rows.scalars()]


async def build_state_table(
    session: AsyncSession,
    site_ids: Sequence[int],
    pairs: Sequence[tuple[int, int]] | None = None,
) -> int:
    """(Re)create the session's temp table `tmp_part_site_state`; returns its row count. It lives
    as long as the connection, so callers that commit in between must keep one connection."""
    await session.execute(text("DROP TABLE IF EXISTS tmp_part_site_state"))
    params: dict[str, object] = {"sites": list(site_ids)}
    if pairs is not None:
        params["pair_parts"] = [p for p, _ in pairs]
        params["pair_sites"] = [s for _, s in pairs]
    result = await session.execute(
        text(f"CREATE TEMP TABLE tmp_part_site_state AS {state_sql(pairs=pairs is not None)}"), params
    )
    await session.execute(text("CREATE INDEX ON tmp_part_site_state (part_id, site_id)"))
    await session.execute(text("ANALYZE tmp_part_site_state"))
    return int(getattr(result, "rowcount", 0) or 0)
