"""Shared steps of the purchasing tests: principals, an order taken to `sent`, and lookups."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders
from domain.purchasing.orders import OrderLineInput, OrderView

HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}))
BJ01_MANAGER = Principal(PrincipalKind.USER, "mgr-bj01", frozenset({Role.STORE_MANAGER}), ("HQ/R-N/S-BJ01",))
BJ01_STAFF = Principal(PrincipalKind.USER, "staff-bj01", frozenset({Role.STORE_STAFF}), ("HQ/R-N/S-BJ01",))
NORTH_MANAGER = Principal(PrincipalKind.USER, "mgr-north", frozenset({Role.REGIONAL_MANAGER}), ("HQ/R-N",))
FINANCE = Principal(PrincipalKind.USER, "fin", frozenset({Role.FINANCE}))
SYSTEM = Principal.system("planning")

Sessions = async_sessionmaker[AsyncSession]


async def sent_order(
    sessions: Sessions,
    lines: list[tuple[str, str, str, str]],
    *,
    days: int = 7,
    principal: Principal = HQ,
) -> OrderView:
    """Create, submit, approve and send an order of (part, quantity, price, destination) lines."""
    requested = date.today() + timedelta(days=days)
    async with sessions() as s, s.begin():
        view = await orders.create_purchase_order(
            s,
            principal,
            "SUP-01",
            [OrderLineInput(p, Decimal(q), dest, Decimal(price), requested) for p, q, price, dest in lines],
        )
        await orders.submit_purchase_order(s, principal, view.order.id)
        await orders.approve_purchase_order(s, principal, view.order.id)
        return await orders.send_purchase_order(s, principal, view.order.id)


async def scalar(sessions: Sessions, sql: str, **params: object) -> object:
    async with sessions() as s:
        return (await s.execute(text(sql), params)).scalar()


async def on_hand(sessions: Sessions, part: str, loc: str) -> Decimal:
    value = await scalar(
        sessions,
        "SELECT coalesce(sum(on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
        "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND l.code = :l",
        p=part,
        l=loc,
    )
    assert isinstance(value, Decimal)
    return value


async def avg_cost(sessions: Sessions, part: str) -> Decimal:
    value = await scalar(sessions, "SELECT avg_cost FROM part WHERE code = :p", p=part)
    assert isinstance(value, Decimal)
    return value


async def start(sessions: Sessions, location: str, principal: Principal = HQ, notice: str | None = None) -> int:
    from domain.purchasing import receiving

    async with sessions() as s, s.begin():
        return (await receiving.start_receiving(s, principal, location, notice)).id


async def scan(
    sessions: Sessions,
    session_id: int,
    barcode: str,
    quantity: str | None,
    key: str,
    principal: Principal = HQ,
    **extra: object,
):  # type: ignore[no-untyped-def]
    from domain.purchasing import receiving

    async with sessions() as s, s.begin():
        cmd = receiving.ScanCommand(session_id, barcode, None if quantity is None else Decimal(quantity), key, **extra)  # type: ignore[arg-type]
        return await receiving.scan_receipt(s, principal, cmd)
