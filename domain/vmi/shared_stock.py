"""The shared stock view of VMI agreements: what the buyer and the supplier both look at.

For each agreement (supplier × part × site): on hand in the site's subtree (the supplier-owned
consignment zone included, and shown apart), in transit (open ship-notice lines of open orders and
transfers shipped to the site), on order (the rest of open purchase-order lines), net consumption
over 30 and 90 days (ledger moves from the site to the workshop or customers, minus returns), the
planning forecast, days of cover and the status against the agreement's levels.

Everything is computed for any number of agreements in two statements (the agreements, then one
set-based query keyed by part × site), so a supplier with hundreds of agreements costs the same
round trips as one with a single agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier
from domain.org.models import Location
from domain.principal import Principal
from domain.vmi import levels as lv
from domain.vmi.models import VmiAgreement
from domain.vmi.policy import can_read, scope_clause

ZERO = Decimal(0)
CONSUMING = ("workshop", "customer")


@dataclass(frozen=True)
class SharedStock:
    agreement_id: int
    supplier_id: int
    part_id: int
    location_id: int
    mode: str
    consignment: bool
    on_hand: Decimal
    consignment_on_hand: Decimal  # part of on_hand owned by the supplier (its consignment zone)
    in_transit: Decimal
    on_order: Decimal
    consumption_30: Decimal
    consumption_90: Decimal
    forecast_daily_rate: Decimal | None  # planning's forecast, when it made one for the part × site
    daily_rate: Decimal
    min_qty: Decimal
    max_qty: Decimal
    precision: int

    @property
    def position(self) -> Decimal:
        return self.on_hand + self.in_transit + self.on_order

    @property
    def days_of_cover(self) -> Decimal | None:
        return lv.days_of_cover(self.on_hand, self.daily_rate)

    @property
    def status(self) -> lv.StockStatus:
        return lv.status(self.position, self.levels)

    @property
    def levels(self) -> lv.Levels:
        return lv.Levels(self.min_qty, self.max_qty)

    @property
    def suggested_qty(self) -> Decimal:
        return lv.suggested_quantity(self.position, self.levels, self.precision)


_FIGURES = text(
    """
    WITH keys AS (
        SELECT DISTINCT k.part_id, k.site_id, k.supplier_id
          FROM unnest(CAST(:parts AS int[]), CAST(:sites AS int[]), CAST(:suppliers AS int[]))
               AS k(part_id, site_id, supplier_id)
    ), pairs AS (
        SELECT DISTINCT part_id, site_id FROM keys
    ), bal AS (
        SELECT b.part_id, l.site_id, l.owner_supplier_id, sum(b.on_hand) AS on_hand
          FROM stock_balance b
          JOIN location l ON l.id = b.location_id
          JOIN pairs k ON k.part_id = b.part_id AND k.site_id = l.site_id
         GROUP BY 1, 2, 3
    ), po_lines AS (
        SELECT pl.id, pl.part_id, pl.destination_site_id AS site_id,
               greatest(pl.quantity - pl.received_qty + pl.rejected_qty, 0) AS open_qty
          FROM purchase_order_line pl
          JOIN purchase_order o ON o.id = pl.purchase_order_id
          JOIN pairs k ON k.part_id = pl.part_id AND k.site_id = pl.destination_site_id
         WHERE o.status IN ('submitted', 'approved', 'sent', 'partially_received') AND NOT pl.closed
    ), shipped AS (
        SELECT nl.po_line_id, sum(greatest(nl.quantity - nl.received_qty, 0)) AS q
          FROM ship_notice_line nl
          JOIN ship_notice n ON n.id = nl.ship_notice_id
         WHERE n.status = 'open' AND NOT nl.short_closed AND nl.po_line_id IN (SELECT id FROM po_lines)
         GROUP BY 1
    ), po AS (
        SELECT p.part_id, p.site_id,
               sum(least(coalesce(s.q, 0), p.open_qty)) AS in_transit,
               sum(p.open_qty - least(coalesce(s.q, 0), p.open_qty)) AS on_order
          FROM po_lines p LEFT JOIN shipped s ON s.po_line_id = p.id
         GROUP BY 1, 2
    ), tr AS (
        SELECT l.part_id, o.to_site_id AS site_id, sum(l.shipped - l.received - l.discrepancy) AS q
          FROM transfer_line l
          JOIN transfer_order o ON o.id = l.transfer_order_id
          JOIN pairs k ON k.part_id = l.part_id AND k.site_id = o.to_site_id
         WHERE o.status IN ('partially_shipped', 'shipped', 'partially_received')
         GROUP BY 1, 2
    ), used AS (
        SELECT m.part_id, coalesce(lf.site_id, lt.site_id) AS site_id,
               coalesce(sum(CASE WHEN lt.virtual_kind = ANY(CAST(:consuming AS text[])) THEN m.quantity
                                 ELSE -m.quantity END) FILTER (WHERE m.created_at >= :since30), 0) AS c30,
               sum(CASE WHEN lt.virtual_kind = ANY(CAST(:consuming AS text[])) THEN m.quantity
                        ELSE -m.quantity END) AS c90
          FROM stock_move m
          JOIN location lf ON lf.id = m.from_location_id
          JOIN location lt ON lt.id = m.to_location_id
         WHERE m.part_id = ANY(CAST(:parts AS int[])) AND m.created_at >= :since90
           AND ((lt.virtual_kind = ANY(CAST(:consuming AS text[])) AND lf.site_id = ANY(CAST(:sites AS int[])))
             OR (lf.virtual_kind = ANY(CAST(:consuming AS text[])) AND lt.site_id = ANY(CAST(:sites AS int[]))))
         GROUP BY 1, 2
    )
    SELECT k.part_id, k.site_id, k.supplier_id,
           coalesce((SELECT sum(on_hand) FROM bal WHERE bal.part_id = k.part_id AND bal.site_id = k.site_id), 0)
               AS on_hand,
           coalesce((SELECT sum(on_hand) FROM bal WHERE bal.part_id = k.part_id AND bal.site_id = k.site_id
                        AND bal.owner_supplier_id = k.supplier_id), 0) AS consignment_on_hand,
           coalesce(po.in_transit, 0) + coalesce(tr.q, 0) AS in_transit,
           coalesce(po.on_order, 0) AS on_order,
           coalesce(u.c30, 0) AS c30, coalesce(u.c90, 0) AS c90,
           f.daily_rate AS forecast
      FROM keys k
      LEFT JOIN po ON po.part_id = k.part_id AND po.site_id = k.site_id
      LEFT JOIN tr ON tr.part_id = k.part_id AND tr.site_id = k.site_id
      LEFT JOIN used u ON u.part_id = k.part_id AND u.site_id = k.site_id
      LEFT JOIN demand_forecast f ON f.part_id = k.part_id AND f.location_id = k.site_id
    """
)


def _now() -> datetime:
    return datetime.now(UTC)


async def compute(session: AsyncSession, agreements: Sequence[VmiAgreement]) -> dict[int, SharedStock]:
    """The figures of these agreements, trusted (callers have checked visibility)."""
    if not agreements:
        return {}
    now = _now()
    precisions = dict(
        (await session.execute(select(Part.id, Part.uom_precision).where(Part.id.in_({a.part_id for a in agreements}))))
        .tuples()
        .all()
    )
    rows = await session.execute(
        _FIGURES,
        {
            "parts": [a.part_id for a in agreements],
            "sites": [a.location_id for a in agreements],
            "suppliers": [a.supplier_id for a in agreements],
            "consuming": list(CONSUMING),
            "since30": now - timedelta(days=30),
            "since90": now - timedelta(days=lv.CONSUMPTION_DAYS),
        },
    )
    figures = {(r.part_id, r.site_id, r.supplier_id): r for r in rows}
    result: dict[int, SharedStock] = {}
    for a in agreements:
        r = figures[(a.part_id, a.location_id, a.supplier_id)]
        precision = precisions[a.part_id]
        forecast = Decimal(r.forecast) if r.forecast is not None else None
        rate = lv.daily_rate(forecast, Decimal(r.c90))
        levels = lv.effective_levels(
            a.mode,
            min_qty=a.min_qty,
            max_qty=a.max_qty,
            min_days=a.min_days,
            max_days=a.max_days,
            rate=rate,
            precision=precision,
        )
        result[a.id] = SharedStock(
            agreement_id=a.id,
            supplier_id=a.supplier_id,
            part_id=a.part_id,
            location_id=a.location_id,
            mode=a.mode,
            consignment=a.consignment,
            on_hand=Decimal(r.on_hand),
            consignment_on_hand=Decimal(r.consignment_on_hand),
            in_transit=Decimal(r.in_transit),
            on_order=Decimal(r.on_order),
            consumption_30=Decimal(r.c30),
            consumption_90=Decimal(r.c90),
            forecast_daily_rate=forecast,
            daily_rate=rate,
            min_qty=levels.min_qty,
            max_qty=levels.max_qty,
            precision=precision,
        )
    return result


async def shared_stock(
    session: AsyncSession,
    principal: Principal,
    *,
    supplier_code: str | None = None,
    location_code: str | None = None,
    part_code: str | None = None,
    statuses: Sequence[lv.StockStatus] | None = None,
    include_inactive: bool = False,
) -> list[SharedStock]:
    """The shared stock of every agreement the principal may see, by site code then part code."""
    if not can_read(principal):
        return []
    stmt = (
        select(VmiAgreement)
        .join(Location, Location.id == VmiAgreement.location_id)
        .join(Part, Part.id == VmiAgreement.part_id)
        .where(scope_clause(principal, VmiAgreement.supplier_id, VmiAgreement.location_id))
        .order_by(Location.code, Part.code, VmiAgreement.id)
    )
    if not include_inactive:
        stmt = stmt.where(VmiAgreement.active.is_(True))
    if supplier_code:
        stmt = stmt.join(Supplier, Supplier.id == VmiAgreement.supplier_id).where(
            Supplier.code == supplier_code.strip().upper()
        )
    if location_code:
        stmt = stmt.where(Location.code == location_code.strip().upper())
    if part_code:
        stmt = stmt.where(Part.code == part_code.strip().upper())
    agreements = list((await session.execute(stmt)).scalars())
    figures = await compute(session, agreements)
    found = [figures[a.id] for a in agreements]
    if statuses:
        wanted = set(statuses)
        found = [s for s in found if s.status in wanted]
    return found


async def shared_stock_by_agreement(
    session: AsyncSession, principal: Principal, agreement_ids: Sequence[int]
) -> dict[int, SharedStock]:
    """Batch read for DataLoaders and lists: only the agreements the principal may see."""
    if not agreement_ids or not can_read(principal):
        return {}
    stmt = select(VmiAgreement).where(
        VmiAgreement.id.in_(sorted(set(agreement_ids))),
        scope_clause(principal, VmiAgreement.supplier_id, VmiAgreement.location_id),
    )
    return await compute(session, list((await session.execute(stmt)).scalars()))
