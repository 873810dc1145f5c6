"""Trade accounts: garages and fleets buying at an agreed discount, some on credit.

The balance is what the account owes: every sale on account adds to it, its refunds and recorded
payments take from it, each as a `trade_account_entry` written in the same transaction while the
account row is locked, so two tills cannot both pass the credit check on the last yuan."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.org.models import Location
from domain.principal import Principal
from domain.quantities import validate_money
from domain.sales import policy
from domain.sales.common import check_key, lock_key, optional_text, store_by_code
from domain.sales.models import AccountEntryKind, TradeAccount, TradeAccountEntry
from domain.sales.pricing import HUNDRED, money

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")


class _Keep:
    """Marks a field an update leaves as it is (None would clear it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass(frozen=True)
class NewTradeAccount:
    code: str
    name: str
    discount_pct: Decimal = Decimal(0)
    credit_limit: Decimal | None = None
    home_store_code: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    tax_number: str | None = None


@dataclass(frozen=True)
class TradeAccountChanges:
    name: str | _Keep = KEEP
    discount_pct: Decimal | _Keep = KEEP
    credit_limit: Decimal | _Keep | None = KEEP
    contact_name: str | _Keep | None = KEEP
    phone: str | _Keep | None = KEEP
    tax_number: str | _Keep | None = KEEP
    active: bool | _Keep = KEEP


def _code(value: str) -> str:
    code = (value or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise DomainError(ErrorCode.INVALID_CODE, "an account code is 2-40 letters, digits or '-'", ["code"])
    return code


def _name(value: str) -> str:
    name = (value or "").strip()
    if not 1 <= len(name) <= 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "a name of 1-200 characters is required", ["name"])
    return name


def _percent(value: object, field: str = "discountPct") -> Decimal:
    pct = validate_money(value, field)
    if pct > HUNDRED or pct != pct.quantize(Decimal("0.01")):
        raise DomainError(ErrorCode.INVALID_INPUT, "a discount is 0-100 percent with at most 2 decimals", [field])
    return pct


def _limit(value: object | None) -> Decimal | None:
    if value is None:
        return None
    amount = validate_money(value, "creditLimit")
    if amount != money(amount):
        raise DomainError(ErrorCode.INVALID_INPUT, "a credit limit has at most 2 decimals", ["creditLimit"])
    return amount


async def _home_path(session: AsyncSession, account: TradeAccount) -> str | None:
    if account.home_store_id is None:
        return None
    return (await session.execute(select(Location.path).where(Location.id == account.home_store_id))).scalar_one()


async def create_trade_account(session: AsyncSession, principal: Principal, data: NewTradeAccount) -> TradeAccount:
    ensure(principal, Permission.TRADE_ACCOUNTS_MANAGE)
    code = _code(data.code)
    home = await store_by_code(session, data.home_store_code, "homeStoreCode") if data.home_store_code else None
    policy.ensure_can_manage_account(principal, home.path if home else None)
    account = TradeAccount(
        code=code,
        name=_name(data.name),
        discount_pct=_percent(data.discount_pct),
        credit_limit=_limit(data.credit_limit),
        home_store_id=home.id if home else None,
        contact_name=optional_text(data.contact_name, 120, "contactName"),
        phone=optional_text(data.phone, 40, "phone"),
        tax_number=optional_text(data.tax_number, 40, "taxNumber"),
        balance=Decimal(0),
        active=True,
        created_by=principal.actor,
    )
    if (await session.execute(select(TradeAccount.id).where(TradeAccount.code == code))).first() is not None:
        raise DomainError(ErrorCode.DUPLICATE, f"trade account {code} already exists", ["code"])
    session.add(account)
    await session.flush()
    return account


async def _account_for_change(session: AsyncSession, principal: Principal, code: str) -> TradeAccount:
    ensure(principal, Permission.TRADE_ACCOUNTS_MANAGE)
    value = (code or "").strip().upper()
    account = (
        await session.execute(select(TradeAccount).where(TradeAccount.code == value).with_for_update())
    ).scalar_one_or_none()
    if account is None or not policy.can_see_account(principal, await _home_path(session, account)):
        raise DomainError(ErrorCode.NOT_FOUND, f"no trade account {value}", ["code"])
    policy.ensure_can_manage_account(principal, await _home_path(session, account))
    return account


async def update_trade_account(
    session: AsyncSession, principal: Principal, code: str, changes: TradeAccountChanges
) -> TradeAccount:
    account = await _account_for_change(session, principal, code)
    if not isinstance(changes.name, _Keep):
        account.name = _name(changes.name)
    if not isinstance(changes.discount_pct, _Keep):
        account.discount_pct = _percent(changes.discount_pct)
    if not isinstance(changes.credit_limit, _Keep):
        account.credit_limit = _limit(changes.credit_limit)
    if not isinstance(changes.contact_name, _Keep):
        account.contact_name = optional_text(changes.contact_name, 120, "contactName")
    if not isinstance(changes.phone, _Keep):
        account.phone = optional_text(changes.phone, 40, "phone")
    if not isinstance(changes.tax_number, _Keep):
        account.tax_number = optional_text(changes.tax_number, 40, "taxNumber")
    if not isinstance(changes.active, _Keep):
        account.active = bool(changes.active)
    await session.flush()
    return account


@dataclass(frozen=True)
class PaymentResult:
    account: TradeAccount
    entry: TradeAccountEntry
    replayed: bool


async def record_payment(
    session: AsyncSession,
    principal: Principal,
    code: str,
    amount: Decimal,
    reference: str | None,
    idempotency_key: str,
) -> PaymentResult:
    """Money received against the account's balance (bank transfer, cash at the counter)."""
    key = check_key(idempotency_key)
    await lock_key(session, "trade_payment", key)
    earlier = (
        await session.execute(select(TradeAccountEntry).where(TradeAccountEntry.idempotency_key == key))
    ).scalar_one_or_none()
    value = validate_money(amount, "amount", allow_zero=False)
    if value != money(value):
        raise DomainError(ErrorCode.INVALID_INPUT, "an amount has at most 2 decimals", ["amount"])
    account = await _account_for_change(session, principal, code)
    if earlier is not None:
        if earlier.account_id != account.id or earlier.amount != -value:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_CONFLICT, "this key was already used for another payment", ["idempotencyKey"]
            )
        return PaymentResult(account, earlier, replayed=True)
    entry = await apply_entry(
        session,
        account,
        AccountEntryKind.PAYMENT,
        -value,
        principal.actor,
        reference=optional_text(reference, 120, "reference"),
        idempotency_key=key,
    )
    return PaymentResult(account, entry, replayed=False)


async def apply_entry(
    session: AsyncSession,
    account: TradeAccount,
    kind: AccountEntryKind,
    amount: Decimal,
    actor: str,
    *,
    reference: str | None = None,
    sale_id: int | None = None,
    return_id: int | None = None,
    idempotency_key: str | None = None,
) -> TradeAccountEntry:
    """Change the (locked) account's balance by `amount` and record why."""
    entry = TradeAccountEntry(
        account_id=account.id,
        kind=kind.value,
        amount=amount,
        reference=reference,
        sale_id=sale_id,
        return_id=return_id,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    session.add(entry)
    account.balance = account.balance + amount
    await session.flush()
    return entry


async def account_for_sale(
    session: AsyncSession, principal: Principal, code: str, store: Location, *, lock: bool
) -> TradeAccount:
    """An active account that may buy at this store (company-wide, or this store's own)."""
    value = (code or "").strip().upper()
    stmt = select(TradeAccount).where(TradeAccount.code == value)
    account = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if account is None or (account.home_store_id not in (None, store.id)):
        raise DomainError(ErrorCode.NOT_FOUND, f"no trade account {value} at {store.code}", ["tradeAccountCode"])
    if not account.active:
        raise DomainError(ErrorCode.INVALID_STATE, f"trade account {value} is closed", ["tradeAccountCode"])
    return account


async def trade_account_by_code(session: AsyncSession, principal: Principal, code: str) -> TradeAccount | None:
    """The account, or None when it does not exist or is not visible to you."""
    value = (code or "").strip().upper()
    account = (await session.execute(select(TradeAccount).where(TradeAccount.code == value))).scalar_one_or_none()
    if account is None or not policy.can_see_account(principal, await _home_path(session, account)):
        return None
    return account


async def trade_account_by_id(session: AsyncSession, principal: Principal, pk: int) -> TradeAccount | None:
    account = await session.get(TradeAccount, pk)
    if account is None or not policy.can_see_account(principal, await _home_path(session, account)):
        return None
    return account


async def trade_accounts_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, TradeAccount]:
    """Accounts of already authorised sales (loaders)."""
    rows = await session.execute(select(TradeAccount).where(TradeAccount.id.in_(list(ids))))
    return {a.id: a for a in rows.scalars()}


async def list_trade_accounts(
    session: AsyncSession,
    principal: Principal,
    *,
    search: str | None = None,
    store_code: str | None = None,
    active: bool | None = None,
    first: int,
    after_code: str | None = None,
) -> tuple[list[TradeAccount], bool]:
    """Accounts visible to you by code; `store_code` gives the ones usable at that store."""
    if not policy.can_see_account(principal, None):
        return [], False
    stmt = select(TradeAccount).outerjoin(Location, Location.id == TradeAccount.home_store_id)
    roots = policy.read_roots(principal)
    if roots is not None:
        clauses = [TradeAccount.home_store_id.is_(None)]
        for root in roots:
            clauses += [Location.path == root, Location.path.startswith(root + "/", autoescape=True)]
        stmt = stmt.where(or_(*clauses))
    if store_code:
        store = await store_by_code(session, store_code)
        stmt = stmt.where(or_(TradeAccount.home_store_id.is_(None), TradeAccount.home_store_id == store.id))
    if active is not None:
        stmt = stmt.where(TradeAccount.active.is_(active))
    if search and search.strip():
        term = search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(TradeAccount.code).contains(term, autoescape=True),
                func.lower(TradeAccount.name).contains(term, autoescape=True),
                TradeAccount.phone.contains(term, autoescape=True),
            )
        )
    if after_code:
        stmt = stmt.where(TradeAccount.code > after_code)
    rows = list((await session.execute(stmt.order_by(TradeAccount.code).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first
