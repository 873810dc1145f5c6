"""DataLoaders of counter sales: a page of sales costs one query per relation."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.sales import accounts, reads
from domain.sales.models import CounterSaleLine, CounterSaleLot, CounterSaleReturn, CounterSaleReturnLine, TradeAccount


async def _lines(ctx: Context, ids: Sequence[int]) -> list[list[CounterSaleLine]]:
    async with ctx.read() as session:
        found = await reads.lines_of(session, ids)
    return [found.get(i, []) for i in ids]


async def _lots(ctx: Context, ids: Sequence[int]) -> list[list[CounterSaleLot]]:
    async with ctx.read() as session:
        found = await reads.lots_of(session, ids)
    return [found.get(i, []) for i in ids]


async def _returns(ctx: Context, ids: Sequence[int]) -> list[list[CounterSaleReturn]]:
    async with ctx.read() as session:
        found = await reads.returns_of(session, ids)
    return [found.get(i, []) for i in ids]


async def _return_lines(ctx: Context, ids: Sequence[int]) -> list[list[CounterSaleReturnLine]]:
    async with ctx.read() as session:
        found = await reads.return_lines_of(session, ids)
    return [found.get(i, []) for i in ids]


async def _sale_lines(ctx: Context, ids: Sequence[int]) -> list[CounterSaleLine | None]:
    async with ctx.read() as session:
        found = await reads.sale_lines_by_ids(session, ids)
    return [found.get(i) for i in ids]


async def _accounts(ctx: Context, ids: Sequence[int]) -> list[TradeAccount | None]:
    async with ctx.read() as session:
        found = await accounts.trade_accounts_by_ids(session, ids)
    return [found.get(i) for i in ids]


def lines_by_sale_id(ctx: Context) -> DataLoader[int, list[CounterSaleLine]]:
    return ctx.loader("CounterSaleLinesBySaleIdLoader", _lines)


def lots_by_line_id(ctx: Context) -> DataLoader[int, list[CounterSaleLot]]:
    return ctx.loader("CounterSaleLotsByLineIdLoader", _lots)


def returns_by_sale_id(ctx: Context) -> DataLoader[int, list[CounterSaleReturn]]:
    return ctx.loader("CounterSaleReturnsBySaleIdLoader", _returns)


def return_lines_by_return_id(ctx: Context) -> DataLoader[int, list[CounterSaleReturnLine]]:
    return ctx.loader("CounterSaleReturnLinesByReturnIdLoader", _return_lines)


def sale_line_by_id(ctx: Context) -> DataLoader[int, CounterSaleLine | None]:
    return ctx.loader("CounterSaleLineByIdLoader", _sale_lines)


def trade_account_by_id(ctx: Context) -> DataLoader[int, TradeAccount | None]:
    return ctx.loader("TradeAccountByIdLoader", _accounts)
