"""Stock per site: a store, or the warehouse with its zones and bins.

Workshop kits and transfers think in sites ("does store 1 have it?", "store 2 can spare 15"),
while balances and reservations live on individual bins. This module sums bins up to their site
(`location.site_id`) and spreads a site-level reservation over the bins in FEFO/FIFO order, so the
earliest-expiring, then earliest-received lot is promised (and picked) first wherever it lies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.stock import reservations

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class SiteLot:
    """Unreserved stock of one lot in one bin of a site."""

    location_id: int
    location_code: str
    lot_no: str
    available: Decimal
    received_on: date | None
    expiry_date: date | None


def fefo_key(lot: SiteLot) -> tuple[date, date, str, str]:
    """Earliest expiry first, then earliest received (lots without dates first, like the ledger)."""
    return (lot.expiry_date or date.max, lot.received_on or date.min, lot.location_code, lot.lot_no)


_SITE_LOTS = text(
    """
    SELECT b.location_id, loc.code AS location_code, b.lot_no, b.on_hand - b.reserved AS available,
           l.received_on, l.expiry_date
      FROM stock_balance b
      JOIN location loc ON loc.id = b.location_id
      LEFT JOIN lot l ON l.part_id = b.part_id AND l.lot_no = b.lot_no
     WHERE b.part_id = :p AND loc.site_id = :site AND b.on_hand - b.reserved > 0
    """
)


async def site_lots(session: AsyncSession, part_id: int, site_id: int) -> list[SiteLot]:
    """Unreserved lots of a part at a site, FEFO/FIFO ordered."""
    rows = await session.execute(_SITE_LOTS, {"p": part_id, "site": site_id})
    return sorted((SiteLot(**row._mapping) for row in rows), key=fefo_key)


@dataclass(frozen=True, slots=True)
class SiteAllocation:
    location_id: int
    lot_no: str
    quantity: Decimal


async def reserve_at_site(
    session: AsyncSession,
    principal: Principal,
    *,
    part_id: int,
    site_id: int,
    quantity: Decimal,
    precision: int,
    doc_type: str,
    doc_ref: str,
) -> list[SiteAllocation]:
    """Reserve `quantity` over the site's bins FEFO/FIFO, or raise INSUFFICIENT_STOCK.

    The split per bin follows the site-wide lot order; each bin is then reserved through
    `reservations.reserve` (which orders lots the same way within a bin) in location-id order, the
    ledger's lock order, so concurrent reservations and postings cannot deadlock."""
    lots = await site_lots(session, part_id, site_id)
    if sum((lot.available for lot in lots), ZERO) < quantity:
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, "not enough available stock to reserve", ["quantity"])
    per_location: dict[int, Decimal] = {}
    remaining = quantity
    for lot in lots:
        if remaining <= 0:
            break
        take = min(remaining, lot.available)
        per_location[lot.location_id] = per_location.get(lot.location_id, ZERO) + take
        remaining -= take
    allocations: list[SiteAllocation] = []
    for location_id in sorted(per_location):
        for allocation in await reservations.reserve(
            session,
            principal,
            part_id=part_id,
            location_id=location_id,
            quantity=per_location[location_id],
            precision=precision,
            doc_type=doc_type,
            doc_ref=doc_ref,
        ):
            allocations.append(SiteAllocation(location_id, allocation.lot_no, allocation.quantity))
    return allocations


@dataclass(frozen=True, slots=True)
class SiteStock:
    """One part at one site as seen from an origin site: stock, stocking policy and distance."""

    part_id: int
    site_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    path: str
    on_hand: Decimal
    available: Decimal
    safety_stock: Decimal
    reorder_point: Decimal | None
    max_stock: Decimal | None
    distance_km: Decimal | None
    last_move_at: datetime | None

    @property
    def usable(self) -> Decimal:
        """What the site can give away without going below its safety stock."""
        return max(ZERO, self.available - self.safety_stock)


_SITE_STOCK = text(
    """
    WITH stock AS (
        SELECT b.part_id, loc.site_id, sum(b.on_hand) AS on_hand, sum(b.on_hand - b.reserved) AS available,
               max(b.last_move_at) AS last_move_at
          FROM stock_balance b JOIN location loc ON loc.id = b.location_id
         WHERE b.part_id = ANY(:parts) AND loc.site_id IS NOT NULL
         GROUP BY 1, 2
    )
    SELECT s.part_id, s.site_id, site.code, site.name_zh, site.name_en, site.kind, site.path, s.on_hand,
           s.available, coalesce(p.safety_stock, 0) AS safety_stock, p.reorder_point, p.max_stock,
           coalesce(d1.km, d2.km) AS distance_km, s.last_move_at
      FROM stock s
      JOIN location site ON site.id = s.site_id AND site.active
      LEFT JOIN part_location_policy p ON p.part_id = s.part_id AND p.location_id = s.site_id
      LEFT JOIN site_distance d1 ON d1.from_site_id = :origin AND d1.to_site_id = s.site_id
      LEFT JOIN site_distance d2 ON d2.from_site_id = s.site_id AND d2.to_site_id = :origin
    """
)


def by_distance(stock: SiteStock) -> tuple[bool, Decimal, str]:
    """Nearest first; sites without a known distance last."""
    return (stock.distance_km is None, stock.distance_km or ZERO, stock.code)


async def site_stock(session: AsyncSession, part_ids: Sequence[int], origin_site_id: int) -> dict[int, list[SiteStock]]:
    """Per part, every site holding it (including the origin), nearest to the origin first.

    Deliberately company-wide: where else a part is matters to a store whatever its own scope,
    and these figures are only offered for transfer decisions, not as the stock lookup."""
    rows = await session.execute(_SITE_STOCK, {"parts": sorted(set(part_ids)), "origin": origin_site_id})
    result: dict[int, list[SiteStock]] = {}
    for row in rows:
        result.setdefault(row.part_id, []).append(SiteStock(**row._mapping))
    for stocks in result.values():
        stocks.sort(key=lambda s: (s.site_id != origin_site_id, *by_distance(s)))
    return result


_VIRTUAL = text(
    "SELECT id FROM location WHERE kind = 'virtual' AND virtual_kind = :kind AND active ORDER BY id LIMIT 1"
)


async def virtual_location_id(session: AsyncSession, virtual_kind: str) -> int:
    """The company's virtual location of a kind (V-WORKSHOP, V-TRANSIT, ...)."""
    found = (await session.execute(_VIRTUAL, {"kind": virtual_kind})).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no active {virtual_kind} location is set up")
    return int(found)
