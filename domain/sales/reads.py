"""Reading counter sales: one sale, lists, what belongs to a page of sales, and daily figures.

A reader sees the sales of the stores where they hold a role that reads sales (store staff and
up, finance and head office company-wide); anything else is "not found". Daily figures count a
sale on its business day and a return on the day it was taken, so a day's revenue is what the
till took that day: sales minus refunds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.principal import Principal
from domain.sales import policy
from domain.sales.models import (
    CounterSale,
    CounterSaleLine,
    CounterSaleLot,
    CounterSaleReturn,
    CounterSaleReturnLine,
    TradeAccount,
)
from domain.sales.pricing import ZERO, margin, money

MAX_DAILY_ROWS = 10_000


async def _visible(session: AsyncSession, principal: Principal, sale: CounterSale | None) -> CounterSale | None:
    if sale is None:
        return None
    path = (await session.execute(select(Location.path).where(Location.id == sale.store_id))).scalar_one()
    return sale if policy.can_read_at(principal, path) else None


async def sale_by_number(session: AsyncSession, principal: Principal, number: str) -> CounterSale | None:
    value = (number or "").strip().upper()
    found = (await session.execute(select(CounterSale).where(CounterSale.number == value))).scalar_one_or_none()
    return await _visible(session, principal, found)


async def sale_by_id(session: AsyncSession, principal: Principal, pk: int) -> CounterSale | None:
    return await _visible(session, principal, await session.get(CounterSale, pk))


def _scope(stmt, principal: Principal):  # type: ignore[no-untyped-def]
    roots = policy.read_roots(principal)
    if roots is None:
        return stmt
    if not roots:
        return stmt.where(False)
    clauses = []
    for root in roots:
        clauses += [Location.path == root, Location.path.startswith(root + "/", autoescape=True)]
    return stmt.where(or_(*clauses))


async def list_counter_sales(
    session: AsyncSession,
    principal: Principal,
    *,
    store_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    trade_account_code: str | None = None,
    first: int,
    after_id: int | None = None,
) -> tuple[list[CounterSale], bool]:
    """Sales in your scope, newest first."""
    stmt = _scope(select(CounterSale).join(Location, Location.id == CounterSale.store_id), principal)
    if store_code:
        stmt = stmt.where(Location.code == store_code.strip().upper())
    if start:
        stmt = stmt.where(CounterSale.business_day >= start)
    if end:
        stmt = stmt.where(CounterSale.business_day <= end)
    if trade_account_code:
        account = select(TradeAccount.id).where(TradeAccount.code == trade_account_code.strip().upper())
        stmt = stmt.where(CounterSale.trade_account_id.in_(account))
    if after_id is not None:
        stmt = stmt.where(CounterSale.id < after_id)
    rows = list((await session.execute(stmt.order_by(CounterSale.id.desc()).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def lines_of(session: AsyncSession, sale_ids: Sequence[int]) -> dict[int, list[CounterSaleLine]]:
    rows = await session.execute(
        select(CounterSaleLine)
        .where(CounterSaleLine.sale_id.in_(list(sale_ids)))
        .order_by(CounterSaleLine.sale_id, CounterSaleLine.line_no)
    )
    found: dict[int, list[CounterSaleLine]] = defaultdict(list)
    for line in rows.scalars():
        found[line.sale_id].append(line)
    return found


async def lots_of(session: AsyncSession, line_ids: Sequence[int]) -> dict[int, list[CounterSaleLot]]:
    rows = await session.execute(
        select(CounterSaleLot).where(CounterSaleLot.line_id.in_(list(line_ids))).order_by(CounterSaleLot.id)
    )
    found: dict[int, list[CounterSaleLot]] = defaultdict(list)
    for lot in rows.scalars():
        found[lot.line_id].append(lot)
    return found


async def returns_of(session: AsyncSession, sale_ids: Sequence[int]) -> dict[int, list[CounterSaleReturn]]:
    rows = await session.execute(
        select(CounterSaleReturn).where(CounterSaleReturn.sale_id.in_(list(sale_ids))).order_by(CounterSaleReturn.id)
    )
    found: dict[int, list[CounterSaleReturn]] = defaultdict(list)
    for item in rows.scalars():
        found[item.sale_id].append(item)
    return found


async def return_lines_of(session: AsyncSession, return_ids: Sequence[int]) -> dict[int, list[CounterSaleReturnLine]]:
    rows = await session.execute(
        select(CounterSaleReturnLine)
        .where(CounterSaleReturnLine.return_id.in_(list(return_ids)))
        .order_by(CounterSaleReturnLine.id)
    )
    found: dict[int, list[CounterSaleReturnLine]] = defaultdict(list)
    for line in rows.scalars():
        found[line.return_id].append(line)
    return found


async def sale_lines_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CounterSaleLine]:
    rows = await session.execute(select(CounterSaleLine).where(CounterSaleLine.id.in_(list(ids))))
    return {line.id: line for line in rows.scalars()}


@dataclass(frozen=True)
class DailySales:
    """One store's counter business on one day (CNY, VAT-inclusive unless said otherwise)."""

    store_id: int
    store_code: str
    day: date
    sales: int
    returns: int
    gross: Decimal  # sales at list price
    discount: Decimal
    revenue: Decimal  # what the till took: sales minus refunds
    tax: Decimal  # VAT contained in the revenue
    cost: Decimal  # cost of goods sold minus cost of goods returned (ledger values)

    @property
    def revenue_net(self) -> Decimal:
        return self.revenue - self.tax

    @property
    def margin(self) -> Decimal:
        return margin(self.revenue, self.tax, self.cost)

    @property
    def margin_pct(self) -> Decimal | None:
        net = self.revenue_net
        return (self.margin / net * 100).quantize(Decimal("0.1")) if net else None


_SALES_BY_DAY = text(
    """
    SELECT store_id, business_day AS day, count(*) AS n, sum(subtotal) AS gross, sum(discount_total) AS discount,
           sum(total) AS total, sum(tax) AS tax, sum(cost) AS cost
      FROM counter_sale
     WHERE store_id = ANY(CAST(:stores AS int[])) AND business_day BETWEEN :start AND :end
     GROUP BY 1, 2
    """
)
_RETURNS_BY_DAY = text(
    """
    SELECT store_id, business_day AS day, count(*) AS n, sum(total) AS total, sum(tax) AS tax, sum(cost) AS cost
      FROM counter_sale_return
     WHERE store_id = ANY(CAST(:stores AS int[])) AND business_day BETWEEN :start AND :end
     GROUP BY 1, 2
    """
)


async def daily_sales(
    session: AsyncSession, principal: Principal, *, store_code: str | None, start: date, end: date
) -> list[DailySales]:
    """Every day of the range for each store in scope (or the one asked for), quiet days as zeros."""
    if end < start:
        raise DomainError(ErrorCode.INVALID_INPUT, "the end is before the start", ["to"])
    rows = await session.execute(
        select(Location.id, Location.code, Location.path).where(Location.kind == "store").order_by(Location.code)
    )
    stores = [(r.id, r.code) for r in rows if policy.can_read_at(principal, r.path)]
    if store_code:
        wanted = store_code.strip().upper()
        stores = [s for s in stores if s[1] == wanted]
        if not stores:
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no store {wanted} in your scope", ["storeCode"])
    if ((end - start).days + 1) * max(len(stores), 1) > MAX_DAILY_ROWS:
        raise DomainError(ErrorCode.INVALID_INPUT, "ask for fewer days or one store", ["from"])
    return await daily_figures(session, stores, start, end)


async def daily_figures(
    session: AsyncSession, stores: Sequence[tuple[int, str]], start: date, end: date
) -> list[DailySales]:
    """The figures of already authorised stores (id, code), every day of the range."""
    days = (end - start).days + 1
    params = {"stores": [s[0] for s in stores], "start": start, "end": end}
    sold = {(r.store_id, r.day): r for r in await session.execute(_SALES_BY_DAY, params)}
    back = {(r.store_id, r.day): r for r in await session.execute(_RETURNS_BY_DAY, params)}
    result = []
    for store_id, code in stores:
        for offset in range(days):
            day = start + timedelta(days=offset)
            s, r = sold.get((store_id, day)), back.get((store_id, day))
            result.append(
                DailySales(
                    store_id=store_id,
                    store_code=code,
                    day=day,
                    sales=s.n if s else 0,
                    returns=r.n if r else 0,
                    gross=s.gross if s else ZERO,
                    discount=s.discount if s else ZERO,
                    revenue=(s.total if s else ZERO) - (r.total if r else ZERO),
                    tax=(s.tax if s else ZERO) - (r.tax if r else ZERO),
                    cost=money((s.cost if s else ZERO) - (r.cost if r else ZERO)),
                )
            )
    return result
