"""A small company for tests: exact numbers that assertions can rely on.

Beijing store 1 (S-BJ01) needs brake pads; S-BJ02 is 8 km away, S-BJ03 15 km, Tianjin (S-TJ01)
120 km, the warehouse 180 km — the transfer example of the product brief."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.catalog.models import Part, PartAlias, PartSubstitute, Supplier, SynonymTerm
from domain.identity import service as identity
from domain.identity.keys import load_signing_keys
from domain.org.models import Location, SiteDistance
from domain.principal import Principal, Role
from domain.stock import ledger

STORES = [
    ("S-BJ01", "北京一店", "Beijing Store 1", "R-N", "北京"),
    ("S-BJ02", "北京二店", "Beijing Store 2", "R-N", "北京"),
    ("S-BJ03", "北京三店", "Beijing Store 3", "R-N", "北京"),
    ("S-TJ01", "天津一店", "Tianjin Store 1", "R-N", "天津"),
    ("S-SH01", "上海一店", "Shanghai Store 1", "R-E", "上海"),
]
DISTANCES_FROM_BJ01 = {"S-BJ02": 8, "S-BJ03": 15, "S-TJ01": 120, "WH": 180, "S-SH01": 1210}

PARTS = [
    # code, barcode, zh, en, category, uom, precision, price, costing
    ("BRK-0001-A", "6901234567892", "前刹车片", "Front Brake Pad", "BRK", "SET", 0, "180.00", "moving_average"),
    ("BRK-0002-A", "6901234567908", "前制动片（陶瓷）", "Front Brake Pad Ceramic", "BRK", "SET", 0, "260.00", "fifo"),
    ("BCL-0001-B", "6901234567915", "电池冷却液", "Battery Coolant", "BCL", "L", 2, "45.50", "fifo"),
    ("FLT-0001-C", "6901234567922", "机油滤清器", "Oil Filter", "FLT", "PCS", 0, "28.00", "moving_average"),
]


# One user per role (password TEST_PASSWORD); tests act as them with minted tokens (conftest).
TEST_PASSWORD = "correct horse battery staple"
USERS = {
    "hq.ops": (Role.HQ_OPERATIONS, "HQ", None),
    "staff.bj01": (Role.STORE_STAFF, "S-BJ01", None),
    "manager.bj01": (Role.STORE_MANAGER, "S-BJ01", None),
    "regional.north": (Role.REGIONAL_MANAGER, "R-N", None),
    "finance": (Role.FINANCE, "HQ", None),
    "admin": (Role.ADMIN, "HQ", None),
    "supplier.sup01": (Role.SUPPLIER, None, "SUP-01"),
}


async def seed_users(sessions: async_sessionmaker[AsyncSession]) -> None:
    system = Principal.system("seed")
    async with sessions() as session, session.begin():
        await load_signing_keys(session)
        for username, (role, location, supplier) in USERS.items():
            command = identity.CreateUserCommand(
                username=username, password=TEST_PASSWORD, role=role, location_code=location, supplier_code=supplier
            )
            await identity.create_user(session, system, command)


async def seed_small_company(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        ids: dict[str, int] = {}

        async def add(code: str, zh: str, en: str, kind: str, parent: str | None, **extra: object) -> Location:
            parent_loc = None if parent is None else await session.get(Location, ids[parent])
            path = code if parent_loc is None else f"{parent_loc.path}/{code}"
            loc = Location(
                code=code, name_zh=zh, name_en=en, kind=kind, parent_id=parent_loc and parent_loc.id, path=path, **extra
            )
            session.add(loc)
            await session.flush()
            if kind in ("store", "warehouse"):
                loc.site_id = loc.id
            elif parent_loc is not None and parent_loc.site_id is not None:
                loc.site_id = parent_loc.site_id
            ids[code] = loc.id
            return loc

        await add("HQ", "华信汽车集团", "Huaxin Auto Group", "company", None)
        await add("R-N", "华北区", "North Region", "region", "HQ")
        await add("R-E", "华东区", "East Region", "region", "HQ")
        for code, zh, en, region, city in STORES:
            await add(code, zh, en, "store", region, city=city)
        await add("WH", "中央仓库", "Central Warehouse", "warehouse", "HQ", city="廊坊")
        for zone in "ABC":
            await add(f"WH-{zone}", f"{zone}区", f"Zone {zone}", "zone", "WH")
            for n in (1, 2):
                await add(
                    f"WH-{zone}-01-0{n}",
                    f"{zone}区01排0{n}位",
                    f"Bin {zone}-01-0{n}",
                    "bin",
                    f"WH-{zone}",
                    bin_capacity=500,
                )
        for vk in ("supplier", "workshop", "adjustment", "transit", "scrap", "customer"):
            await add(f"V-{vk.upper()}", vk, vk.title(), "virtual", "HQ", virtual_kind=vk)

        for other, km in DISTANCES_FROM_BJ01.items():
            session.add(SiteDistance(from_site_id=ids["S-BJ01"], to_site_id=ids[other], km=Decimal(km)))
            session.add(SiteDistance(from_site_id=ids[other], to_site_id=ids["S-BJ01"], km=Decimal(km)))

        supplier = Supplier(
            code="SUP-01",
            name_zh="华北制动系统有限公司",
            name_en="North Brake Systems",
            city="天津",
            lead_time_days_mean=Decimal(5),
            lead_time_days_std=Decimal("1.5"),
            on_time_rate=Decimal("0.92"),
        )
        session.add(supplier)
        await session.flush()
        part_ids: dict[str, int] = {}
        for code, barcode, zh, en, cat, uom, prec, price, costing in PARTS:
            part = Part(
                code=code,
                barcode=barcode,
                name_zh=zh,
                name_en=en,
                category=cat,
                uom=uom,
                uom_precision=prec,
                purchase_price=Decimal(price),
                sale_price=Decimal(price) * 2,
                costing_method=costing,
                primary_supplier_id=supplier.id,
                lead_time_days=5,
                moq=1,
                pack_size=1,
                abc_class=code[-1],
                spec="测试规格",
            )
            session.add(part)
            await session.flush()
            part_ids[code] = part.id
        session.add(PartAlias(part_id=part_ids["BRK-0001-A"], alias="Brake Pads Front"))
        session.add(PartAlias(part_id=part_ids["BCL-0001-B"], alias="EV Coolant"))
        session.add(PartSubstitute(part_id=part_ids["BRK-0001-A"], substitute_id=part_ids["BRK-0002-A"]))
        session.add(PartSubstitute(part_id=part_ids["BRK-0002-A"], substitute_id=part_ids["BRK-0001-A"]))
        for term in ("刹车片", "制动片", "brake pad"):
            session.add(SynonymTerm(group_no=1, term=term))
        await session.flush()

        opening = [
            ("BRK-0001-A", "S-BJ01", 0, ""),
            ("BRK-0001-A", "S-BJ02", 15, ""),
            ("BRK-0001-A", "S-BJ03", 30, ""),
            ("BRK-0001-A", "S-TJ01", 50, ""),
            ("BRK-0001-A", "WH-A-01-01", 200, ""),
            ("BRK-0002-A", "S-BJ01", 10, "L2401"),
            ("BCL-0001-B", "S-BJ01", 20, "C2401"),
            ("BCL-0001-B", "S-BJ01", 12.5, "C2402"),
            ("FLT-0001-C", "S-BJ01", 50, ""),
        ]
        system = Principal.system("seed")
        lines = [
            ledger.MoveLine(
                part_id=part_ids[code],
                from_location_id=ids["V-ADJUSTMENT"],
                to_location_id=ids[loc],
                quantity=Decimal(str(qty)),
                lot_no=lot,
                unit_cost=Decimal(price),
            )
            for code, loc, qty, lot in opening
            if qty
            for price in [next(p[7] for p in PARTS if p[0] == code)]
        ]
        await ledger.post(
            session, system, ledger.Posting(doc_type="opening_balance", lines=lines, idempotency_key="seed-opening")
        )
    await seed_users(sessions)
