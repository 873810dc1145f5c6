"""Kit completeness: can this store do the job with what it has?

For every line: what is reserved, what the store could still reserve, what is missing; for a
missing part, the nearest sites that can spare it (never counting their safety stock) and the
substitutes — interchangeable parts and the newest part of its supersession chain — with their
own availability. All figures come from two or three statements whatever the kit size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock.site_stock import SiteStock, by_distance, site_stock
from domain.workshop.common import ZERO, LineView, line_views, load_work_order, location_by_code, part_by_scan

NEAREST_STORES = 3


class Relation:
    INTERCHANGEABLE = "interchangeable"
    SUPERSESSION = "supersession"


@dataclass(frozen=True, slots=True)
class SubstituteOffer:
    part_id: int
    relation: str
    available_at_store: Decimal
    covers_shortage: bool
    elsewhere: tuple[SiteStock, ...]


@dataclass(frozen=True, slots=True)
class KitLine:
    line: LineView
    available_at_store: Decimal
    missing: Decimal
    elsewhere: tuple[SiteStock, ...]
    substitutes: tuple[SubstituteOffer, ...]

    @property
    def status(self) -> str:
        if self.line.outstanding == ZERO:
            return "reserved"
        return "short" if self.missing > ZERO else "available"


@dataclass(frozen=True, slots=True)
class KitCheck:
    work_order_id: int
    store_id: int
    lines: tuple[KitLine, ...]

    @property
    def complete(self) -> bool:
        """Everything needed is reserved or can be reserved at the store now."""
        return all(line.missing == ZERO for line in self.lines)

    @property
    def fully_reserved(self) -> bool:
        return all(line.line.outstanding == ZERO for line in self.lines)


_SUBSTITUTES = text(
    """
    WITH RECURSIVE chain(origin, part_id, depth) AS (
        SELECT id, superseded_by_id, 1 FROM part WHERE id = ANY(:ids) AND superseded_by_id IS NOT NULL
        UNION ALL
        SELECT c.origin, p.superseded_by_id, c.depth + 1
          FROM chain c JOIN part p ON p.id = c.part_id
         WHERE p.superseded_by_id IS NOT NULL AND c.depth < 50
    ), newest AS (
        SELECT DISTINCT ON (origin) origin, part_id FROM chain ORDER BY origin, depth DESC
    )
    SELECT n.origin, n.part_id, 'supersession' AS relation FROM newest n
      JOIN part p ON p.id = n.part_id AND p.active
    UNION ALL
    SELECT s.part_id, s.substitute_id, 'interchangeable' FROM part_substitute s
      JOIN part p ON p.id = s.substitute_id AND p.active
     WHERE s.part_id = ANY(:ids)
    """
)


async def substitute_parts(session: AsyncSession, part_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Per part: the newest part of its supersession chain first, then interchangeable parts."""
    rows = await session.execute(_SUBSTITUTES, {"ids": sorted(set(part_ids))})
    result: dict[int, list[tuple[int, str]]] = {}
    for row in sorted(rows, key=lambda r: (r.relation != Relation.SUPERSESSION, r.part_id)):
        offers = result.setdefault(row.origin, [])
        if row.part_id != row.origin and all(row.part_id != known for known, _ in offers):
            offers.append((row.part_id, row.relation))
    return result


def nearest_sources(stocks: Sequence[SiteStock], origin_site_id: int) -> tuple[SiteStock, ...]:
    """The nearest stores that can spare stock, plus every warehouse that can (the daily run)."""
    spare = [s for s in stocks if s.site_id != origin_site_id and s.usable > ZERO]
    stores = [s for s in spare if s.kind == "store"][:NEAREST_STORES]
    warehouses = [s for s in spare if s.kind == "warehouse"]
    return tuple(sorted(stores + warehouses, key=by_distance))


def _at(stocks: Sequence[SiteStock], site_id: int) -> Decimal:
    return next((s.available for s in stocks if s.site_id == site_id), ZERO)


def _offers(
    candidates: Sequence[tuple[int, str]], stock: dict[int, list[SiteStock]], site_id: int, needed: Decimal
) -> tuple[SubstituteOffer, ...]:
    offers = []
    for part_id, relation in candidates:
        stocks = stock.get(part_id, [])
        here = _at(stocks, site_id)
        offers.append(
            SubstituteOffer(
                part_id=part_id,
                relation=relation,
                available_at_store=here,
                covers_shortage=here >= needed,
                elsewhere=nearest_sources(stocks, site_id),
            )
        )
    return tuple(offers)


async def kit_check(session: AsyncSession, principal: Principal, work_order_id: int) -> KitCheck:
    order, _ = await load_work_order(session, principal, work_order_id)
    return (await kit_checks(session, [(order.id, order.store_id)]))[order.id]


async def kit_checks(session: AsyncSession, orders: Sequence[tuple[int, int]]) -> dict[int, KitCheck]:
    """Kit checks of many (already authorised) orders, given as (work order id, store id): a page
    of orders costs two statements plus one per distinct store, not a few per order."""
    lines = await line_views(session, [wo for wo, _ in orders])
    substitutes = await substitute_parts(session, [x.part_id for found in lines.values() for x in found])
    stock: dict[int, dict[int, list[SiteStock]]] = {}
    for store in sorted({store for _, store in orders}):
        parts = [x.part_id for wo, at in orders if at == store for x in lines.get(wo, [])]
        involved = parts + [p for part in parts for p, _ in substitutes.get(part, [])]
        stock[store] = await site_stock(session, involved, store) if involved else {}
    return {wo: _check(wo, store, lines.get(wo, []), substitutes, stock[store]) for wo, store in orders}


def _check(
    work_order_id: int,
    site_id: int,
    lines: Sequence[LineView],
    substitutes: dict[int, list[tuple[int, str]]],
    stock: dict[int, list[SiteStock]],
) -> KitCheck:
    kit_lines = []
    for line in lines:
        stocks = stock.get(line.part_id, [])
        here = _at(stocks, site_id)
        missing = max(ZERO, line.outstanding - here)
        short = missing > ZERO
        kit_lines.append(
            KitLine(
                line=line,
                available_at_store=here,
                missing=missing,
                elsewhere=nearest_sources(stocks, site_id) if short else (),
                substitutes=_offers(substitutes.get(line.part_id, []), stock, site_id, missing) if short else (),
            )
        )
    return KitCheck(work_order_id=work_order_id, store_id=site_id, lines=tuple(kit_lines))


async def substitutes_for(
    session: AsyncSession, principal: Principal, part_code: str, location_code: str, quantity: Decimal
) -> tuple[SubstituteOffer, ...]:
    """Interchangeable and superseding parts for a part that is short at a location."""
    part = await part_by_scan(session, part_code)
    location = await location_by_code(session, location_code, "locationCode")
    if not principal.sees_path(location.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {location.code}", ["locationCode"])
    if location.kind not in STOCK_HOLDING_KINDS or location.site_id is None:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{location.code} does not hold stock", ["locationCode"])
    needed = validate_quantity(quantity, part.uom_precision)
    candidates = (await substitute_parts(session, [part.id])).get(part.id, [])
    if not candidates:
        return ()
    stock = await site_stock(session, [p for p, _ in candidates], location.site_id)
    return _offers(candidates, stock, location.site_id, needed)
