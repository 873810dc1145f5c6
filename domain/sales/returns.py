"""Returns of counter sales: against the original lines, within the return window.

What comes back goes V-CUSTOMER → the bin and lot it was sold from, at the cost it left at, so
the sale and its return cancel out in the ledger and in the stock value. The refund is the price
actually paid (the discount included), proportional per unit; the last unit of a line refunds the
remainder, so a line returned in parts refunds exactly its total. After the window (setting
`IMS_SALES_RETURN_DAYS`, default 30 days) only a store manager (or above) at the store may take
the return, explicitly and with a reason; the return is marked as taken outside the window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import Location, VirtualKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.sales import policy
from domain.sales.accounts import apply_entry
from domain.sales.common import RETURN_DOC, check_key, fingerprint, lock_key, optional_text, today
from domain.sales.models import (
    AccountEntryKind,
    CounterSale,
    CounterSaleLine,
    CounterSaleLot,
    CounterSaleReturn,
    CounterSaleReturnLine,
    PaymentMethod,
    TradeAccount,
)
from domain.sales.pricing import ZERO, refund_amount
from domain.sales.selling import posting_moves
from domain.sales.settings import SalesSettings, get_sales_settings
from domain.stock import ledger
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import virtual_location_id


@dataclass(frozen=True)
class ReturnLineInput:
    line_no: int
    quantity: Decimal


@dataclass(frozen=True)
class NewSaleReturn:
    sale_number: str
    lines: Sequence[ReturnLineInput]
    reason: str
    idempotency_key: str
    # None: refunded the way it was paid.
    refund_method: PaymentMethod | str | None = None
    refund_reference: str | None = None
    # A manager taking a return after the window says so explicitly.
    override_window: bool = False


@dataclass(frozen=True)
class ReturnResult:
    sale: CounterSale
    sale_return: CounterSaleReturn
    lines: list[CounterSaleReturnLine]
    moves: list[PostedMove]
    replayed: bool


async def load_sale_for_change(
    session: AsyncSession, principal: Principal, number: str
) -> tuple[CounterSale, Location]:
    """The sale (row-locked: returns of one sale are serialised) and its store, or NOT_FOUND."""
    value = (number or "").strip().upper()
    sale = (
        await session.execute(select(CounterSale).where(CounterSale.number == value).with_for_update())
    ).scalar_one_or_none()
    store = await session.get(Location, sale.store_id) if sale else None
    if sale is None or store is None or not policy.can_read_at(principal, store.path):
        raise DomainError(ErrorCode.NOT_FOUND, f"no counter sale {value}", ["saleNumber"])
    return sale, store


def _request(cmd: NewSaleReturn) -> dict[str, object]:
    method = cmd.refund_method.value if isinstance(cmd.refund_method, PaymentMethod) else cmd.refund_method
    return {
        "sale": cmd.sale_number.strip().upper(),
        "lines": [[x.line_no, str(x.quantity)] for x in cmd.lines],
        "reason": cmd.reason.strip(),
        "method": method,
        "reference": (cmd.refund_reference or "").strip(),
        "override": cmd.override_window,
    }


async def _replay(session: AsyncSession, sale: CounterSale, earlier: CounterSaleReturn, digest: str) -> ReturnResult:
    if earlier.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "this idempotency key was already used for another return",
            ["idempotencyKey"],
        )
    lines = list(
        (
            await session.execute(
                select(CounterSaleReturnLine)
                .where(CounterSaleReturnLine.return_id == earlier.id)
                .order_by(CounterSaleReturnLine.id)
            )
        ).scalars()
    )
    return ReturnResult(sale, earlier, lines, await posting_moves(session, earlier.posting_id), replayed=True)


def _method(value: PaymentMethod | str | None, sale: CounterSale) -> PaymentMethod:
    if value is None or (isinstance(value, str) and not value.strip()):
        return PaymentMethod(sale.payment_method)
    try:
        method = PaymentMethod(value.value if isinstance(value, PaymentMethod) else str(value).strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in PaymentMethod)
        raise DomainError(ErrorCode.INVALID_INPUT, f"refund method is one of {names}", ["refundMethod"]) from None
    if method is PaymentMethod.ACCOUNT and sale.trade_account_id is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "only a trade account's sale can be refunded on account", ["refundMethod"]
        )
    return method


async def return_counter_sale(
    session: AsyncSession, principal: Principal, cmd: NewSaleReturn, settings: SalesSettings | None = None
) -> ReturnResult:
    """Take back sold parts: post V-CUSTOMER → store at the original cost and refund what was paid."""
    settings = settings or get_sales_settings()
    key = check_key(cmd.idempotency_key)
    await lock_key(session, RETURN_DOC, key)
    sale, store = await load_sale_for_change(session, principal, cmd.sale_number)
    policy.ensure_can_sell(principal, store.path, store.code)
    digest = fingerprint(_request(cmd))
    earlier = (
        await session.execute(select(CounterSaleReturn).where(CounterSaleReturn.idempotency_key == key))
    ).scalar_one_or_none()
    if earlier is not None:
        if earlier.sale_id != sale.id:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "this idempotency key was already used for another return",
                ["idempotencyKey"],
            )
        return await _replay(session, sale, earlier, digest)

    reason = optional_text(cmd.reason, 500, "reason")
    if reason is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "say why the parts come back", ["reason"])
    day = today()
    age = (day - sale.business_day).days
    outside = age > settings.return_window_days
    if outside and not (cmd.override_window and policy.can_override_window(principal, store.path)):
        hint = "" if policy.can_override_window(principal, store.path) else "; a store manager may override it"
        raise DomainError(
            ErrorCode.RETURN_WINDOW_EXPIRED,
            f"{sale.number} was sold {age} days ago, beyond the {settings.return_window_days}-day return window{hint}",
            ["saleNumber"],
        )
    method = _method(cmd.refund_method, sale)
    refund_reference = optional_text(cmd.refund_reference, 120, "refundReference")
    account: TradeAccount | None = None
    if method is PaymentMethod.ACCOUNT:  # locked before any stock row, in the same order as a sale
        account = (
            await session.execute(
                select(TradeAccount).where(TradeAccount.id == sale.trade_account_id).with_for_update()
            )
        ).scalar_one()
    if not cmd.lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "a return needs at least one line", ["lines"])

    sale_lines = {
        line.line_no: line
        for line in (await session.execute(select(CounterSaleLine).where(CounterSaleLine.sale_id == sale.id))).scalars()
    }
    parts = {
        p.id: p
        for p in (
            await session.execute(select(Part).where(Part.id.in_([x.part_id for x in sale_lines.values()])))
        ).scalars()
    }
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    errors: list[DomainError] = []
    for n, item in enumerate(cmd.lines):
        where = ["lines", str(n)]
        line = sale_lines.get(item.line_no)
        if line is None:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, f"{sale.number} has no line {item.line_no}", [*where, "lineNo"])
            )
            continue
        part = parts[line.part_id]
        try:
            quantity = validate_quantity(item.quantity, part.uom_precision, "quantity")
        except DomainError as error:
            errors.append(DomainError(error.code, error.message, [*where, "quantity"]))
            continue
        open_qty = line.quantity - line.returned
        if wanted[line.line_no] + quantity > open_qty:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_QUANTITY,
                    f"only {open_qty.normalize():f} {part.uom} of {part.code} on line {line.line_no} "
                    "can still come back",
                    [*where, "quantity"],
                )
            )
            continue
        wanted[line.line_no] += quantity
    if errors:
        raise DomainErrors(errors)

    line_ids = [sale_lines[no].id for no in wanted]
    lots_by_line: dict[int, list[CounterSaleLot]] = defaultdict(list)
    for lot in (
        await session.execute(
            select(CounterSaleLot).where(CounterSaleLot.line_id.in_(line_ids)).order_by(CounterSaleLot.id.desc())
        )
    ).scalars():
        lots_by_line[lot.line_id].append(lot)
    tax_back = {
        row.sale_line_id: row.tax
        for row in await session.execute(
            select(CounterSaleReturnLine.sale_line_id, func.sum(CounterSaleReturnLine.tax).label("tax"))
            .where(CounterSaleReturnLine.sale_line_id.in_(line_ids))
            .group_by(CounterSaleReturnLine.sale_line_id)
        )
    }

    customer = await virtual_location_id(session, VirtualKind.CUSTOMER)
    move_lines: list[ledger.MoveLine] = []
    planned: list[tuple[CounterSaleLine, Decimal, Decimal, Decimal, Decimal]] = []  # line, qty, refund, tax, cost
    for line_no in sorted(wanted):
        line, quantity = sale_lines[line_no], wanted[line_no]
        remaining, cost = quantity, ZERO
        for lot in lots_by_line[line.id]:  # newest allocation first
            if remaining <= ZERO:
                break
            take = min(remaining, lot.quantity - lot.returned)
            if take <= ZERO:
                continue
            move_lines.append(
                ledger.MoveLine(
                    part_id=line.part_id,
                    from_location_id=customer,
                    to_location_id=lot.location_id,
                    quantity=take,
                    lot_no=lot.lot_no,
                    unit_cost=lot.unit_cost,
                )
            )
            lot.returned += take
            cost += take * lot.unit_cost
            remaining -= take
        if remaining > ZERO:  # the line and its lots disagree: refuse rather than guess
            raise DomainError(ErrorCode.CONFLICT, f"line {line_no} of {sale.number} has less left to return")
        refund = refund_amount(line.total, line.quantity, line.returned, line.refunded, quantity)
        tax = refund_amount(line.tax, line.quantity, line.returned, tax_back.get(line.id, ZERO), quantity)
        planned.append((line, quantity, refund, tax, cost))

    count = (
        await session.execute(
            select(func.count()).select_from(CounterSaleReturn).where(CounterSaleReturn.sale_id == sale.id)
        )
    ).scalar_one()
    number = f"{sale.number}-R{count + 1}"
    posted = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=RETURN_DOC,
            doc_ref=number,
            lines=move_lines,
            reason=f"return of counter sale {sale.number}: {reason}",
            idempotency_key=f"{RETURN_DOC}:{key}",
        ),
    )
    if posted.replayed:
        raise DomainError(ErrorCode.CONFLICT, "this idempotency key was already used for a stock posting")
    total = sum((p[2] for p in planned), ZERO)
    sale_return = CounterSaleReturn(
        number=number,
        sale_id=sale.id,
        store_id=store.id,
        business_day=day,
        reason=reason,
        refund_method=method.value,
        refund_reference=refund_reference,
        outside_window=outside,
        total=total,
        tax=sum((p[3] for p in planned), ZERO),
        cost=sum((p[4] for p in planned), ZERO),
        posting_id=posted.posting_id,
        idempotency_key=key,
        request_hash=digest,
        created_by=principal.actor,
    )
    session.add(sale_return)
    await session.flush()
    rows = []
    for line, quantity, refund, tax, cost in planned:
        rows.append(
            CounterSaleReturnLine(
                return_id=sale_return.id, sale_line_id=line.id, quantity=quantity, refund=refund, tax=tax, cost=cost
            )
        )
        line.returned += quantity
        line.refunded += refund
    session.add_all(rows)
    if account is not None:
        await apply_entry(
            session,
            account,
            AccountEntryKind.REFUND,
            -total,
            principal.actor,
            reference=number,
            return_id=sale_return.id,
        )
    await session.flush()
    return ReturnResult(sale, sale_return, rows, posted.moves, replayed=False)
