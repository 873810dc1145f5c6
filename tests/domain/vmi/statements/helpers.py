"""A month of business with SUP-01 driven through the real services: an order received against a
ship notice whose price differs (finance releases the price exception), a QC reject returned to
the supplier, and consignment stock consumed from a supplier-owned zone. The expected figures are
written out from the inputs (quantity × price), not read back from the code under test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.analytics.settings import business_today
from domain.catalog.models import Supplier
from domain.identity.policy import ALL_SCOPES
from domain.org.models import Location, LocationKind
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import matching, qc, ship_notices
from domain.stock import ledger
from domain.vmi.statements.lines import month_of
from tests.domain.purchasing.helpers import HQ, scan, sent_order, start

Sessions = async_sessionmaker[AsyncSession]

FINANCE = Principal(PrincipalKind.USER, "fin", frozenset({Role.FINANCE}), scopes=ALL_SCOPES)
STAFF = Principal(PrincipalKind.USER, "staff", frozenset({Role.STORE_STAFF}), ("HQ/R-N/S-BJ01",), scopes=ALL_SCOPES)
SYSTEM = Principal.system("test")

# What the month holds, by construction.
RECEIPTS = Decimal("10") * Decimal("150.00") + Decimal("20") * Decimal("25.50")  # 2,010.00
RETURNS = Decimal("2") * Decimal("25.50")  # 51.00: 2 oil filters rejected at QC
PRICE_DIFFERENCES = Decimal("10") * (Decimal("160.00") - Decimal("150.00"))  # 100.00 released by finance
CONSUMED = Decimal("3")  # 2 to the workshop, 1 to the store shelf, out of the consignment zone


def supplier_principal(supplier_id: int, name: str = "sup") -> Principal:
    return Principal(
        PrincipalKind.SUPPLIER_USER, name, frozenset({Role.SUPPLIER}), supplier_id=supplier_id, scopes=ALL_SCOPES
    )


async def supplier_id(sessions: Sessions, code: str = "SUP-01") -> int:
    async with sessions() as s:
        return (await s.execute(select(Supplier.id).where(Supplier.code == code))).scalar_one()


async def second_supplier(sessions: Sessions) -> int:
    async with sessions() as s, s.begin():
        found = (await s.execute(select(Supplier).where(Supplier.code == "SUP-02"))).scalar_one_or_none()
        if found is not None:
            return found.id
        other = Supplier(code="SUP-02", name_zh="华东滤清器有限公司", name_en="East Filters", city="上海")
        s.add(other)
        await s.flush()
        return other.id


async def location_id(s: AsyncSession, code: str) -> int:
    return (await s.execute(select(Location.id).where(Location.code == code))).scalar_one()


def this_month() -> tuple[date, date]:
    return month_of(business_today())


def past_month(back: int) -> tuple[date, date]:
    first = business_today().replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return month_of(first)


@dataclass
class Month:
    po_number: str
    receipt_move_ids: list[int]
    return_move_ids: list[int]
    consumption_move_ids: list[int]
    match_id: int


async def consignment_zone(sessions: Sessions, supplier: int) -> int:
    """A zone of S-BJ01 owned by the supplier (as a consignment agreement creates it)."""
    async with sessions() as s, s.begin():
        site = (await s.execute(select(Location).where(Location.code == "S-BJ01"))).scalar_one()
        code = f"S-BJ01-CSG-T{supplier}"
        found = (await s.execute(select(Location.id).where(Location.code == code))).scalar_one_or_none()
        if found is not None:
            return found
        zone = Location(
            code=code,
            name_zh="寄售区",
            name_en="Consignment",
            kind=LocationKind.ZONE.value,
            parent_id=site.id,
            site_id=site.id,
            path=f"{site.path}/{code}",
            owner_supplier_id=supplier,
        )
        s.add(zone)
        await s.flush()
        return zone.id


async def business_month(sessions: Sessions) -> Month:
    """Receive, inspect, return, release a price difference and consume consignment stock."""
    view = await sent_order(
        sessions, [("BRK-0001-A", "10", "150.00", "S-BJ01"), ("FLT-0001-C", "20", "25.50", "S-BJ01")]
    )
    number = view.order.number
    async with sessions() as s, s.begin():
        notice = await ship_notices.create_ship_notice(
            s,
            HQ,
            ship_notices.ShipNoticeInput(
                "DN-ST-1",
                [
                    ship_notices.ShipNoticeLineInput(number, 1, Decimal(10), unit_price=Decimal("160.00")),
                    ship_notices.ShipNoticeLineInput(number, 2, Decimal(20)),
                ],
            ),
        )
    session_id = await start(sessions, "S-BJ01")
    brk = (await scan(sessions, session_id, notice.lines[0].label, "10", "st-k1")).lines[0]
    flt = (await scan(sessions, session_id, notice.lines[1].label, "20", "st-k2")).lines[0]
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(s, HQ, brk.id, accepted=Decimal(10), rejected=None)
        await qc.inspect_receipt(s, HQ, flt.id, accepted=Decimal(18), rejected=Decimal(2), reason="滤芯破损 torn")
    async with sessions() as s:
        queue, _ = await matching.list_matches(s, FINANCE)
    assert len(queue) == 1, queue
    async with sessions() as s, s.begin():
        await matching.resolve_match_exception(s, FINANCE, queue[0].id, release=True, note="supplier price agreed")

    supplier = await supplier_id(sessions)
    zone = await consignment_zone(sessions, supplier)
    async with sessions() as s, s.begin():
        part = (await s.execute(text("SELECT id FROM part WHERE code = 'BRK-0001-A'"))).scalar_one()
        vs, workshop, store = (
            await location_id(s, "V-SUPPLIER"),
            await location_id(s, "V-WORKSHOP"),
            await location_id(s, "S-BJ01"),
        )
        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type="consignment_receipt",
                doc_ref="CSG-IN-1",
                lines=[ledger.MoveLine(part, vs, zone, Decimal(5), unit_cost=Decimal("140.00"))],
            ),
        )
        used = await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type="workorder_issue",
                doc_ref="WO-ST-1",
                lines=[
                    ledger.MoveLine(part, zone, workshop, Decimal(2)),
                    ledger.MoveLine(part, zone, store, Decimal(1)),
                ],
            ),
        )
    async with sessions() as s:
        receipts = list(
            (
                await s.execute(
                    text("SELECT id FROM stock_move WHERE doc_type = 'po_receipt' AND doc_ref = :n ORDER BY id"),
                    {"n": number},
                )
            ).scalars()
        )
        returns = list(
            (
                await s.execute(text("SELECT id FROM stock_move WHERE doc_type = 'return_to_vendor' ORDER BY id"))
            ).scalars()
        )
    return Month(number, receipts, returns, [m.id for m in used.moves], queue[0].id)
