"""The supplier-portal test world, built through the domain services on top of tests/seed.py:

- SUP-02 ("East Filters") with its portal user `supplier.sup02` (SUP-01's is `supplier.sup01`);
- VMI agreements: SUP-01 × BRK-0001-A @ S-BJ01 (position below its minimum of 30), SUP-01 ×
  FLT-0001-C @ S-BJ01 (50 on hand, 9 used by the workshop), SUP-02 × FLT-0001-C @ S-BJ02;
- purchase orders sent to SUP-01: `open` (10 × BRK-0001-A, nothing shipped yet: the browser ships
  against it), `late` (a notice expected two days ago, still open) and `received` (a notice of 10,
  8 received, 1 rejected by QC and returned) — the statement's receipts 1,440.00, returns 180.00;
- for SUP-02: a sent order with a notice, a draft proposal and an issued statement, so each of
  SUP-02's object pages can be tried with SUP-01's session (they must answer 404);
- an issued range statement for each supplier covering today.

`build_world(sessions)` returns the ids; it is run once per database (per test in the HTTP tests,
once per module on the live server of the browser tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.analytics.settings import business_today
from domain.catalog.models import Part, Supplier, SupplierPart
from domain.identity import service as identity
from domain.identity.policy import ALL_SCOPES
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders, qc, receiving, ship_notices
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput
from domain.stock import ledger
from domain.vmi import agreements, proposals
from domain.vmi.agreements import AgreementInput
from domain.vmi.statements import service as statements
from tests.seed import TEST_PASSWORD

Sessions = async_sessionmaker[AsyncSession]

HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}), scopes=ALL_SCOPES)
FINANCE = Principal(PrincipalKind.USER, "finance", frozenset({Role.FINANCE}), scopes=ALL_SCOPES)
STAFF_BJ01 = Principal(
    PrincipalKind.USER, "staff-bj01", frozenset({Role.STORE_STAFF}), ("HQ/R-N/S-BJ01",), scopes=ALL_SCOPES
)
SYSTEM = Principal.system("portal-test")
# SUP-01's statement: 8 received × 180.00, 1 rejected by QC and returned × 180.00.
RECEIPTS, RETURNS, CLOSING = Decimal("1440.00"), Decimal("180.00"), Decimal("1260.00")


@dataclass(frozen=True)
class SupplierObjects:
    supplier_id: int
    agreement_ids: list[int]
    order_ids: list[int]
    notice_ids: list[int]
    proposal_ids: list[int]
    statement_id: int


@dataclass(frozen=True)
class World:
    sup01: SupplierObjects
    sup02: SupplierObjects
    sup02_code: str
    sup02_user: str
    open_order_number: str  # SUP-01's order with nothing shipped yet
    late_notice_id: int
    late_notice_number: str
    received_notice_id: int


def supplier_principal(supplier_id: int, name: str) -> Principal:
    return Principal(
        PrincipalKind.SUPPLIER_USER, name, frozenset({Role.SUPPLIER}), supplier_id=supplier_id, scopes=ALL_SCOPES
    )


@contextmanager
def period_over() -> Iterator[None]:
    """Statements are issued once their period is over: pretend today's is (tests issue today's)."""
    tomorrow = business_today() + timedelta(days=1)
    with mock.patch("domain.vmi.statements.service.business_today", return_value=tomorrow):
        yield


async def _second_supplier(sessions: Sessions, code: str, username: str) -> tuple[int, int]:
    async with sessions() as s, s.begin():
        sup01 = (await s.execute(select(Supplier).where(Supplier.code == "SUP-01"))).scalar_one()
        sup02 = Supplier(code=code, name_zh="华东滤清器有限公司", name_en="East Filters", city="上海")
        s.add(sup02)
        await s.flush()
        for part_code in ("BRK-0001-A", "FLT-0001-C"):
            part = (await s.execute(select(Part).where(Part.code == part_code))).scalar_one()
            s.add(SupplierPart(supplier_id=sup02.id, part_id=part.id, unit_price=Decimal("25.00"), lead_time_days=3))
        await identity.create_user(
            s,
            SYSTEM,
            identity.CreateUserCommand(
                username=username, password=TEST_PASSWORD, role=Role.SUPPLIER, supplier_code=code
            ),
        )
        return sup01.id, sup02.id


async def _agreement(sessions: Sessions, supplier: str, part: str, site: str, low: str, high: str) -> int:
    async with sessions() as s, s.begin():
        found = await agreements.create_agreement(
            s,
            HQ,
            AgreementInput(
                supplier_code=supplier,
                part_code=part,
                location_code=site,
                mode="quantity",
                min_qty=Decimal(low),
                max_qty=Decimal(high),
            ),
        )
        return found.id


async def _sent_order(sessions: Sessions, supplier: str, part: str, qty: str, site: str, price: str) -> tuple[int, str]:
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s,
            HQ,
            supplier,
            [orders.OrderLineInput(part, Decimal(qty), site, Decimal(price), date.today() + timedelta(days=5))],
        )
        for step in (orders.submit_purchase_order, orders.approve_purchase_order, orders.send_purchase_order):
            await step(s, HQ, view.order.id)
        return view.order.id, view.order.number


async def _notice(sessions: Sessions, who: Principal, number: str, po: str, qty: str, **extra: Any) -> int:
    async with sessions() as s, s.begin():
        created = await ship_notices.create_ship_notice(
            s, who, ShipNoticeInput(number=number, lines=[ShipNoticeLineInput(po, 1, Decimal(qty))], **extra)
        )
        return created.notice.id


async def _receive(sessions: Sessions, notice_id: int, qty: str, rejected: str) -> None:
    """The dock receives part of the notice; QC rejects some; closing records the shortfall."""
    async with sessions() as s:
        notice = await ship_notices.get_ship_notice(s, HQ, notice_id)
        assert notice is not None
        label = notice.label
    async with sessions() as s, s.begin():
        rs = await receiving.start_receiving(s, STAFF_BJ01, "S-BJ01", label)
    async with sessions() as s, s.begin():
        scanned = await receiving.scan_receipt(
            s, STAFF_BJ01, receiving.ScanCommand(rs.id, f"{label}-01", Decimal(qty), f"portal-world-{notice_id}")
        )
    async with sessions() as s, s.begin():
        accepted = Decimal(qty) - Decimal(rejected)
        await qc.inspect_receipt(
            s, STAFF_BJ01, scanned.lines[0].id, accepted=accepted, rejected=Decimal(rejected), reason="cracked"
        )
        await receiving.close_receiving_session(s, STAFF_BJ01, rs.id)


async def _move(sessions: Sessions, part: str, source: str, target: str, qty: str, doc: str) -> None:
    async with sessions() as s, s.begin():
        part_id = (await s.execute(select(Part.id).where(Part.code == part))).scalar_one()
        src = (await s.execute(select(Location.id).where(Location.code == source))).scalar_one()
        dst = (await s.execute(select(Location.id).where(Location.code == target))).scalar_one()
        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type=doc, doc_ref=f"{doc}-{part}", lines=[ledger.MoveLine(part_id, src, dst, Decimal(qty))]
            ),
        )


async def _statement(sessions: Sessions, supplier: str) -> int:
    today = business_today()
    async with sessions() as s, s.begin():
        st = await statements.generate_statement(s, FINANCE, supplier, today, today)
    with period_over():
        async with sessions() as s, s.begin():
            await statements.issue_statement(s, FINANCE, st.id, comment="请核对 / please check")
    return st.id


async def build_world(sessions: Sessions, tag: str = "") -> World:
    """`tag` (lowercase letters and digits) keeps codes and numbers unique on a shared database."""
    code, username = f"SUP-02{tag.upper()}", f"supplier.sup02{tag}"
    sup01, sup02 = await _second_supplier(sessions, code, username)
    a_brk = await _agreement(sessions, "SUP-01", "BRK-0001-A", "S-BJ01", "30", "80")
    a_flt = await _agreement(sessions, "SUP-01", "FLT-0001-C", "S-BJ01", "10", "80")
    b_flt = await _agreement(sessions, code, "FLT-0001-C", "S-BJ02", "5", "30")
    await _move(sessions, "FLT-0001-C", "S-BJ01", "V-WORKSHOP", "9", "workorder_issue")

    one = supplier_principal(sup01, "supplier.sup01")
    two = supplier_principal(sup02, username)
    late_number = f"DN-LATE-{tag.upper() or 1}"
    today = date.today()
    open_id, open_number = await _sent_order(sessions, "SUP-01", "BRK-0001-A", "10", "S-BJ01", "180")
    late_id, late_po = await _sent_order(sessions, "SUP-01", "FLT-0001-C", "30", "S-BJ01", "28")
    late_notice = await _notice(
        sessions, one, late_number, late_po, "30", carrier="顺丰速运", tracking_number="SF100200300",
        shipped_on=today - timedelta(days=5), expected_arrival=today - timedelta(days=2),
    )  # fmt: skip
    got_id, got_number = await _sent_order(sessions, "SUP-01", "BRK-0001-A", "10", "S-BJ01", "180")
    got_notice = await _notice(
        sessions, one, f"DN-RCV-{tag.upper() or 1}", got_number, "10", carrier="德邦物流", tracking_number="DB7788",
        shipped_on=today, expected_arrival=today + timedelta(days=1),
    )  # fmt: skip
    await _receive(sessions, got_notice, "8", "1")
    await _move(sessions, "BRK-0001-A", "V-ADJUSTMENT", "S-BJ01", "5", "count_adjustment")
    await _move(sessions, "BRK-0001-A", "S-BJ01", "V-WORKSHOP", "3", "workorder_issue")

    two_order, two_number = await _sent_order(sessions, code, "FLT-0001-C", "12", "S-BJ02", "25")
    two_notice = await _notice(sessions, two, f"EF-0001{tag.upper()}", two_number, "12", carrier="EMS")
    async with sessions() as s, s.begin():
        drafted = await proposals.draft_proposal(s, two, b_flt)

    return World(
        sup01=SupplierObjects(
            supplier_id=sup01,
            agreement_ids=[a_brk, a_flt],
            order_ids=[open_id, late_id, got_id],
            notice_ids=[late_notice, got_notice],
            proposal_ids=[],
            statement_id=await _statement(sessions, "SUP-01"),
        ),
        sup02=SupplierObjects(
            supplier_id=sup02,
            agreement_ids=[b_flt],
            order_ids=[two_order],
            notice_ids=[two_notice],
            proposal_ids=[drafted.view.proposal.id],
            statement_id=await _statement(sessions, code),
        ),
        sup02_code=code,
        sup02_user=username,
        open_order_number=open_number,
        late_notice_id=late_notice,
        late_notice_number=late_number,
        received_notice_id=got_notice,
    )
