"""Shared steps of the counter-sale tests: principals of seeded users, a clerk of another store,
sales with sensible defaults, and ledger / table read-outs."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.identity import service as identity
from domain.principal import Principal, Role
from domain.sales import accounts, returns, selling
from domain.stock.check import check_ledger
from tests.domain.alerts.helpers import SYSTEM, ids, user
from tests.seed import TEST_PASSWORD

Sessions = async_sessionmaker[AsyncSession]

__all__ = ["SYSTEM", "ids", "user"]


async def add_user(sessions: Sessions, username: str, role: Role, location: str, email: str | None = None) -> None:
    command = identity.CreateUserCommand(
        username=username, password=TEST_PASSWORD, role=role, location_code=location, email=email
    )
    async with sessions() as s, s.begin():
        await identity.create_user(s, SYSTEM, command)


def line(part: str, quantity: str, **extra: Any) -> selling.SaleLineInput:
    return selling.SaleLineInput(part=part, quantity=Decimal(quantity), **extra)


async def sell(
    sessions: Sessions, principal: Principal, lines: list[selling.SaleLineInput], **extra: Any
) -> selling.SaleResult:
    extra.setdefault("store_code", "S-BJ01")
    extra.setdefault("payment_method", "cash")
    extra.setdefault("idempotency_key", uuid.uuid4().hex)
    async with sessions() as s, s.begin():
        return await selling.create_counter_sale(s, principal, selling.NewCounterSale(lines=lines, **extra))


async def take_back(
    sessions: Sessions, principal: Principal, number: str, items: list[tuple[int, str]], **extra: Any
) -> returns.ReturnResult:
    extra.setdefault("reason", "wrong part")
    extra.setdefault("idempotency_key", uuid.uuid4().hex)
    command = returns.NewSaleReturn(
        sale_number=number, lines=[returns.ReturnLineInput(no, Decimal(q)) for no, q in items], **extra
    )
    async with sessions() as s, s.begin():
        return await returns.return_counter_sale(s, principal, command)


async def open_account(sessions: Sessions, principal: Principal, code: str, **extra: Any) -> None:
    extra.setdefault("name", f"{code} Garage")
    async with sessions() as s, s.begin():
        await accounts.create_trade_account(s, principal, accounts.NewTradeAccount(code=code, **extra))


async def rows(sessions: Sessions, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with sessions() as s:
        return [dict(r._mapping) for r in await s.execute(text(sql), params)]


async def scalar(sessions: Sessions, sql: str, **params: Any) -> Any:
    async with sessions() as s:
        return (await s.execute(text(sql), params)).scalar()


async def on_hand(sessions: Sessions, part: str, location: str, lot: str = "") -> Decimal:
    value = await scalar(
        sessions,
        "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
        "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND l.code = :l AND b.lot_no = :lot",
        p=part,
        l=location,
        lot=lot,
    )
    return Decimal(value)


async def ledger_clean(sessions: Sessions) -> None:
    async with sessions() as s:
        assert await check_ledger(s) == []
