"""GraphQL types of counter sales, trade accounts, daily sales and the store's daily operations report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.org.types import Location
from api.graphql.related import related_location, related_part
from api.graphql.relay import Node, to_global_id
from api.graphql.sales.loaders import (
    lines_by_sale_id,
    lots_by_line_id,
    return_lines_by_return_id,
    returns_by_sale_id,
    sale_line_by_id,
    trade_account_by_id,
)
from domain.quantities import tidy
from domain.reports import ops_daily
from domain.sales import models, reads, selling
from domain.sales.pricing import margin, money


@strawberry.enum(description="How the customer paid (or is refunded).")
class PaymentMethod(Enum):
    CASH = "cash"
    CARD = "card"
    WECHAT_PAY = "wechat_pay"
    ALIPAY = "alipay"
    ACCOUNT = "account"


@strawberry.enum
class CustomerKind(Enum):
    WALK_IN = "walk_in"
    TRADE = "trade"


@strawberry.type(description="A garage or fleet buying at an agreed discount, optionally on credit.")
class TradeAccount(Node):
    code: str
    name: str
    contact_name: str | None
    phone: str | None
    tax_number: str | None
    discount_pct: Decimal = strawberry.field(description="Agreed discount, percent of the list price.")
    credit_limit: Decimal | None = strawberry.field(description="Null: no credit, the account pays at the counter.")
    balance: Decimal = strawberry.field(description="Owed on account: sales on account − refunds − payments.")
    active: bool
    created_at: datetime
    home_store_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: models.TradeAccount) -> TradeAccount:
        return cls(
            id=to_global_id("TradeAccount", m.id),
            code=m.code,
            name=m.name,
            contact_name=m.contact_name,
            phone=m.phone,
            tax_number=m.tax_number,
            discount_pct=tidy(m.discount_pct),
            credit_limit=None if m.credit_limit is None else money(m.credit_limit),
            balance=money(m.balance),
            active=m.active,
            created_at=m.created_at,
            home_store_id=m.home_store_id,
        )

    @strawberry.field(description="The store that keeps the account; null for a company-wide account.")
    async def home_store(self, info: Info[Context, None]) -> Location | None:
        return None if self.home_store_id is None else await related_location(info, self.home_store_id)


@strawberry.type(description="Stock a sale line took: from which bin and lot, at what cost.")
class CounterSaleLot:
    lot_no: str
    quantity: Decimal
    unit_cost: Decimal
    returned: Decimal
    location_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CounterSaleLot) -> CounterSaleLot:
        return cls(
            lot_no=m.lot_no,
            quantity=tidy(m.quantity),
            unit_cost=tidy(m.unit_cost),
            returned=tidy(m.returned),
            location_id=m.location_id,
        )

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.location_id)


@strawberry.type(description="One part sold: list price, discount, what was paid (VAT included) and its cost.")
class CounterSaleLine:
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    gross: Decimal = strawberry.field(description="Quantity × list price.")
    discount: Decimal
    total: Decimal = strawberry.field(description="Paid for the line, VAT included.")
    tax: Decimal = strawberry.field(description="VAT contained in the total.")
    cost: Decimal = strawberry.field(description="At ledger cost (moving average or FIFO lot cost).")
    returned: Decimal
    returnable: Decimal = strawberry.field(description="Sold and not yet returned.")
    refunded: Decimal
    pk: strawberry.Private[int]
    part_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CounterSaleLine) -> CounterSaleLine:
        return cls(
            line_no=m.line_no,
            quantity=tidy(m.quantity),
            unit_price=tidy(m.unit_price),
            discount_pct=tidy(m.discount_pct),
            gross=m.gross,
            discount=m.discount,
            total=m.total,
            tax=m.tax,
            cost=money(m.cost),
            returned=tidy(m.returned),
            returnable=tidy(m.quantity - m.returned),
            refunded=m.refunded,
            pk=m.id,
            part_id=m.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await related_part(info, self.part_id)

    @strawberry.field(description="Bins and lots the line was taken from.")
    async def lots(self, info: Info[Context, None]) -> list[CounterSaleLot]:
        return [CounterSaleLot.from_model(x) for x in await lots_by_line_id(info.context).load(self.pk)]


@strawberry.type
class CounterSaleReturnLine:
    quantity: Decimal
    refund: Decimal
    tax: Decimal
    cost: Decimal
    sale_line_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CounterSaleReturnLine) -> CounterSaleReturnLine:
        return cls(
            quantity=tidy(m.quantity), refund=m.refund, tax=m.tax, cost=money(m.cost), sale_line_id=m.sale_line_id
        )

    @strawberry.field(description="The sale line this returns.")
    async def line_no(self, info: Info[Context, None]) -> int:
        line = await sale_line_by_id(info.context).load(self.sale_line_id)
        assert line is not None
        return line.line_no

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        line = await sale_line_by_id(info.context).load(self.sale_line_id)
        assert line is not None
        return await related_part(info, line.part_id)


@strawberry.type(description="Parts brought back: stock back in at the original cost, money back at the price paid.")
class CounterSaleReturn:
    number: str
    business_day: date
    reason: str
    refund_method: PaymentMethod
    refund_reference: str | None
    outside_window: bool = strawberry.field(description="Taken after the return window by a manager's override.")
    total: Decimal = strawberry.field(description="Refunded, VAT included.")
    tax: Decimal
    cost: Decimal
    created_by: str
    created_at: datetime
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.CounterSaleReturn) -> CounterSaleReturn:
        return cls(
            number=m.number,
            business_day=m.business_day,
            reason=m.reason,
            refund_method=PaymentMethod(m.refund_method),
            refund_reference=m.refund_reference,
            outside_window=m.outside_window,
            total=m.total,
            tax=m.tax,
            cost=money(m.cost),
            created_by=m.created_by,
            created_at=m.created_at,
            pk=m.id,
        )

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[CounterSaleReturnLine]:
        return [
            CounterSaleReturnLine.from_model(x) for x in await return_lines_by_return_id(info.context).load(self.pk)
        ]


@strawberry.type(description="A sale over the counter to a walk-in customer or a trade account.")
class CounterSale(Node):
    number: str = strawberry.field(description="<store>-<yyyymmdd>-<nnnn>, per store and business day.")
    business_day: date
    customer_kind: CustomerKind
    customer_name: str | None
    customer_phone: str | None
    payment_method: PaymentMethod
    payment_reference: str | None
    subtotal: Decimal = strawberry.field(description="At list price, VAT included.")
    discount_total: Decimal
    total: Decimal = strawberry.field(description="Paid, VAT included.")
    tax: Decimal = strawberry.field(description="VAT contained in the total.")
    vat_rate: Decimal
    cost: Decimal
    margin: Decimal = strawberry.field(description="Total without VAT minus cost.")
    currency: str
    note: str | None
    created_by: str
    created_at: datetime
    pk: strawberry.Private[int]
    store_id: strawberry.Private[int]
    trade_account_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: models.CounterSale) -> CounterSale:
        return cls(
            id=to_global_id("CounterSale", m.id),
            number=m.number,
            business_day=m.business_day,
            customer_kind=CustomerKind(m.customer_kind),
            customer_name=m.customer_name,
            customer_phone=m.customer_phone,
            payment_method=PaymentMethod(m.payment_method),
            payment_reference=m.payment_reference,
            subtotal=m.subtotal,
            discount_total=m.discount_total,
            total=m.total,
            tax=m.tax,
            vat_rate=m.vat_rate,
            cost=money(m.cost),
            margin=margin(m.total, m.tax, m.cost),
            currency=m.currency,
            note=m.note,
            created_by=m.created_by,
            created_at=m.created_at,
            pk=m.id,
            store_id=m.store_id,
            trade_account_id=m.trade_account_id,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.store_id)

    @strawberry.field
    async def trade_account(self, info: Info[Context, None]) -> TradeAccount | None:
        if self.trade_account_id is None:
            return None
        found = await trade_account_by_id(info.context).load(self.trade_account_id)
        return TradeAccount.from_model(found) if found else None

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[CounterSaleLine]:
        return [CounterSaleLine.from_model(x) for x in await lines_by_sale_id(info.context).load(self.pk)]

    @strawberry.field
    async def returns(self, info: Info[Context, None]) -> list[CounterSaleReturn]:
        return [CounterSaleReturn.from_model(x) for x in await returns_by_sale_id(info.context).load(self.pk)]


@strawberry.type(description="Where to take a part from for a sale: bin and lot, FEFO/FIFO.")
class SaleLotPick:
    lot_no: str
    quantity: Decimal
    received_on: date | None
    expiry_date: date | None
    location_id: strawberry.Private[int]

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.location_id)


@strawberry.type
class SaleLotSuggestion:
    requested: Decimal
    available: Decimal = strawberry.field(description="Unreserved at the whole store.")
    short: Decimal = strawberry.field(description="What the store cannot cover.")
    picks: list[SaleLotPick]
    part_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, s: selling.LotSuggestion) -> SaleLotSuggestion:
        return cls(
            requested=tidy(s.requested),
            available=tidy(s.available),
            short=tidy(s.short),
            picks=[
                SaleLotPick(
                    lot_no=p.lot_no,
                    quantity=tidy(p.quantity),
                    received_on=p.received_on,
                    expiry_date=p.expiry_date,
                    location_id=p.location_id,
                )
                for p in s.picks
            ],
            part_id=s.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await related_part(info, self.part_id)


@strawberry.type(description="One store's counter business on one day (CNY; sales minus refunds of that day).")
class DailySales:
    store_code: str
    day: date
    sales: int
    returns: int
    gross: Decimal = strawberry.field(description="Sales at list price.")
    discount: Decimal
    revenue: Decimal = strawberry.field(description="What the till took, VAT included.")
    revenue_net: Decimal = strawberry.field(description="Revenue without VAT.")
    tax: Decimal
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    store_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, d: reads.DailySales) -> DailySales:
        return cls(
            store_code=d.store_code,
            day=d.day,
            sales=d.sales,
            returns=d.returns,
            gross=money(d.gross),
            discount=money(d.discount),
            revenue=money(d.revenue),
            revenue_net=money(d.revenue_net),
            tax=money(d.tax),
            cost=money(d.cost),
            margin=money(d.margin),
            margin_pct=d.margin_pct,
            store_id=d.store_id,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Location:
        return await related_location(info, self.store_id)


@strawberry.type(description="Stock moved one way during the day: ledger lines, quantity, value at cost.")
class OpsMovement:
    kind: str = strawberry.field(description="receipts, workshop_issues, transfers_out, ... (see docs/sales.md).")
    title_zh: str
    title_en: str
    lines: int
    quantity: Decimal
    value: Decimal


@strawberry.type
class OpsCountProgress:
    counted: int = strawberry.field(description="Count tasks finished during the day.")
    within_tolerance: int
    accuracy: Decimal | None
    open: int = strawberry.field(description="Due by the day and not finished yet.")
    overdue: int
    recounts: int


@strawberry.type
class OpsAlertLine:
    rule: str
    severity: str
    title_zh: str
    title_en: str
    text: str
    raised_at: datetime


@strawberry.type
class OpsAlerts:
    total: int
    urgent: int
    high: int
    normal: int
    low: int
    lines: list[OpsAlertLine] = strawberry.field(description="The most severe first (at most 10).")


@strawberry.type(description="A store's daily operations report (the managers' morning e-mail).")
class OpsDailyReport:
    store_code: str
    store_name_zh: str
    store_name_en: str
    day: date
    time_zone: str
    generated_at: datetime
    movements: list[OpsMovement]
    sales: DailySales
    counting: OpsCountProgress
    alerts: OpsAlerts

    @classmethod
    def from_domain(cls, r: ops_daily.OpsReport) -> OpsDailyReport:
        return cls(
            store_code=r.store_code,
            store_name_zh=r.store_name_zh,
            store_name_en=r.store_name_en,
            day=r.day,
            time_zone=r.time_zone,
            generated_at=r.generated_at,
            movements=[
                OpsMovement(
                    kind=kind,
                    title_zh=ops_daily.MOVEMENT_TITLES[kind][0],
                    title_en=ops_daily.MOVEMENT_TITLES[kind][1],
                    lines=r.movement(kind).lines,
                    quantity=tidy(r.movement(kind).quantity),
                    value=money(r.movement(kind).value),
                )
                for kind in ops_daily.MOVEMENT_KINDS
            ],
            sales=DailySales.from_domain(r.sales),
            counting=OpsCountProgress(
                counted=r.counting.counted,
                within_tolerance=r.counting.within_tolerance,
                accuracy=r.counting.accuracy,
                open=r.counting.open,
                overdue=r.counting.overdue,
                recounts=r.counting.recounts,
            ),
            alerts=OpsAlerts(
                total=r.alerts.total,
                urgent=r.alerts.by_severity.get("urgent", 0),
                high=r.alerts.by_severity.get("high", 0),
                normal=r.alerts.by_severity.get("normal", 0),
                low=r.alerts.by_severity.get("low", 0),
                lines=[
                    OpsAlertLine(
                        rule=a.rule,
                        severity=a.severity,
                        title_zh=a.title_zh,
                        title_en=a.title_en,
                        text=a.text,
                        raised_at=a.raised_at,
                    )
                    for a in r.alerts.lines
                ],
            ),
        )
