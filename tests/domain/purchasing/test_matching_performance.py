"""Three-way match tolerances and roles; supplier performance and lead-time history; the outbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.principal import Principal, PrincipalKind
from domain.purchasing import matching, orders, performance, qc, ship_notices
from domain.purchasing.policy import PurchasingSettings
from tests.domain.purchasing.helpers import FINANCE, HQ, scalar, scan, sent_order, start

DEFAULTS = PurchasingSettings()


def _reasons(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "ordered": Decimal(100),
        "shipped": Decimal(100),
        "received": Decimal(100),
        "accepted": Decimal(100),
        "order_price": Decimal(190),
        "shipped_price": None,
        "closed_short": False,
        "settings": DEFAULTS,
    }
    args.update(kw)
    return [r["code"] for r in matching.compare(**args)]  # type: ignore[arg-type]


def test_match_tolerances() -> None:
    assert _reasons() == []
    assert _reasons(accepted=Decimal(98), received=Decimal(98), shipped=Decimal(98)) == []  # 2% tolerance
    assert _reasons(accepted=Decimal(97)) == ["QUANTITY_OUT_OF_TOLERANCE"]
    assert _reasons(accepted=Decimal(90), closed_short=True, received=Decimal(90), shipped=Decimal(90)) == []
    assert _reasons(received=Decimal(103)) == ["QUANTITY_OUT_OF_TOLERANCE"]  # received vs shipped
    assert _reasons(shipped_price=Decimal("191.9")) == []
    assert _reasons(shipped_price=Decimal("192")) == ["PRICE_OUT_OF_TOLERANCE"]
    assert _reasons(shipped=None) == []
    strict = PurchasingSettings(require_ship_notice=True, match_quantity_tolerance=Decimal(0))
    assert _reasons(shipped=None, accepted=Decimal(99), settings=strict) == [
        "QUANTITY_OUT_OF_TOLERANCE",
        "SHIP_NOTICE_MISSING",
    ]


async def test_price_exception_is_finance_to_resolve(sessions) -> None:
    view = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    async with sessions() as s, s.begin():
        await ship_notices.create_ship_notice(
            s,
            HQ,
            ship_notices.ShipNoticeInput(
                "DN-9", [ship_notices.ShipNoticeLineInput(view.order.number, 1, Decimal(10), unit_price=Decimal(200))]
            ),
        )
    session_id = await start(sessions, "S-BJ01")
    receipt = (await scan(sessions, session_id, "BRK-0001-A", "10", "k")).lines[0]
    assert receipt.unit_cost == Decimal(190)  # stock is valued at the order price
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(s, HQ, receipt.id, accepted=Decimal(10), rejected=None)
    async with sessions() as s:
        queue, _ = await matching.list_matches(s, FINANCE)
    assert len(queue) == 1 and queue[0].reasons == [
        {"code": "PRICE_OUT_OF_TOLERANCE", "message": "delivery note price 200 vs order price 190"}
    ]
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await matching.resolve_match_exception(s, HQ, queue[0].id, release=True)
    assert err.value.code == ErrorCode.FORBIDDEN
    async with sessions() as s, s.begin():
        resolved = await matching.resolve_match_exception(s, FINANCE, queue[0].id, release=False, note="wrong price")
    assert resolved.status == "disputed"
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await matching.resolve_match_exception(s, FINANCE, queue[0].id, release=True)
    assert err.value.code == ErrorCode.INVALID_STATE
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE topic LIKE '%invoicing'") == 0


async def test_supplier_performance_and_lead_times(sessions) -> None:
    today = date.today()
    late = await sent_order(sessions, [("BRK-0001-A", "10", "190", "S-BJ01")])
    on_time = await sent_order(sessions, [("FLT-0001-C", "20", "28", "S-BJ01")])
    never = await sent_order(sessions, [("BCL-0001-B", "5", "44", "S-BJ01")])
    async with sessions() as s, s.begin():  # history: sent 10 and 6 days ago; promised 8 days ago and in 2 days
        for view, sent, promised in ((late, 10, -8), (on_time, 6, 2), (never, 12, -5)):
            await s.execute(
                text("UPDATE purchase_order SET sent_at = now() - make_interval(days => :d) WHERE id = :i"),
                {"d": sent, "i": view.order.id},
            )
            await s.execute(
                text("UPDATE purchase_order_line SET promised_date = :p WHERE purchase_order_id = :i"),
                {"p": today + timedelta(days=promised), "i": view.order.id},
            )
    session_id = await start(sessions, "S-BJ01")
    pads = (await scan(sessions, session_id, "BRK-0001-A", "10", "a")).lines[0]
    filters = (await scan(sessions, session_id, "FLT-0001-C", "20", "b")).lines[0]
    async with sessions() as s, s.begin():
        await qc.inspect_receipt(s, HQ, pads.id, accepted=Decimal(8), rejected=Decimal(2), reason="worn")
        await qc.inspect_receipt(s, HQ, filters.id, accepted=Decimal(20), rejected=None)
    async with sessions() as s:
        rows = await performance.supplier_performance(s, HQ, supplier_id=late.order.supplier_id)
        history = await performance.lead_time_history(s, None)
        lenient = await performance.supplier_performance(
            s, HQ, from_month=today, to_month=today, settings=PurchasingSettings(on_time_grace_days=10)
        )
    month = next(r for r in rows if r.month == today.replace(day=1))
    assert (month.deliveries, month.on_time_deliveries, month.on_time_rate) == (2, 1, Decimal("0.5"))
    # Lead times 10 and 6 days; promised 2 (sent 10 days ago, due 8 days ago) and 8.
    assert month.avg_lead_time_days == 8 and month.avg_promised_lead_time_days == 5
    assert (month.inspected_qty, month.rejected_qty, month.reject_rate) == (30, 2, Decimal("0.0667"))
    due = {r.month: r for r in rows if r.ordered_qty}
    # Lines due: pads (8 of 10 accepted, 2 owed again), coolant (never delivered); filters are complete.
    assert sum(r.ordered_qty for r in due.values()) == 35 and sum(r.filled_qty for r in due.values()) == 28
    stats = history[late.order.supplier_id]
    assert stats.samples == 2 and stats.mean_days == 8.0 and round(stats.std_days or 0, 3) == 2.828
    assert next(r for r in lenient if r.month == today.replace(day=1)).on_time_deliveries == 2

    async with sessions() as s, s.begin():
        other = Supplier(code="SUP-09", name_zh="其他", name_en="Other")
        s.add(other)
        await s.flush()
        other_id = other.id
    portal_user = Principal(PrincipalKind.SUPPLIER_USER, "sup9", supplier_id=other_id)
    async with sessions() as s:
        assert await performance.supplier_performance(s, portal_user) == []
        with pytest.raises(DomainError) as err:
            await performance.supplier_performance(s, portal_user, supplier_id=late.order.supplier_id)
        assert err.value.code == ErrorCode.FORBIDDEN
        assert (await orders.list_purchase_orders(s, portal_user))[0] == []


async def test_outbox_rows_commit_with_the_change(sessions) -> None:
    async with sessions() as s, s.begin():
        await emit(s, "test.kept", {"amount": Decimal("12.50"), "on": date(2026, 11, 25), "tags": ("a", "b")})
    with pytest.raises(RuntimeError):
        async with sessions() as s, s.begin():
            await emit(s, "test.dropped", {})
            raise RuntimeError("business change failed")
    async with sessions() as s:
        rows = (await s.execute(text("SELECT topic, payload, attempts, dispatched_at FROM outbox_event"))).all()
    assert [tuple(r) for r in rows] == [
        ("test.kept", {"amount": "12.5", "on": "2026-11-25", "tags": ["a", "b"]}, 0, None)
    ]
