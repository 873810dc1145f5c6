"""The month-end run: the monthly statement of every supplier with business in the month just
closed, generated and issued in one transaction (the job `ims.vmi.month_end`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today
from domain.catalog.models import Supplier
from domain.identity.policy import Permission, ensure
from domain.principal import Principal
from domain.vmi.statements import collect
from domain.vmi.statements.common import default_consumption, window
from domain.vmi.statements.generation import generate_statement, opening_balance
from domain.vmi.statements.lines import month_of
from domain.vmi.statements.models import Statement, StatementKind, StatementStatus
from domain.vmi.statements.service import issue_statement

MONTH_END_LOCK = 7_311_012


@dataclass
class MonthEndResult:
    month: date
    generated: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m}: {len(self.generated)} generated, {len(self.issued)} issued, "
            f"{len(self.skipped)} already issued"
        )


async def generate_month_end_statements(
    session: AsyncSession,
    principal: Principal,
    month: date,
    *,
    issue: bool = True,
    consumption: collect.Consumption | None = None,
) -> MonthEndResult:
    """The monthly statement of every supplier with activity in `month` or a balance carried into
    it, issued when the month is over. Idempotent: a statement already issued is left alone, a
    draft is refreshed; concurrent runs serialise on an advisory lock."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    source = consumption or default_consumption()
    start, end = month_of(month)
    result = MonthEndResult(month=start)
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MONTH_END_LOCK})
    suppliers = list((await session.execute(select(Supplier).order_by(Supplier.code))).scalars())
    existing = {
        row.supplier_id: row
        for row in (
            await session.execute(
                select(Statement.supplier_id, Statement.status, Statement.number).where(
                    Statement.kind == StatementKind.MONTHLY.value, Statement.period_start == start
                )
            )
        )
    }
    span = window(start, end)
    for supplier in suppliers:
        found = existing.get(supplier.id)
        if found is not None and found.status != StatementStatus.DRAFT.value:
            result.skipped.append(found.number)
            continue
        if found is None and not await _has_business(session, supplier.id, start, span, source):
            continue
        st = await generate_statement(session, principal, supplier.code, start, end, consumption=source)
        result.generated.append(st.number)
        if issue and end < business_today():
            await issue_statement(session, principal, st.id, consumption=source)
            result.issued.append(st.number)
    return result


async def _has_business(
    session: AsyncSession,
    supplier_id: int,
    start: date,
    window: tuple[datetime, datetime],
    source: collect.Consumption | None,
) -> bool:
    """Activity in the month, or an open balance from the previous statements."""
    if await collect.activity(session, supplier_id, window[0], window[1], source):
        return True
    opening, _ = await opening_balance(session, supplier_id, start, None, source)
    return opening != 0
