"""Generating statements: collect the period's lines, carry the opening balance, store lines and
totals — for one supplier on demand (idempotent per supplier and period) and for every supplier
at month end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today, day_start
from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.principal import Principal
from domain.vmi.statements import collect
from domain.vmi.statements.common import audit_entry, default_consumption, now, snapshot, window
from domain.vmi.statements.lines import (
    ZERO,
    LineData,
    carried_balance,
    day_after,
    kind_of,
    money,
    ordered,
    statement_number,
    totals,
    validate_period,
)
from domain.vmi.statements.models import Statement, StatementKind, StatementLine, StatementStatus
from domain.vmi.statements.states import Action, next_status


async def _previous(session: AsyncSession, supplier_id: int, before: date, exclude_id: int | None) -> Statement | None:
    """The latest monthly statement before `before` that left draft: the account of record."""
    stmt = (
        select(Statement)
        .where(
            Statement.supplier_id == supplier_id,
            Statement.kind == StatementKind.MONTHLY.value,
            Statement.status != StatementStatus.DRAFT.value,
            Statement.period_end < before,
        )
        .order_by(Statement.period_end.desc())
        .limit(1)
    )
    if exclude_id is not None:
        stmt = stmt.where(Statement.id != exclude_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def opening_balance(
    session: AsyncSession,
    supplier_id: int,
    period_start: date,
    exclude_id: int | None,
    source: collect.Consumption | None,
) -> tuple[Decimal, Statement | None]:
    previous = await _previous(session, supplier_id, period_start, exclude_id)
    if previous is None:
        return ZERO, None
    gap_net = ZERO
    gap_start = day_after(previous.period_end)
    if gap_start < period_start:  # months never issued: their activity is still owed
        gap = await collect.activity(session, supplier_id, day_start(gap_start), day_start(period_start), source)
        gap_net = sum((line.amount for line in gap), ZERO)
    return carried_balance(previous.closing_amount, previous.settled_amount, gap_net), previous


async def fill(session: AsyncSession, st: Statement, source: collect.Consumption | None) -> list[LineData]:
    """(Re)compute the lines and totals of a statement from the ledger and its credits."""
    start, end = window(st.period_start, st.period_end)
    found = await collect.activity(session, st.supplier_id, start, end, source)
    found.extend(await collect.credits(session, st.id))
    lines = ordered(found)
    opening, previous = await opening_balance(session, st.supplier_id, st.period_start, st.id, source)
    sums = totals(opening, lines)
    await session.execute(delete(StatementLine).where(StatementLine.statement_id == st.id))
    if lines:
        await session.execute(
            insert(StatementLine),
            [
                {
                    "statement_id": st.id,
                    "line_no": x.line_no,
                    "section": x.section.value,
                    "occurred_at": x.occurred_at,
                    "move_id": x.move_id,
                    "posting_id": x.posting_id,
                    "doc_type": x.doc_type,
                    "doc_ref": x.doc_ref,
                    "po_number": x.po_number,
                    "po_line_no": x.po_line_no,
                    "part_id": x.part_id,
                    "part_code": x.part_code,
                    "part_name_zh": x.part_name_zh,
                    "part_name_en": x.part_name_en,
                    "location_code": x.location_code,
                    "quantity": x.quantity,
                    "unit_price": x.unit_price,
                    "amount": x.amount,
                    "note": x.note,
                    "source_id": x.source_id,
                }
                for x in lines
            ],
        )
    st.opening_balance = sums.opening
    st.receipts_amount = sums.receipts
    st.returns_amount = sums.returns
    st.price_differences_amount = sums.price_differences
    st.consignment_amount = sums.consignment
    st.credits_amount = sums.credits
    st.closing_amount = money(sums.closing)
    st.line_count = len(lines)
    st.previous_statement_id = previous.id if previous else None
    await session.flush()
    return lines


async def _create_or_lock(
    session: AsyncSession, principal: Principal, supplier: Supplier, start: date, end: date
) -> tuple[Statement, bool]:
    kind = kind_of(start, end)
    number = statement_number(supplier.code, start, end)
    holder = (await session.execute(select(Statement.supplier_id).where(Statement.number == number))).scalar()
    if holder is not None and holder != supplier.id:  # codes that differ only in punctuation
        number = f"{number}-{supplier.id}"
    inserted = (
        await session.execute(
            pg_insert(Statement)
            .values(
                number=number,
                supplier_id=supplier.id,
                kind=kind.value,
                period_start=start,
                period_end=end,
                status=StatementStatus.DRAFT.value,
                currency="CNY",
                opening_balance=ZERO,
                receipts_amount=ZERO,
                returns_amount=ZERO,
                price_differences_amount=ZERO,
                consignment_amount=ZERO,
                credits_amount=ZERO,
                closing_amount=ZERO,
                line_count=0,
                revision=1,
                generated_by=principal.actor,
            )
            .on_conflict_do_nothing(index_elements=["supplier_id", "kind", "period_start", "period_end"])
            .returning(Statement.id)
        )
    ).scalar_one_or_none()
    st = (
        await session.execute(
            select(Statement)
            .where(
                Statement.supplier_id == supplier.id,
                Statement.kind == kind.value,
                Statement.period_start == start,
                Statement.period_end == end,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return st, inserted is not None


async def generate_statement(
    session: AsyncSession,
    principal: Principal,
    supplier_code: str,
    period_start: date,
    period_end: date,
    *,
    consumption: collect.Consumption | None = None,
) -> Statement:
    """The draft statement of one supplier for one period (a calendar month makes a monthly
    statement, any other range an activity statement). Idempotent: generating again refreshes
    the same draft; a statement that left draft is refused (INVALID_STATE)."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    validate_period(period_start, period_end)
    if period_start > business_today():
        raise DomainError(ErrorCode.INVALID_INPUT, "the period has not started yet", ["periodStart"])
    code = (supplier_code or "").strip().upper()
    supplier = (await session.execute(select(Supplier).where(Supplier.code == code))).scalar_one_or_none()
    if supplier is None:
        raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"no supplier with code {code}", ["supplierCode"])
    st, created = await _create_or_lock(session, principal, supplier, period_start, period_end)
    before = None if created else snapshot(st)
    next_status(st.status, Action.REGENERATE)
    if not created:
        st.revision += 1
        st.generated_by = principal.actor
        st.generated_at = now()
    await fill(session, st, consumption or default_consumption())
    await audit_entry(session, principal, "generate", st, before)
    return st
