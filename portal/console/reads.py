"""Read models the console pages show, composed from the domain's reads.

Each function takes the signed-in principal and a site the caller already resolved inside the
principal's scope (`sites.current_site`); the domain reads apply their own visibility rules
(catalogue, orders, stock scope) on top. Nothing here decides a business rule: selections only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog import service as catalog
from domain.catalog.models import Part, Supplier
from domain.org.models import Location
from domain.principal import Principal
from domain.purchasing import orders as po_service
from domain.purchasing import reads as po_reads
from domain.purchasing import ship_notices
from domain.purchasing.models import (
    RECEIVABLE,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    ReceivingSession,
    ShipNotice,
    ShipNoticeLine,
)
from domain.stock.models import Lot, StockBalance
from domain.stock.service import stock_levels_for_parts
from domain.stock.site_stock import SiteStock, site_stock
from domain.workshop.kit import substitute_parts

ZERO = Decimal(0)
SEARCH_LIMIT = 20


# ------------------------------------------------------------------------------------- parts


async def find_parts(session: AsyncSession, principal: Principal, term: str) -> tuple[list[Part], int]:
    """The catalogue search the API uses: code, barcode, names, aliases, trade synonyms."""
    found = await catalog.search_parts(
        session, search=term, flt=catalog.PartFilter(), first=SEARCH_LIMIT, after_code=None, principal=principal
    )
    return found.items, found.total


@dataclass(frozen=True)
class LotHere:
    location_code: str
    lot_no: str
    on_hand: Decimal
    available: Decimal
    received_on: date | None
    expiry_date: date | None


@dataclass(frozen=True)
class Substitute:
    part: Part
    relation: str  # interchangeable | supersession
    available_here: Decimal
    nearest: SiteStock | None  # the nearest other site that can spare some


@dataclass(frozen=True)
class PartOverview:
    part: Part
    aliases: list[str]
    here: SiteStock | None
    lots_here: list[LotHere]
    elsewhere: list[SiteStock]  # other sites holding it, nearest first
    substitutes: list[Substitute]

    @property
    def available_here(self) -> Decimal:
        return self.here.available if self.here else ZERO


async def part_overview(session: AsyncSession, principal: Principal, code: str, site: Location) -> PartOverview | None:
    """A part as the catalogue shows it to this principal, with where it is across the company
    (`site_stock` is deliberately company-wide: transfer decisions need it), the lots and bins at
    the user's site (stock scope), and its substitutes; None when the part is unknown or hidden."""
    part = await catalog.part_by_code(session, code, principal)
    if part is None:
        part = await catalog.part_by_barcode(session, code, principal)
    if part is None:
        return None
    aliases = (await catalog.aliases_by_part_ids(session, [part.id])).get(part.id, [])
    relations = (await substitute_parts(session, [part.id])).get(part.id, [])
    substitute_ids = [pid for pid, _ in relations]
    stock = await site_stock(session, [part.id, *substitute_ids], site.id)
    sites = stock.get(part.id, [])
    here = next((s for s in sites if s.site_id == site.id), None)
    levels = (await stock_levels_for_parts(session, principal, [part.id])).get(part.id, [])
    lots = [
        LotHere(level.location.code, lot.lot_no, lot.on_hand, lot.available, lot.received_on, lot.expiry_date)
        for level in levels
        if level.location.site_id == site.id
        for lot in level.lots
    ]
    parts = await catalog.parts_by_ids(session, substitute_ids, principal) if substitute_ids else {}
    substitutes = []
    for pid, relation in relations:
        if pid not in parts:
            continue
        rows = stock.get(pid, [])
        at_site = next((s.available for s in rows if s.site_id == site.id), ZERO)
        nearest = next((s for s in rows if s.site_id != site.id and s.usable > 0), None)
        substitutes.append(Substitute(parts[pid], relation, at_site, nearest))
    return PartOverview(
        part=part,
        aliases=aliases,
        here=here,
        lots_here=lots,
        elsewhere=[s for s in sites if s.site_id != site.id],
        substitutes=substitutes,
    )


@dataclass(frozen=True)
class BinStock:
    part: Part
    lot_no: str
    on_hand: Decimal
    reserved: Decimal
    received_on: date | None


async def location_stock(session: AsyncSession, principal: Principal, location: Location) -> list[BinStock]:
    """What one location (a bin, or a store without bins) holds, parts as the principal sees them."""
    rows = (
        await session.execute(
            select(StockBalance, Lot.received_on)
            .outerjoin(Lot, (Lot.part_id == StockBalance.part_id) & (Lot.lot_no == StockBalance.lot_no))
            .where(StockBalance.location_id == location.id, StockBalance.on_hand > 0)
            .limit(500)
        )
    ).all()
    parts = await catalog.parts_by_ids(session, sorted({b.part_id for b, _ in rows}), principal)
    found = [
        BinStock(parts[b.part_id], b.lot_no, b.on_hand, b.reserved, received)
        for b, received in rows
        if b.part_id in parts
    ]
    return sorted(found, key=lambda s: (s.part.code, s.received_on or date.min, s.lot_no))


# --------------------------------------------------------------------------------- receiving


@dataclass(frozen=True)
class OrderToReceive:
    order: PurchaseOrder
    supplier: Supplier | None
    lines: list[PurchaseOrderLine]  # lines for this site

    @property
    def outstanding(self) -> Decimal:
        return sum((max(ZERO, x.quantity - x.received_qty + x.rejected_qty) for x in self.lines if not x.closed), ZERO)


async def orders_to_receive(session: AsyncSession, principal: Principal, site: Location) -> list[OrderToReceive]:
    """Sent (or partly received) orders the principal sees with open lines for this site."""
    orders, _ = await po_service.list_purchase_orders(
        session, principal, statuses=sorted(s.value for s in RECEIVABLE), first=100
    )
    lines = await po_reads.lines_by_order(session, [o.id for o in orders])
    suppliers = await catalog.suppliers_by_ids(session, sorted({o.supplier_id for o in orders}), principal)
    result = []
    for order in orders:
        here = [x for x in lines.get(order.id, []) if x.destination_site_id == site.id]
        if any(not x.closed for x in here):
            result.append(OrderToReceive(order, suppliers.get(order.supplier_id), here))
    return result


async def order_for_site(
    session: AsyncSession, principal: Principal, po_id: int, site: Location
) -> OrderToReceive | None:
    order = await po_service.get_purchase_order(session, principal, po_id=po_id)
    if order is None:
        return None
    lines = [x for x in (await po_reads.lines_by_order(session, [order.id])).get(order.id, [])]
    here = [x for x in lines if x.destination_site_id == site.id]
    if not here:
        return None
    suppliers = await catalog.suppliers_by_ids(session, [order.supplier_id], principal)
    return OrderToReceive(order, suppliers.get(order.supplier_id), here)


@dataclass(frozen=True)
class NoticeToReceive:
    notice: ShipNotice
    lines: list[ShipNoticeLine]
    part_ids: dict[int, int]  # notice line id → part id


async def notices_to_receive(session: AsyncSession, principal: Principal, site: Location) -> list[NoticeToReceive]:
    """Open ship notices the principal sees with goods for this site."""
    notices, _ = await ship_notices.list_ship_notices(session, principal, statuses=["open"], first=100)
    return await _notices_for_site(session, notices, site)


async def notice_for_site(
    session: AsyncSession, principal: Principal, notice_id: int, site: Location
) -> NoticeToReceive | None:
    notice = await ship_notices.get_ship_notice(session, principal, notice_id)
    if notice is None:
        return None
    found = await _notices_for_site(session, [notice], site)
    return found[0] if found else None


async def _notices_for_site(
    session: AsyncSession, notices: Sequence[ShipNotice], site: Location
) -> list[NoticeToReceive]:
    lines = await po_reads.notice_lines_by_notice(session, [n.id for n in notices])
    po_lines = await po_reads.order_lines_by_ids(session, sorted({x.po_line_id for ls in lines.values() for x in ls}))
    result = []
    for notice in notices:
        here = [x for x in lines.get(notice.id, []) if po_lines[x.po_line_id].destination_site_id == site.id]
        if here:
            result.append(NoticeToReceive(notice, here, {x.id: po_lines[x.po_line_id].part_id for x in here}))
    return result


async def open_receiving_sessions(session: AsyncSession, site: Location) -> list[ReceivingSession]:
    rows = await session.execute(
        select(ReceivingSession)
        .where(ReceivingSession.site_id == site.id, ReceivingSession.status == "open")
        .order_by(ReceivingSession.id.desc())
        .limit(20)
    )
    return list(rows.scalars())


async def receipts_waiting(session: AsyncSession, site: Location) -> list[ReceiptLine]:
    """Receipts at the site still waiting for QC or for putaway, oldest first."""
    rows = await session.execute(
        select(ReceiptLine)
        .where(
            ReceiptLine.site_id == site.id,
            or_(
                ReceiptLine.quantity > ReceiptLine.accepted_qty + ReceiptLine.rejected_qty,
                ReceiptLine.accepted_qty > ReceiptLine.put_away_qty,
            ),
        )
        .order_by(ReceiptLine.id)
        .limit(200)
    )
    return list(rows.scalars())
