"""Shared steps of the VMI tests: principals (with every scope, as a browser login has), a second
supplier, agreements, stock postings and lookups."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.catalog.models import Supplier, SupplierContact, SupplierPart
from domain.identity.policy import ALL_SCOPES
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind, Role
from domain.stock import ledger
from domain.vmi import agreements
from domain.vmi.agreements import AgreementInput
from domain.vmi.models import VmiAgreement

Sessions = async_sessionmaker[AsyncSession]

HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}), scopes=ALL_SCOPES)
BJ01_MANAGER = Principal(
    PrincipalKind.USER, "mgr-bj01", frozenset({Role.STORE_MANAGER}), ("HQ/R-N/S-BJ01",), scopes=ALL_SCOPES
)
BJ01_STAFF = Principal(
    PrincipalKind.USER, "staff-bj01", frozenset({Role.STORE_STAFF}), ("HQ/R-N/S-BJ01",), scopes=ALL_SCOPES
)
SYSTEM = Principal.system("test")


def supplier_user(supplier_id: int, name: str) -> Principal:
    return Principal(
        PrincipalKind.SUPPLIER_USER, name, frozenset({Role.SUPPLIER}), supplier_id=supplier_id, scopes=ALL_SCOPES
    )


async def supplier_ids(sessions: Sessions) -> tuple[int, int]:
    """(SUP-01, SUP-02): SUP-02 is created here and lists BRK-0001-A and FLT-0001-C."""
    async with sessions() as s, s.begin():
        a = (await s.execute(select(Supplier).where(Supplier.code == "SUP-01"))).scalar_one()
        found = (await s.execute(select(Supplier).where(Supplier.code == "SUP-02"))).scalar_one_or_none()
        if found is not None:
            return a.id, found.id
        b = Supplier(code="SUP-02", name_zh="华东滤清器有限公司", name_en="East Filters", city="上海")
        s.add(b)
        await s.flush()
        for code in ("BRK-0001-A", "FLT-0001-C"):
            part_id = (await s.execute(text("SELECT id FROM part WHERE code = :c"), {"c": code})).scalar_one()
            s.add(SupplierPart(supplier_id=b.id, part_id=part_id, unit_price=Decimal("150.00"), lead_time_days=3))
        s.add(SupplierContact(supplier_id=a.id, name="王经理", email="vmi@sup01.example"))
        s.add(SupplierContact(supplier_id=b.id, name="Li", email="vmi@sup02.example"))
        return a.id, b.id


async def make_agreement(
    sessions: Sessions,
    part: str = "BRK-0001-A",
    site: str = "S-BJ01",
    *,
    supplier: str = "SUP-01",
    min_qty: str | None = "20",
    max_qty: str | None = "60",
    mode: str = "quantity",
    min_days: str | None = None,
    max_days: str | None = None,
    consignment: bool = False,
    price: str | None = None,
    principal: Principal = HQ,
) -> VmiAgreement:
    async with sessions() as s, s.begin():
        return await agreements.create_agreement(
            s,
            principal,
            AgreementInput(
                supplier_code=supplier,
                part_code=part,
                location_code=site,
                mode=mode,
                min_qty=None if min_qty is None or mode != "quantity" else Decimal(min_qty),
                max_qty=None if max_qty is None or mode != "quantity" else Decimal(max_qty),
                min_days=None if min_days is None else Decimal(min_days),
                max_days=None if max_days is None else Decimal(max_days),
                consignment=consignment,
                consignment_unit_price=None if price is None else Decimal(price),
            ),
        )


async def location_id(sessions: Sessions, code: str) -> int:
    async with sessions() as s:
        return (await s.execute(select(Location.id).where(Location.code == code))).scalar_one()


async def part_id(sessions: Sessions, code: str) -> int:
    async with sessions() as s:
        return (await s.execute(text("SELECT id FROM part WHERE code = :c"), {"c": code})).scalar_one()


async def move(sessions: Sessions, part: str, source: str, target: str, qty: str, doc: str = "test_move") -> int:
    """Post one ledger move (through the ledger service) and return the move id."""
    pid = await part_id(sessions, part)
    src, dst = await location_id(sessions, source), await location_id(sessions, target)
    async with sessions() as s, s.begin():
        posted = await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type=doc, doc_ref=f"{doc}-{source}-{target}", lines=[ledger.MoveLine(pid, src, dst, Decimal(qty))]
            ),
        )
        return posted.moves[0].id


async def scalar(sessions: Sessions, sql: str, **params: object) -> object:
    async with sessions() as s:
        return (await s.execute(text(sql), params)).scalar()


async def site_on_hand_from_ledger(sessions: Sessions, part: str, site: str) -> Decimal:
    """Σ moves in − Σ moves out over the site's subtree: the ledger's own answer."""
    value = await scalar(
        sessions,
        """
        SELECT coalesce(sum(CASE WHEN lt.site_id = s.id THEN m.quantity ELSE 0 END), 0)
             - coalesce(sum(CASE WHEN lf.site_id = s.id THEN m.quantity ELSE 0 END), 0)
          FROM stock_move m
          JOIN location lf ON lf.id = m.from_location_id
          JOIN location lt ON lt.id = m.to_location_id
          JOIN part p ON p.id = m.part_id
          JOIN location s ON s.code = :site
         WHERE p.code = :part AND (lf.site_id = s.id OR lt.site_id = s.id)
        """,
        part=part,
        site=site,
    )
    assert isinstance(value, Decimal)
    return value
