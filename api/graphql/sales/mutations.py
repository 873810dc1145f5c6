"""Counter-sale mutations: thin — parse, call one domain service in one transaction, map the result."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.sales.inputs import (
    CounterSalePayload,
    CreateCounterSaleInput,
    CreateTradeAccountInput,
    RecordTradeAccountPaymentInput,
    ReturnCounterSaleInput,
    ReturnCounterSalePayload,
    TradeAccountPayload,
    TradeAccountPaymentPayload,
    UpdateTradeAccountInput,
)
from api.graphql.sales.types import CounterSale, CounterSaleReturn, TradeAccount
from api.graphql.stock.types import StockMove
from domain.errors import DomainError, ErrorCode
from domain.sales import accounts, returns, selling


def _keep(value: Any) -> Any:
    return accounts.KEEP if value is strawberry.UNSET else value


@strawberry.type
class SalesMutations:
    @strawberry.mutation(
        description="Sell over the counter: store → V-CUSTOMER at cost, retry-safe with idempotencyKey."
    )
    async def create_counter_sale(self, info: Info[Context, None], input: CreateCounterSaleInput) -> CounterSalePayload:
        command = selling.NewCounterSale(
            store_code=input.store_code,
            lines=[
                selling.SaleLineInput(
                    part=line.part_code,
                    quantity=line.quantity,
                    discount_pct=line.discount_pct,
                    location_code=line.location_code,
                    lot_no=line.lot_no,
                )
                for line in input.lines
            ],
            payment_method=input.payment_method.value,
            idempotency_key=input.idempotency_key,
            payment_reference=input.payment_reference,
            trade_account_code=input.trade_account_code,
            customer_name=input.customer_name,
            customer_phone=input.customer_phone,
            discount_pct=input.discount_pct,
            note=input.note,
        )
        try:
            async with info.context.write() as session:
                result = await selling.create_counter_sale(session, info.context.principal, command)
                if not result.replayed:
                    await info.context.audit(
                        session,
                        "sales.create_counter_sale",
                        target_type="CounterSale",
                        target_id=result.sale.id,
                        after={"number": result.sale.number, "total": str(result.sale.total)},
                    )
        except DomainError as error:
            return CounterSalePayload(sale=None, moves=[], replayed=False, errors=user_errors(error))
        return CounterSalePayload(
            sale=CounterSale.from_model(result.sale),
            moves=[StockMove.from_domain(m) for m in result.moves],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(
        description="Take parts back: V-CUSTOMER → store at the original cost, refund at the price paid."
    )
    async def return_counter_sale(
        self, info: Info[Context, None], input: ReturnCounterSaleInput
    ) -> ReturnCounterSalePayload:
        command = returns.NewSaleReturn(
            sale_number=input.sale_number,
            lines=[returns.ReturnLineInput(line.line_no, line.quantity) for line in input.lines],
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            refund_method=input.refund_method.value if input.refund_method else None,
            refund_reference=input.refund_reference,
            override_window=input.override_window,
        )
        try:
            async with info.context.write() as session:
                result = await returns.return_counter_sale(session, info.context.principal, command)
                if not result.replayed:
                    await info.context.audit(
                        session,
                        "sales.return_counter_sale",
                        target_type="CounterSale",
                        target_id=result.sale.id,
                        after={
                            "number": result.sale_return.number,
                            "refund": str(result.sale_return.total),
                            "outsideWindow": result.sale_return.outside_window,
                        },
                    )
        except DomainError as error:
            return ReturnCounterSalePayload(
                sale=None, sale_return=None, moves=[], replayed=False, errors=user_errors(error)
            )
        return ReturnCounterSalePayload(
            sale=CounterSale.from_model(result.sale),
            sale_return=CounterSaleReturn.from_model(result.sale_return),
            moves=[StockMove.from_domain(m) for m in result.moves],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Open a trade account (store managers for their store, head office company-wide).")
    async def create_trade_account(
        self, info: Info[Context, None], input: CreateTradeAccountInput
    ) -> TradeAccountPayload:
        data = accounts.NewTradeAccount(
            code=input.code,
            name=input.name,
            discount_pct=input.discount_pct,
            credit_limit=input.credit_limit,
            home_store_code=input.home_store_code,
            contact_name=input.contact_name,
            phone=input.phone,
            tax_number=input.tax_number,
        )
        try:
            async with info.context.write() as session:
                account = await accounts.create_trade_account(session, info.context.principal, data)
        except DomainError as error:
            return TradeAccountPayload(trade_account=None, errors=user_errors(error))
        return TradeAccountPayload(trade_account=TradeAccount.from_model(account), errors=[])

    @strawberry.mutation(description="Change a trade account's terms, contact or status.")
    async def update_trade_account(
        self, info: Info[Context, None], input: UpdateTradeAccountInput
    ) -> TradeAccountPayload:
        try:
            for name, field in (("name", "name"), ("discount_pct", "discountPct"), ("active", "active")):
                if getattr(input, name) is None:
                    raise DomainError(ErrorCode.INVALID_INPUT, f"{field} cannot be cleared", [field])
            changes = accounts.TradeAccountChanges(
                name=_keep(input.name),
                discount_pct=_keep(input.discount_pct),
                credit_limit=_keep(input.credit_limit),
                contact_name=_keep(input.contact_name),
                phone=_keep(input.phone),
                tax_number=_keep(input.tax_number),
                active=_keep(input.active),
            )
            async with info.context.write() as session:
                account = await accounts.update_trade_account(session, info.context.principal, input.code, changes)
        except DomainError as error:
            return TradeAccountPayload(trade_account=None, errors=user_errors(error))
        return TradeAccountPayload(trade_account=TradeAccount.from_model(account), errors=[])

    @strawberry.mutation(description="Record money received against a trade account's balance (retry-safe).")
    async def record_trade_account_payment(
        self, info: Info[Context, None], input: RecordTradeAccountPaymentInput
    ) -> TradeAccountPaymentPayload:
        try:
            async with info.context.write() as session:
                result = await accounts.record_payment(
                    session, info.context.principal, input.code, input.amount, input.reference, input.idempotency_key
                )
        except DomainError as error:
            return TradeAccountPaymentPayload(trade_account=None, replayed=False, errors=user_errors(error))
        return TradeAccountPaymentPayload(
            trade_account=TradeAccount.from_model(result.account), replayed=result.replayed, errors=[]
        )
