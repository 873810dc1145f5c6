"""Counter-sale queries: sales, trade accounts, lot suggestions, daily sales and the store's daily report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, Node, connection, decode_cursor, int_cursor, page_size, pk_of
from api.graphql.sales.types import CounterSale, DailySales, OpsDailyReport, SaleLotSuggestion, TradeAccount
from domain.errors import DomainError
from domain.reports import ops_daily
from domain.sales import accounts, reads, selling

SALES_NODE_TYPES = frozenset({"CounterSale", "TradeAccount"})


async def sales_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`Query.node` for sales types; null when missing or outside your scope."""
    async with info.context.read() as session:
        if type_name == "CounterSale":
            sale = await reads.sale_by_id(session, info.context.principal, pk)
            return CounterSale.from_model(sale) if sale else None
        account = await accounts.trade_account_by_id(session, info.context.principal, pk)
        return TradeAccount.from_model(account) if account else None


@strawberry.type
class SalesQueries:
    @strawberry.field(description="A counter sale by global ID or number; null when not visible to you.")
    async def counter_sale(
        self, info: Info[Context, None], id: strawberry.ID | None = None, number: str | None = None
    ) -> CounterSale | None:
        if number is not None:
            async with info.context.read() as session:
                found = await reads.sale_by_number(session, info.context.principal, number)
            return CounterSale.from_model(found) if found else None
        if id is None:
            raise PublicError("give `id` or `number`")
        try:
            pk = pk_of(id, "CounterSale", "id")
        except DomainError:
            return None
        node = await sales_node(info, "CounterSale", pk)
        return node if isinstance(node, CounterSale) else None

    @strawberry.field(description="Counter sales of the stores in your scope, newest first.")
    async def counter_sales(
        self,
        info: Info[Context, None],
        store_code: str | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        trade_account_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CounterSale]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await reads.list_counter_sales(
                session,
                info.context.principal,
                store_code=store_code,
                start=from_,
                end=to,
                trade_account_code=trade_account_code,
                first=size,
                after_id=int_cursor(after),
            )
        return connection([CounterSale.from_model(s) for s in items], [str(s.id) for s in items], has_next, after)

    @strawberry.field(description="A trade account by code; null when not visible to you.")
    async def trade_account(self, info: Info[Context, None], code: str) -> TradeAccount | None:
        async with info.context.read() as session:
            found = await accounts.trade_account_by_code(session, info.context.principal, code)
        return TradeAccount.from_model(found) if found else None

    @strawberry.field(description="Trade accounts by code; with storeCode the ones that may buy at that store.")
    async def trade_accounts(
        self,
        info: Info[Context, None],
        search: str | None = None,
        store_code: str | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TradeAccount]:
        size = page_size(first, info.context.settings.max_page_size)
        try:
            async with info.context.read() as session:
                items, has_next = await accounts.list_trade_accounts(
                    session,
                    info.context.principal,
                    search=search,
                    store_code=store_code,
                    active=active,
                    first=size,
                    after_code=decode_cursor(after),
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([TradeAccount.from_model(a) for a in items], [a.code for a in items], has_next, after)

    @strawberry.field(description="Which bins and lots a sale of this part would take at the store (FEFO/FIFO).")
    async def sale_lot_suggestion(
        self, info: Info[Context, None], store_code: str, part_code: str, quantity: Decimal
    ) -> SaleLotSuggestion:
        try:
            async with info.context.read() as session:
                found = await selling.suggest_lots(session, info.context.principal, store_code, part_code, quantity)
        except DomainError as error:
            raise PublicError(error.message) from None
        return SaleLotSuggestion.from_domain(found)

    @strawberry.field(description="Counter sales per store and day (every day of the range; at most 10,000 rows).")
    async def daily_sales(
        self,
        info: Info[Context, None],
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        store_code: str | None = None,
    ) -> list[DailySales]:
        try:
            async with info.context.read() as session:
                rows = await reads.daily_sales(
                    session, info.context.principal, store_code=store_code, start=from_, end=to
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return [DailySales.from_domain(r) for r in rows]

    @strawberry.field(description="A store's daily operations report for a business day (the managers' e-mail).")
    async def ops_daily_report(self, info: Info[Context, None], store_code: str, day: date) -> OpsDailyReport:
        try:
            async with info.context.read() as session:
                report = await ops_daily.daily_ops_report(session, info.context.principal, store_code, day)
        except DomainError as error:
            raise PublicError(error.message) from None
        return OpsDailyReport.from_domain(report)
