"""The store-console test world, built through the domain services on top of tests/seed.py.

Its own supplier (SUP-CSL) and parts (CSL-0001-A counted in pieces, moving average; CSL-0002-B in
litres with lots, FIFO), so the console's stock-changing flows never touch the figures another
test module (the supplier portal's, on the same live server) relies on:

- opening stock: CSL-0001-A 20 at S-BJ01, 15 at S-BJ02 (8 km), 30 at S-BJ03; CSL-0002-B 12.5 at
  S-BJ01 (lot CL-1, older) + 8 (lot CL-2), 5 at S-BJ02; CSL-0002-B substitutes CSL-0001-A;
- purchase orders sent to SUP-CSL: `po_bj01` (CSL-0001-A × 10 and CSL-0002-B × 4 for S-BJ01) and
  `po_bj02` (CSL-0001-A × 3 for S-BJ02) with an open receiving session at S-BJ02;
- work orders: `wo_bj01` (CSL-0001-A × 2, CSL-0002-B × 1.5 at S-BJ01), `wo_bj02` (S-BJ02);
- sample count plans (every SKU-location) at S-BJ01 and at S-BJ02;
- transfers: `t_out` S-BJ01 → S-BJ02 (CSL-0001-A × 3, approved: S-BJ01 ships it), `t_in`
  S-BJ02 → S-BJ01 (CSL-0001-A × 4, shipped: S-BJ01 receives it), `t_other` S-BJ02 → S-BJ03;
- a counter sale at S-BJ02 (`sale_bj02`).

`build_world(sessions)` returns the ids; it runs once per database (each HTTP test, and once per
module on the browser tests' live server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.catalog.models import Part, PartSubstitute, Supplier
from domain.counting import service as counting
from domain.counting.models import CountKind
from domain.identity.policy import ALL_SCOPES
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders, receiving
from domain.sales import selling
from domain.stock import ledger
from domain.stock.check import check_ledger
from domain.transfers import service as transfers
from domain.transfers import shipping
from domain.workshop import service as workshop

Sessions = async_sessionmaker[AsyncSession]

HQ = Principal(PrincipalKind.USER, "hq.console", frozenset({Role.HQ_OPERATIONS}), scopes=ALL_SCOPES)
SYSTEM = Principal.system("console-test")
SUPPLIER = "SUP-CSL"
PART_A = "CSL-0001-A"  # pieces, moving average
PART_B = "CSL-0002-B"  # litres (2 decimals), FIFO, lots
PART_A_BARCODE = "6909990000017"


@dataclass(frozen=True)
class World:
    po_bj01: str
    po_bj01_id: int
    po_bj02_id: int
    session_bj02: int
    wo_bj01: int
    wo_bj02: int
    plan_bj01: int
    plan_bj02: int
    t_out: int
    t_in: int
    t_other: int
    sale_bj02: str


async def _master_data(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        supplier = Supplier(code=SUPPLIER, name_zh="控制台测试供应商", name_en="Console Test Supplies", city="北京")
        s.add(supplier)
        await s.flush()
        ids = {}
        for code, barcode, zh, en, uom, precision, price, costing in (
            (PART_A, PART_A_BARCODE, "空调滤芯", "Cabin Air Filter", "PCS", 0, "40.00", "moving_average"),
            (PART_B, "6909990000024", "制动液", "Brake Fluid DOT4", "L", 2, "30.00", "fifo"),
        ):
            part = Part(
                code=code,
                barcode=barcode,
                name_zh=zh,
                name_en=en,
                category=code[:3],
                uom=uom,
                uom_precision=precision,
                purchase_price=Decimal(price),
                sale_price=Decimal(price) * 2,
                costing_method=costing,
                primary_supplier_id=supplier.id,
                lead_time_days=3,
                moq=1,
                pack_size=1,
                abc_class=code[-1],
                spec="控制台测试",
            )
            s.add(part)
            await s.flush()
            ids[code] = part.id
        s.add(PartSubstitute(part_id=ids[PART_B], substitute_id=ids[PART_A]))
        loc = {
            row.code: row.id
            for row in await s.execute(
                select(Location.code, Location.id).where(Location.code.like("S-%") | Location.code.like("V-%"))
            )
        }
        opening = [
            (PART_A, "S-BJ01", "20", ""),
            (PART_A, "S-BJ02", "15", ""),
            (PART_A, "S-BJ03", "30", ""),
            (PART_B, "S-BJ01", "12.5", "CL-1"),
            (PART_B, "S-BJ01", "8", "CL-2"),
            (PART_B, "S-BJ02", "5", "CL-1"),
        ]
        received = {"CL-1": date.today() - timedelta(days=60), "CL-2": date.today() - timedelta(days=10)}
        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type="opening_balance",
                idempotency_key="console-world-opening",
                lines=[
                    ledger.MoveLine(
                        part_id=ids[code],
                        from_location_id=loc["V-ADJUSTMENT"],
                        to_location_id=loc[site],
                        quantity=Decimal(qty),
                        lot_no=lot,
                        unit_cost=Decimal("40.00") if code == PART_A else Decimal("30.00"),
                        received_on=received.get(lot),
                    )
                    for code, site, qty, lot in opening
                ],
            ),
        )


async def _sent_order(sessions: Sessions, lines: list[tuple[str, str, str]]) -> tuple[int, str]:
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s,
            HQ,
            SUPPLIER,
            [
                orders.OrderLineInput(part, Decimal(qty), site, None, date.today() + timedelta(days=3))
                for part, qty, site in lines
            ],
        )
        for step in (orders.submit_purchase_order, orders.approve_purchase_order, orders.send_purchase_order):
            await step(s, HQ, view.order.id)
        return view.order.id, view.order.number


async def _work_order(sessions: Sessions, store: str, lines: list[tuple[str, str]], vin: str) -> int:
    async with sessions() as s, s.begin():
        created = await workshop.create_work_order(
            s,
            SYSTEM,
            workshop.CreateWorkOrder(
                store_code=store,
                vehicle=workshop.Vehicle(vin=vin, make="比亚迪", model="汉 EV", year=2023),
                fault_description="空调异味，更换滤芯 / cabin smell, replace filter",
                lines=[workshop.PartQuantity(code, Decimal(qty)) for code, qty in lines],
            ),
        )
        return created.work_order.id


async def _count_plan(sessions: Sessions, store: str) -> int:
    async with sessions() as s, s.begin():
        plan = await counting.create_plan(
            s,
            SYSTEM,
            counting.CreatePlanCommand(
                kind=CountKind.SAMPLE, location_code=store, name=f"抽盘 {store}", sample_fraction=Decimal(1), seed=7
            ),
        )
        return plan.id


async def _transfer(sessions: Sessions, source: str, target: str, qty: str, *, ship: bool) -> int:
    async with sessions() as s, s.begin():
        requested = await transfers.request_transfer(
            s,
            SYSTEM,
            transfers.RequestTransfer(source, target, [transfers.PartQuantity(PART_A, Decimal(qty))], reason="测试"),
        )
        order = requested.transfer
        await transfers.approve_transfer(s, HQ, order.id)
        if ship:
            await shipping.ship_transfer(s, SYSTEM, shipping.ShipTransfer(order.id))
        return order.id


async def build_world(sessions: Sessions) -> World:
    await _master_data(sessions)
    po1_id, po1 = await _sent_order(sessions, [(PART_A, "10", "S-BJ01"), (PART_B, "4", "S-BJ01")])
    po2_id, _ = await _sent_order(sessions, [(PART_A, "3", "S-BJ02")])
    async with sessions() as s, s.begin():
        session_bj02 = (await receiving.start_receiving(s, SYSTEM, "S-BJ02")).id
    wo1 = await _work_order(sessions, "S-BJ01", [(PART_A, "2"), (PART_B, "1.5")], "LGXCE4CB0P0000001")
    wo2 = await _work_order(sessions, "S-BJ02", [(PART_A, "1")], "LGXCE4CB0P0000002")
    plan1 = await _count_plan(sessions, "S-BJ01")
    plan2 = await _count_plan(sessions, "S-BJ02")
    t_out = await _transfer(sessions, "S-BJ01", "S-BJ02", "3", ship=False)
    t_in = await _transfer(sessions, "S-BJ02", "S-BJ01", "4", ship=True)
    t_other = await _transfer(sessions, "S-BJ02", "S-BJ03", "2", ship=False)
    async with sessions() as s, s.begin():
        sale = await selling.create_counter_sale(
            s,
            SYSTEM,
            selling.NewCounterSale(
                store_code="S-BJ02",
                lines=[selling.SaleLineInput(PART_A, Decimal(1))],
                payment_method="cash",
                idempotency_key="console-world-sale-bj02",
            ),
        )
    return World(
        po_bj01=po1,
        po_bj01_id=po1_id,
        po_bj02_id=po2_id,
        session_bj02=session_bj02,
        wo_bj01=wo1,
        wo_bj02=wo2,
        plan_bj01=plan1,
        plan_bj02=plan2,
        t_out=t_out,
        t_in=t_in,
        t_other=t_other,
        sale_bj02=sale.sale.number,
    )


# ------------------------------------------------------------------------------ ledger reads


async def on_hand(sessions: Sessions, part: str, location: str) -> Decimal:
    """Σ on hand of a part over a location and everything below it (bins, the QC bin)."""
    async with sessions() as s:
        value = (
            await s.execute(
                text(
                    "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
                    "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND (l.code = :l OR l.site_id = "
                    "(SELECT id FROM location WHERE code = :l))"
                ),
                {"p": part, "l": location},
            )
        ).scalar_one()
    return Decimal(value)


async def moved(sessions: Sessions, part: str, source: str, target: str, doc_type: str | None = None) -> Decimal:
    """Σ quantity of the ledger moves of a part from a site (or its bins) to a location."""
    sql = (
        "SELECT coalesce(sum(m.quantity), 0) FROM stock_move m JOIN part p ON p.id = m.part_id "
        "JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id "
        "WHERE p.code = :p AND (f.code = :f OR f.site_id = (SELECT id FROM location WHERE code = :f)) "
        "AND (t.code = :t OR t.site_id = (SELECT id FROM location WHERE code = :t))"
    )
    params = {"p": part, "f": source, "t": target}
    if doc_type:
        sql += " AND m.doc_type = :d"
        params["d"] = doc_type
    async with sessions() as s:
        return Decimal((await s.execute(text(sql), params)).scalar_one())


async def move_count(sessions: Sessions) -> int:
    async with sessions() as s:
        return int((await s.execute(select(func.count()).select_from(text("stock_move")))).scalar_one())


async def ledger_ok(sessions: Sessions) -> list[object]:
    async with sessions() as s:
        return list(await check_ledger(s))
