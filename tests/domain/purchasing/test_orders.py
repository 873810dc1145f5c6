"""Purchase orders: approval rules by amount and role, lifecycle guards, orders from suggestions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from domain.catalog.models import Part, Supplier, SupplierPart
from domain.errors import DomainError, ErrorCode
from domain.events.models import OutboxEvent
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders
from domain.purchasing.orders import OrderLineInput, SuggestionLine
from domain.purchasing.policy import (
    ApprovalRule,
    PurchasingSettings,
    parse_approval_rules,
    required_approval_role,
)
from tests.domain.purchasing.helpers import (
    BJ01_MANAGER,
    BJ01_STAFF,
    HQ,
    NORTH_MANAGER,
    SYSTEM,
    scan,
    sent_order,
    start,
)

SOON = date.today() + timedelta(days=5)


async def _submitted(sessions, quantity: str, price: str, dest: str = "S-BJ01", principal=HQ) -> int:
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s, principal, "SUP-01", [OrderLineInput("BRK-0001-A", Decimal(quantity), dest, Decimal(price), SOON)]
        )
        await orders.submit_purchase_order(s, principal, view.order.id)
        return view.order.id


async def _approve(sessions, po_id: int, principal: Principal, settings: PurchasingSettings | None = None) -> str:
    try:
        async with sessions() as s, s.begin():
            view = await orders.approve_purchase_order(s, principal, po_id, settings=settings)
            return view.order.status
    except DomainError as error:
        return error.code


def test_approval_rules_by_amount() -> None:
    rules = parse_approval_rules("200000:hq_operations, 0:store_manager,50000:regional_manager")
    assert [r.above for r in rules] == [0, 50000, 200000]
    assert required_approval_role(Decimal("50000"), rules) is Role.STORE_MANAGER
    assert required_approval_role(Decimal("50000.01"), rules) is Role.REGIONAL_MANAGER
    assert required_approval_role(Decimal("200000.01"), rules) is Role.HQ_OPERATIONS
    assert required_approval_role(Decimal(0), rules) is None
    env = PurchasingSettings.from_env({"IMS_PO_APPROVAL_RULES": "0:finance", "IMS_ON_TIME_GRACE_DAYS": "3"})
    assert env.approval_rules == (ApprovalRule(Decimal(0), Role.FINANCE),) and env.on_time_grace_days == 3


async def test_approver_needs_the_role_the_amount_requires(sessions) -> None:
    small = await _submitted(sessions, "100", "180", principal=BJ01_MANAGER)  # ¥18,000: a store manager
    regional = await _submitted(sessions, "300", "180")  # ¥54,000: a regional manager
    large = await _submitted(sessions, "1200", "180")  # ¥216,000: HQ
    assert await _approve(sessions, large, NORTH_MANAGER) == ErrorCode.FORBIDDEN
    assert await _approve(sessions, regional, BJ01_MANAGER) == ErrorCode.FORBIDDEN
    assert await _approve(sessions, small, BJ01_STAFF) == ErrorCode.FORBIDDEN
    assert await _approve(sessions, small, SYSTEM) == ErrorCode.FORBIDDEN  # machines do not sign
    assert await _approve(sessions, small, BJ01_MANAGER) == "approved"
    assert await _approve(sessions, regional, NORTH_MANAGER) == "approved"
    assert await _approve(sessions, large, HQ) == "approved"
    assert await _approve(sessions, large, HQ) == ErrorCode.INVALID_STATE
    # A regional manager of the east approves nothing of the north.
    east = Principal(PrincipalKind.USER, "mgr-east", frozenset({Role.REGIONAL_MANAGER}), ("HQ/R-E",))
    other = await _submitted(sessions, "10", "180")
    assert await _approve(sessions, other, east) == ErrorCode.NOT_FOUND
    # Configured rules and four eyes.
    strict = PurchasingSettings(approval_rules=(ApprovalRule(Decimal(0), Role.HQ_OPERATIONS),), four_eyes=True)
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s, HQ, "SUP-01", [OrderLineInput("BRK-0001-A", Decimal(1), "S-BJ01", Decimal(1), SOON)]
        )
        await orders.submit_purchase_order(s, HQ, view.order.id, settings=strict)
    assert view.order.required_role == "hq_operations"
    assert await _approve(sessions, view.order.id, HQ, strict) == ErrorCode.FORBIDDEN
    assert await _approve(sessions, view.order.id, NORTH_MANAGER, strict) == ErrorCode.FORBIDDEN
    other_hq = Principal(PrincipalKind.USER, "hq2", frozenset({Role.HQ_OPERATIONS}))
    assert await _approve(sessions, view.order.id, other_hq, strict) == "approved"


async def test_bad_orders_are_refused(sessions) -> None:
    cases = [
        (BJ01_STAFF, "SUP-01", OrderLineInput("BRK-0001-A", Decimal(1), "S-BJ01"), ErrorCode.FORBIDDEN),
        (BJ01_MANAGER, "SUP-01", OrderLineInput("BRK-0001-A", Decimal(1), "S-SH01"), ErrorCode.UNKNOWN_LOCATION),
        (HQ, "SUP-99", OrderLineInput("BRK-0001-A", Decimal(1), "S-BJ01"), ErrorCode.UNKNOWN_SUPPLIER),
        (HQ, "SUP-01", OrderLineInput("NOPE-0001-A", Decimal(1), "S-BJ01"), ErrorCode.UNKNOWN_PART),
        (HQ, "SUP-01", OrderLineInput("BRK-0001-A", Decimal("1.5"), "S-BJ01"), ErrorCode.INVALID_QUANTITY),
        (HQ, "SUP-01", OrderLineInput("BRK-0001-A", Decimal(1), "V-SUPPLIER"), ErrorCode.INVALID_LOCATION),
        (
            HQ,
            "SUP-01",
            OrderLineInput("BRK-0001-A", Decimal(1), "S-BJ01", requested_date=date.today() - timedelta(days=1)),
            ErrorCode.INVALID_INPUT,
        ),
    ]
    for principal, supplier, line, code in cases:
        with pytest.raises(DomainError) as err:
            async with sessions() as s, s.begin():
                await orders.create_purchase_order(s, principal, supplier, [line])
        assert err.value.code == code, (line, err.value)
    async with sessions() as s:
        assert (await s.execute(text("SELECT count(*) FROM purchase_order"))).scalar() == 0


async def test_lifecycle_guards_and_events(sessions) -> None:
    view = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    po_id = view.order.id
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as err:
            await orders.submit_purchase_order(s, HQ, po_id)
        assert err.value.code == ErrorCode.INVALID_STATE
    # Cancel a sent order: the supplier is told.
    async with sessions() as s, s.begin():
        cancelled = await orders.cancel_purchase_order(s, HQ, po_id, "duplicate")
    assert cancelled.order.status == "cancelled" and all(line.closed for line in cancelled.lines)
    async with sessions() as s:
        topics = list((await s.execute(select(OutboxEvent.topic).order_by(OutboxEvent.id))).scalars())
    assert topics == ["purchase_order.sent", "purchase_order.cancelled"]

    # Once goods arrived, cancelling is refused and closing waits for QC.
    view = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    session_id = await start(sessions, "S-BJ01")
    await scan(sessions, session_id, "BRK-0001-A", "4", "k-1")
    for action in (orders.cancel_purchase_order, orders.close_purchase_order):
        with pytest.raises(DomainError) as err:
            async with sessions() as s, s.begin():
                await action(s, HQ, view.order.id)
        assert err.value.code == ErrorCode.INVALID_STATE
    async with sessions() as s:
        status = (
            await s.execute(text("SELECT status FROM purchase_order WHERE id = :i"), {"i": view.order.id})
        ).scalar()
    assert status == "partially_received"


async def test_orders_from_suggestions_group_by_supplier(sessions) -> None:
    async with sessions() as s, s.begin():
        sup2 = Supplier(code="SUP-02", name_zh="华东滤清器", name_en="East Filters", city="上海")
        s.add(sup2)
        await s.flush()
        filter_id = (await s.execute(select(Part.id).where(Part.code == "FLT-0001-C"))).scalar_one()
        pads_id = (await s.execute(select(Part.id).where(Part.code == "BRK-0001-A"))).scalar_one()
        s.add(SupplierPart(supplier_id=sup2.id, part_id=filter_id, unit_price=Decimal("25.5"), lead_time_days=3))
        wh = (await s.execute(select(Location.id).where(Location.code == "WH"))).scalar_one()
        bj = (await s.execute(select(Location.id).where(Location.code == "S-BJ01"))).scalar_one()
        sup2_id = sup2.id
    async with sessions() as s, s.begin():
        views = await orders.create_purchase_orders_from_suggestions(
            s,
            SYSTEM,
            [
                SuggestionLine(pads_id, Decimal(40), wh),
                SuggestionLine(filter_id, Decimal(100), bj, supplier_id=sup2_id),
                SuggestionLine(pads_id, Decimal(10), bj, unit_price=Decimal("175")),
            ],
        )
    by_supplier = {v.order.supplier_id: v for v in views}
    assert len(views) == 2 and all(v.order.source == "suggestion" and v.order.status == "draft" for v in views)
    pads = by_supplier[next(k for k in by_supplier if k != sup2_id)]
    assert [(line.quantity, line.unit_price) for line in pads.lines] == [(40, Decimal("180")), (10, Decimal("175"))]
    assert pads.lines[0].requested_date == date.today() + timedelta(days=5)  # the part's lead time
    filters = by_supplier[sup2_id]
    assert filters.lines[0].unit_price == Decimal("25.5")  # the supplier's price
    assert filters.lines[0].requested_date == date.today() + timedelta(days=3)
    assert filters.order.total_amount == Decimal("2550.00")
