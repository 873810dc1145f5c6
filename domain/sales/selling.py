"""Selling over the counter: price, discount within the seller's limit, payment, one ledger posting.

A sale takes stock from the store (its bins, or the store itself when it has none) to V-CUSTOMER
at cost: the ledger values each line by the part's moving average or, for FIFO parts, the lot's
cost. Lots are suggested FEFO/FIFO like workshop picking (earliest expiry, then earliest received);
a clerk who scans a bin or lot sells from exactly there. Everything is checked before anything is
written, and it all happens in the caller's one transaction: an insufficient line, a discount over
the limit or a credit limit leaves nothing behind. The client's idempotency key makes a retried
request (a phone that lost the answer) return the first sale instead of selling twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, Location, VirtualKind
from domain.principal import Principal
from domain.quantities import parse_decimal, validate_quantity
from domain.sales import policy
from domain.sales.accounts import account_for_sale, apply_entry
from domain.sales.common import (
    SALE_DOC,
    check_key,
    fingerprint,
    lock_key,
    optional_text,
    part_by_scan,
    store_by_code,
    today,
)
from domain.sales.models import (
    AccountEntryKind,
    CounterSale,
    CounterSaleLine,
    CounterSaleLot,
    CustomerKind,
    PaymentMethod,
    TradeAccount,
)
from domain.sales.pricing import HUNDRED, ZERO, LinePrice, price_line, sale_totals
from domain.sales.settings import SalesSettings, get_sales_settings
from domain.stock import ledger
from domain.stock.ledger import PostedMove
from domain.stock.site_stock import SiteLot, site_lots, virtual_location_id

MAX_LINES = 100
# Paid through a terminal or a wallet: the receipt must carry the transaction reference.
NEEDS_REFERENCE = frozenset({PaymentMethod.CARD, PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY})


@dataclass(frozen=True)
class SaleLineInput:
    part: str  # code or barcode, as scanned
    quantity: Decimal
    # None: the sale's discount.
    discount_pct: Decimal | None = None
    # A bin of the store (or the store), as scanned; None: FEFO/FIFO over the whole store.
    location_code: str | None = None
    lot_no: str | None = None


@dataclass(frozen=True)
class NewCounterSale:
    store_code: str
    lines: Sequence[SaleLineInput]
    payment_method: PaymentMethod | str
    idempotency_key: str
    payment_reference: str | None = None
    trade_account_code: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    # None: the trade account's agreed discount (walk-in: none).
    discount_pct: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class SaleResult:
    sale: CounterSale
    lines: list[CounterSaleLine]
    moves: list[PostedMove]
    replayed: bool


@dataclass(frozen=True)
class LotPick:
    """Take this much from this bin and lot."""

    location_id: int
    location_code: str
    lot_no: str
    quantity: Decimal
    received_on: date | None
    expiry_date: date | None


@dataclass(frozen=True)
class LotSuggestion:
    part_id: int
    requested: Decimal
    available: Decimal  # unreserved at the whole store
    picks: list[LotPick]

    @property
    def short(self) -> Decimal:
        return max(ZERO, self.requested - sum((p.quantity for p in self.picks), ZERO))


def allocate(
    lots: Sequence[SiteLot], quantity: Decimal, used: dict[tuple[int, str], Decimal]
) -> tuple[list[LotPick], Decimal]:
    """Spread `quantity` over lots in the given (FEFO/FIFO) order, net of what earlier lines of the
    same sale already took; returns the picks and what could not be covered. Updates `used`."""
    picks: list[LotPick] = []
    remaining = quantity
    for lot in lots:
        if remaining <= ZERO:
            break
        key = (lot.location_id, lot.lot_no)
        free = lot.available - used.get(key, ZERO)
        if free <= ZERO:
            continue
        take = min(free, remaining)
        used[key] = used.get(key, ZERO) + take
        picks.append(LotPick(lot.location_id, lot.location_code, lot.lot_no, take, lot.received_on, lot.expiry_date))
        remaining -= take
    return picks, remaining


async def _lots_for_line(
    session: AsyncSession, store: Location, part: Part, line: SaleLineInput, where: list[str]
) -> list[SiteLot]:
    lots = await site_lots(session, part.id, store.id)
    if line.location_code and line.location_code.strip():
        code = line.location_code.strip().upper()
        location = (await session.execute(select(Location).where(Location.code == code))).scalar_one_or_none()
        if location is None or location.kind not in STOCK_HOLDING_KINDS or location.site_id != store.id:
            raise DomainError(
                ErrorCode.INVALID_LOCATION, f"{code} is not a location of {store.code}", [*where, "locationCode"]
            )
        lots = [lot for lot in lots if lot.location_id == location.id]
    if line.lot_no is not None and line.lot_no.strip():
        lot_no = line.lot_no.strip()
        lots = [lot for lot in lots if lot.lot_no == lot_no]
    return lots


async def suggest_lots(
    session: AsyncSession, principal: Principal, store_code: str, part_code: str, quantity: Decimal
) -> LotSuggestion:
    """Which bins and lots a sale of `quantity` would take (FEFO/FIFO), for the clerk to fetch."""
    store = await store_by_code(session, store_code)
    policy.ensure_can_sell(principal, store.path, store.code)
    part = await part_by_scan(session, part_code, ["partCode"])
    wanted = validate_quantity(quantity, part.uom_precision)
    lots = await site_lots(session, part.id, store.id)
    picks, _ = allocate(lots, wanted, {})
    return LotSuggestion(part.id, wanted, sum((lot.available for lot in lots), ZERO), picks)


def _percent(value: object, field: list[str]) -> Decimal:
    pct = parse_decimal(value, field[-1])
    if pct < 0 or pct > HUNDRED or pct != pct.quantize(Decimal("0.01")):
        raise DomainError(ErrorCode.INVALID_INPUT, "a discount is 0-100 percent with at most 2 decimals", field)
    return pct


def _request(cmd: NewCounterSale) -> dict[str, object]:
    def norm(value: object | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return str(value).strip()

    return {
        "store": norm(cmd.store_code.upper()),
        "payment": norm(cmd.payment_method),
        "reference": norm(cmd.payment_reference),
        "account": norm(cmd.trade_account_code and cmd.trade_account_code.upper()),
        "customer": [norm(cmd.customer_name), norm(cmd.customer_phone)],
        "discount": norm(cmd.discount_pct),
        "note": norm(cmd.note),
        "lines": [
            [norm(x.part), norm(x.quantity), norm(x.discount_pct), norm(x.location_code), norm(x.lot_no)]
            for x in cmd.lines
        ],
    }


def _payment(value: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(value.value if isinstance(value, PaymentMethod) else str(value).strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in PaymentMethod)
        raise DomainError(ErrorCode.INVALID_INPUT, f"payment method is one of {names}", ["paymentMethod"]) from None


async def _replay(session: AsyncSession, sale: CounterSale, digest: str) -> SaleResult:
    if sale.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT, "this idempotency key was already used for another sale", ["idempotencyKey"]
        )
    lines = list(
        (
            await session.execute(
                select(CounterSaleLine).where(CounterSaleLine.sale_id == sale.id).order_by(CounterSaleLine.line_no)
            )
        ).scalars()
    )
    return SaleResult(sale, lines, await posting_moves(session, sale.posting_id), replayed=True)


_POSTING_MOVES = text(
    """
    SELECT id, posting_id, part_id, lot_no, quantity, from_location_id, to_location_id, unit_cost,
           doc_type, doc_ref, reason, actor, created_at
      FROM stock_move WHERE posting_id = :p ORDER BY id
    """
)


async def posting_moves(session: AsyncSession, posting_id: int) -> list[PostedMove]:
    return [PostedMove(**row._mapping) for row in await session.execute(_POSTING_MOVES, {"p": posting_id})]


_NEXT_NUMBER = text(
    """
    INSERT INTO counter_sale_sequence (store_id, business_day, last_no) VALUES (:s, :d, 1)
    ON CONFLICT (store_id, business_day) DO UPDATE SET last_no = counter_sale_sequence.last_no + 1
    RETURNING last_no
    """
)


@dataclass
class _Line:
    no: int
    part: Part
    quantity: Decimal
    discount_pct: Decimal
    price: LinePrice
    picks: list[LotPick]


async def create_counter_sale(
    session: AsyncSession, principal: Principal, cmd: NewCounterSale, settings: SalesSettings | None = None
) -> SaleResult:
    """Sell at a store: validate everything, number the sale, post store → V-CUSTOMER once."""
    settings = settings or get_sales_settings()
    key = check_key(cmd.idempotency_key)
    store = await store_by_code(session, cmd.store_code)
    policy.ensure_can_sell(principal, store.path, store.code)
    await lock_key(session, SALE_DOC, key)
    digest = fingerprint(_request(cmd))
    earlier = (
        await session.execute(select(CounterSale).where(CounterSale.idempotency_key == key))
    ).scalar_one_or_none()
    if earlier is not None:
        return await _replay(session, earlier, digest)

    payment = _payment(cmd.payment_method)
    reference = optional_text(cmd.payment_reference, 120, "paymentReference")
    customer_name = optional_text(cmd.customer_name, 200, "customerName")
    customer_phone = optional_text(cmd.customer_phone, 40, "customerPhone")
    note = optional_text(cmd.note, 2000, "note")
    if payment in NEEDS_REFERENCE and reference is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"a {payment.value} payment needs its transaction reference", ["paymentReference"]
        )
    account: TradeAccount | None = None
    if cmd.trade_account_code and cmd.trade_account_code.strip():
        account = await account_for_sale(
            session, principal, cmd.trade_account_code, store, lock=payment is PaymentMethod.ACCOUNT
        )
    elif payment is PaymentMethod.ACCOUNT:
        raise DomainError(ErrorCode.INVALID_INPUT, "a sale on account needs a trade account", ["tradeAccountCode"])
    if not cmd.lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "a sale needs at least one line", ["lines"])
    if len(cmd.lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"at most {MAX_LINES} lines per sale", ["lines"])
    default_pct = (
        _percent(cmd.discount_pct, ["discountPct"])
        if cmd.discount_pct is not None
        else (account.discount_pct if account else ZERO)
    )
    role_limit = policy.discount_limit(principal, store.path)
    limit = max(role_limit, account.discount_pct) if account else role_limit

    errors: list[DomainError] = []
    lines: list[_Line] = []
    used: dict[int, dict[tuple[int, str], Decimal]] = defaultdict(dict)
    for n, item in enumerate(cmd.lines):
        where = ["lines", str(n)]
        try:
            part = await part_by_scan(session, item.part, [*where, "partCode"])
            quantity = validate_quantity(item.quantity, part.uom_precision, "quantity")
            pct = _percent(item.discount_pct, [*where, "discountPct"]) if item.discount_pct is not None else default_pct
            if pct > limit:
                raise DomainError(
                    ErrorCode.DISCOUNT_LIMIT_EXCEEDED,
                    f"{pct.normalize():f}% is more discount than you may give at {store.code} "
                    f"(up to {limit.normalize():f}%); ask a manager or head office",
                    [*where, "discountPct"],
                )
            if part.sale_price is None or part.sale_price <= 0:
                raise DomainError(ErrorCode.INVALID_STATE, f"{part.code} has no list price", [*where, "partCode"])
            lots = await _lots_for_line(session, store, part, item, where)
            picks, missing = allocate(lots, quantity, used[part.id])
            if missing > ZERO:
                have = quantity - missing
                raise DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"only {have.normalize():f} {part.uom} of {part.code} available at {store.code}"
                    f"{' ' + item.location_code.strip().upper() if item.location_code else ''}"
                    f"{' lot ' + item.lot_no.strip() if item.lot_no else ''}, {quantity.normalize():f} requested",
                    [*where, "quantity"],
                )
        except DomainError as error:
            if error.field and error.field[0] != "lines":
                error = DomainError(error.code, error.message, [*where, *error.field])
            errors.append(error)
            continue
        price = price_line(quantity, part.sale_price, pct, settings.vat_rate)
        lines.append(_Line(n + 1, part, quantity, pct, price, picks))
    if errors:
        raise DomainErrors(errors)

    totals = sale_totals(line.price for line in lines)
    if payment is PaymentMethod.ACCOUNT:
        assert account is not None
        if account.credit_limit is None or account.balance + totals.total > account.credit_limit:
            room = ZERO if account.credit_limit is None else max(ZERO, account.credit_limit - account.balance)
            raise DomainError(
                ErrorCode.CREDIT_LIMIT_EXCEEDED,
                f"{account.code} may take {room:f} more on account, this sale is {totals.total:f}",
                ["paymentMethod"],
            )

    day = today()
    seq = (await session.execute(_NEXT_NUMBER, {"s": store.id, "d": day})).scalar_one()
    number = f"{store.code}-{day:%Y%m%d}-{seq:04d}"
    customer = await virtual_location_id(session, VirtualKind.CUSTOMER)
    move_lines = [
        ledger.MoveLine(
            part_id=line.part.id,
            from_location_id=pick.location_id,
            to_location_id=customer,
            quantity=pick.quantity,
            lot_no=pick.lot_no,
        )
        for line in lines
        for pick in line.picks
    ]
    posted = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=SALE_DOC,
            doc_ref=number,
            lines=move_lines,
            reason=f"counter sale {number}",
            idempotency_key=f"{SALE_DOC}:{key}",
        ),
    )
    if posted.replayed:  # the ledger knows the key but no sale does: refuse rather than guess
        raise DomainError(ErrorCode.CONFLICT, "this idempotency key was already used for a stock posting")
    costs = iter(posted.moves)
    sale = CounterSale(
        number=number,
        store_id=store.id,
        business_day=day,
        seq=seq,
        customer_kind=(CustomerKind.TRADE if account else CustomerKind.WALK_IN).value,
        trade_account_id=account.id if account else None,
        customer_name=customer_name or (account.name if account else None),
        customer_phone=customer_phone,
        payment_method=payment.value,
        payment_reference=reference,
        subtotal=totals.subtotal,
        discount_total=totals.discount,
        total=totals.total,
        tax=totals.tax,
        cost=ZERO,
        vat_rate=settings.vat_rate,
        note=note,
        posting_id=posted.posting_id,
        idempotency_key=key,
        request_hash=digest,
        created_by=principal.actor,
    )
    session.add(sale)
    await session.flush()
    rows: list[CounterSaleLine] = []
    sale_cost = ZERO
    for line in lines:
        row = CounterSaleLine(
            sale_id=sale.id,
            line_no=line.no,
            part_id=line.part.id,
            quantity=line.quantity,
            unit_price=line.part.sale_price,
            discount_pct=line.discount_pct,
            gross=line.price.gross,
            discount=line.price.discount,
            total=line.price.total,
            tax=line.price.tax,
            cost=ZERO,
            returned=ZERO,
            refunded=ZERO,
        )
        session.add(row)
        await session.flush()
        line_cost = ZERO
        for pick in line.picks:
            move = next(costs)
            session.add(
                CounterSaleLot(
                    line_id=row.id,
                    location_id=pick.location_id,
                    lot_no=pick.lot_no,
                    quantity=pick.quantity,
                    unit_cost=move.unit_cost,
                    returned=ZERO,
                )
            )
            line_cost += pick.quantity * move.unit_cost
        row.cost = line_cost
        sale_cost += line_cost
        rows.append(row)
    sale.cost = sale_cost
    if payment is PaymentMethod.ACCOUNT and account is not None:
        await apply_entry(
            session, account, AccountEntryKind.SALE, totals.total, principal.actor, reference=number, sale_id=sale.id
        )
    await session.flush()
    return SaleResult(sale, rows, posted.moves, replayed=False)
