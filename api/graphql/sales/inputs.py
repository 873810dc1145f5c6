"""Inputs and payloads of the counter-sale mutations."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.graphql.errors import UserError
from api.graphql.sales.types import CounterSale, CounterSaleReturn, PaymentMethod, TradeAccount
from api.graphql.stock.types import StockMove


@strawberry.input(description="A part to sell; without a location the store's stock is taken FEFO/FIFO.")
class CounterSaleLineInput:
    part_code: str = strawberry.field(description="Part code or barcode, as scanned.")
    quantity: Decimal
    discount_pct: Decimal | None = strawberry.field(default=None, description="Omitted: the sale's discount.")
    location_code: str | None = strawberry.field(default=None, description="A bin of the store, as scanned.")
    lot_no: str | None = None


@strawberry.input(description="Sell over the counter. Retrying with the same idempotencyKey returns the first sale.")
class CreateCounterSaleInput:
    store_code: str
    lines: list[CounterSaleLineInput]
    payment_method: PaymentMethod
    idempotency_key: str
    payment_reference: str | None = strawberry.field(
        default=None, description="Card slip / WeChat Pay / Alipay transaction number (required for those)."
    )
    trade_account_code: str | None = strawberry.field(default=None, description="Omitted: a walk-in customer.")
    customer_name: str | None = None
    customer_phone: str | None = None
    discount_pct: Decimal | None = strawberry.field(
        default=None, description="For every line; omitted: the trade account's agreed discount (walk-in: none)."
    )
    note: str | None = None


@strawberry.type
class CounterSalePayload:
    sale: CounterSale | None
    moves: list[StockMove]
    replayed: bool
    errors: list[UserError]


@strawberry.input
class ReturnLineInput:
    line_no: int
    quantity: Decimal


@strawberry.input(description="Take parts of a sale back (within the return window unless a manager overrides).")
class ReturnCounterSaleInput:
    sale_number: str
    lines: list[ReturnLineInput]
    reason: str
    idempotency_key: str
    refund_method: PaymentMethod | None = strawberry.field(default=None, description="Omitted: the way it was paid.")
    refund_reference: str | None = None
    override_window: bool = strawberry.field(
        default=False, description="A store manager takes a return after the window (recorded on the return)."
    )


@strawberry.type
class ReturnCounterSalePayload:
    sale: CounterSale | None
    sale_return: CounterSaleReturn | None
    moves: list[StockMove]
    replayed: bool
    errors: list[UserError]


@strawberry.input(description="Open a trade account; without homeStoreCode it is company-wide (head office only).")
class CreateTradeAccountInput:
    code: str
    name: str
    discount_pct: Decimal = Decimal(0)
    credit_limit: Decimal | None = strawberry.field(default=None, description="Omitted: no credit.")
    home_store_code: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    tax_number: str | None = None


@strawberry.input(description="Change an account; omitted fields stay as they are, null clears an optional one.")
class UpdateTradeAccountInput:
    code: str
    name: str | None = strawberry.UNSET
    discount_pct: Decimal | None = strawberry.UNSET
    credit_limit: Decimal | None = strawberry.UNSET
    contact_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    tax_number: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input(description="Money received against a trade account's balance.")
class RecordTradeAccountPaymentInput:
    code: str
    amount: Decimal
    idempotency_key: str
    reference: str | None = None


@strawberry.type
class TradeAccountPayload:
    trade_account: TradeAccount | None
    errors: list[UserError]


@strawberry.type
class TradeAccountPaymentPayload:
    trade_account: TradeAccount | None
    replayed: bool
    errors: list[UserError]
