"""Consignment ownership on the ledger.

A consignment agreement gets a stock-holding zone under its site, coded `<SITE>-CSG-<SUPPLIER>`,
whose `owner_supplier_id` is the supplier. Stock there is physically at the site (site totals,
kits and transfers see it) but belongs to the supplier:

- Receipt: a consignment purchase order line is destined to that zone. Any receiving session
  posts it V-SUPPLIER → zone at the agreement's consignment price (purchasing routes lines by their
  destination's owner, `domain.purchasing.ownership`; `start_consignment_receiving` opens a session
  on the zone for a ship notice). That price rolls the part's moving average: it is what the goods
  will cost us once consumed. QC rejects go zone → V-SUPPLIER (a return, not consumption). No
  putaway and no three-way match release: the goods are in place, and paid for when consumed.
- Consumption: any move out of a supplier-owned location to a location that supplier does not own
  (a store shelf, V-WORKSHOP, V-CUSTOMER, a count loss) is the moment ownership passes; that is
  what the supplier invoices (`consignment_consumption_moves`). A move back in (a reversal) is
  negative consumption. Moves to or from V-SUPPLIER are deliveries and returns, not consumption.
- Valuation: our stock value excludes balances in locations with `owner_supplier_id` set;
  `OWNED_BY_US_SQL` is the predicate the analytics queries use (see docs/vmi.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import day_start
from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.org.models import SITE_KINDS, Location, LocationKind
from domain.principal import Principal
from domain.purchasing.common import next_id
from domain.purchasing.models import PurchaseOrderLine, ReceivingSession, ShipNotice, ShipNoticeLine
from domain.purchasing.policy import ensure_receiver, ensure_sees

CENT = Decimal("0.01")
# For valuation and "our stock" reports: `l` is the balance's location.
OWNED_BY_US_SQL = "l.owner_supplier_id IS NULL"


def consignment_location_code(site_code: str, supplier: Supplier) -> str:
    code = f"{site_code}-CSG-{supplier.code}"
    return code if len(code) <= 40 else f"{site_code}-CSG-{supplier.id}"[:40]


async def ensure_consignment_location(session: AsyncSession, site: Location, supplier: Supplier) -> Location:
    """The supplier-owned zone of this site, created on first use (idempotent under concurrency)."""
    if site.kind not in SITE_KINDS:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{site.code} is not a store or warehouse", ["locationCode"])
    code = consignment_location_code(site.code, supplier)
    await session.execute(
        pg_insert(Location)
        .values(
            code=code,
            name_zh=f"{site.name_zh}寄售区（{supplier.name_zh}）",
            name_en=f"{site.name_en} consignment ({supplier.name_en})",
            kind=LocationKind.ZONE.value,
            parent_id=site.id,
            site_id=site.id,
            path=f"{site.path}/{code}",
            city=site.city,
            active=True,
            owner_supplier_id=supplier.id,
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    zone = (await session.execute(select(Location).where(Location.code == code))).scalar_one()
    if zone.site_id != site.id or zone.owner_supplier_id != supplier.id or zone.kind != LocationKind.ZONE:
        raise DomainError(
            ErrorCode.INVALID_LOCATION, f"location {code} exists but is not {supplier.code}'s consignment zone here"
        )
    if not zone.active:
        zone.active = True
    return zone


@dataclass(frozen=True)
class ConsignmentConsumption:
    """One ledger move that passed ownership of consignment stock (quantity < 0: a reversal)."""

    move_id: int
    posted_at: datetime
    part_id: int
    part_code: str
    location_id: int  # the supplier-owned location the goods left (or came back to)
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    doc_type: str
    doc_ref: str | None


_CONSUMPTION = text(
    """
    WITH owned AS (SELECT id FROM location WHERE owner_supplier_id = :s)
    SELECT m.id AS move_id, m.created_at AS posted_at, m.part_id, p.code AS part_code,
           CASE WHEN lf.owner_supplier_id = :s THEN lf.id ELSE lt.id END AS location_id,
           CASE WHEN lf.owner_supplier_id = :s THEN m.quantity ELSE -m.quantity END AS quantity,
           coalesce(a.consignment_unit_price, sp.unit_price, p.purchase_price) AS unit_price,
           m.doc_type, m.doc_ref
      FROM stock_move m
      JOIN location lf ON lf.id = m.from_location_id
      JOIN location lt ON lt.id = m.to_location_id
      JOIN part p ON p.id = m.part_id
      LEFT JOIN vmi_agreement a
             ON a.supplier_id = :s AND a.part_id = m.part_id
            AND a.location_id = CASE WHEN lf.owner_supplier_id = :s THEN lf.site_id ELSE lt.site_id END
      LEFT JOIN supplier_part sp ON sp.supplier_id = :s AND sp.part_id = m.part_id
     WHERE (m.from_location_id IN (SELECT id FROM owned) OR m.to_location_id IN (SELECT id FROM owned))
       AND m.created_at >= :start AND m.created_at < :end
       AND ((lf.owner_supplier_id = :s AND lt.owner_supplier_id IS DISTINCT FROM :s
             AND lt.virtual_kind IS DISTINCT FROM 'supplier')
         OR (lt.owner_supplier_id = :s AND lf.owner_supplier_id IS DISTINCT FROM :s
             AND lf.virtual_kind IS DISTINCT FROM 'supplier'))
     ORDER BY m.created_at, m.id
    """
)


def _instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "times must carry a time zone", ["start"])
        return value
    return day_start(value)


async def consignment_consumption_moves(
    session: AsyncSession, supplier_id: int, start: date | datetime, end: date | datetime
) -> list[ConsignmentConsumption]:
    """What the supplier invoices for [start, end): dates are business days (the company's time
    zone), datetimes are instants. Trusted: callers check who may see the supplier's figures."""
    rows = await session.execute(_CONSUMPTION, {"s": supplier_id, "start": _instant(start), "end": _instant(end)})
    result = []
    for r in rows:
        quantity = Decimal(r.quantity)
        price = Decimal(r.unit_price)
        result.append(
            ConsignmentConsumption(
                move_id=r.move_id,
                posted_at=r.posted_at,
                part_id=r.part_id,
                part_code=r.part_code,
                location_id=r.location_id,
                quantity=quantity,
                unit_price=price,
                amount=(quantity * price).quantize(CENT),
                doc_type=r.doc_type,
                doc_ref=r.doc_ref,
            )
        )
    return result


async def start_consignment_receiving(
    session: AsyncSession, principal: Principal, ship_notice: str
) -> ReceivingSession:
    """A receiving session for a consignment delivery, opened on the supplier-owned zone the
    notice's lines are destined to. Every line of the notice must be for that one zone; a mixed or
    ordinary delivery is received the ordinary way (which routes consignment lines to their zone too)."""
    ensure_receiver(principal)
    ref = (ship_notice or "").strip().upper()
    notice = (
        await session.execute(
            select(ShipNotice)
            .where(or_(ShipNotice.label == ref, ShipNotice.number == ref))
            .order_by(ShipNotice.label != ref, ShipNotice.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if notice is None or notice.status != "open":
        raise DomainError(ErrorCode.NOT_FOUND, f"no open ship notice {ref}", ["shipNotice"])
    destinations = set(
        (
            await session.execute(
                select(PurchaseOrderLine.destination_location_id)
                .join(ShipNoticeLine, ShipNoticeLine.po_line_id == PurchaseOrderLine.id)
                .where(ShipNoticeLine.ship_notice_id == notice.id)
            )
        ).scalars()
    )
    zones = list((await session.execute(select(Location).where(Location.id.in_(destinations)))).scalars())
    if len(zones) != 1 or zones[0].owner_supplier_id != notice.supplier_id:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"ship notice {notice.number} is not a consignment delivery to one site; receive it normally",
            ["shipNotice"],
        )
    zone = zones[0]
    assert zone.site_id is not None
    site = await session.get(Location, zone.site_id)
    assert site is not None
    ensure_sees(principal, site.path, site.code, "shipNotice")
    pk = await next_id(session, "receiving_session")
    rs = ReceivingSession(
        id=pk,
        number=f"RCV-{pk:06d}",
        site_id=site.id,
        qc_location_id=zone.id,
        ship_notice_id=notice.id,
        status="open",
        started_by=principal.actor,
    )
    session.add(rs)
    await session.flush()
    return rs
