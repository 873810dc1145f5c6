"""The month-end run (and the `ims.vmi.month_end` job): one statement per supplier with business,
issued when the month is over, never twice."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from domain.vmi.statements import generate_month_end_statements, service
from integrations.jobs import runtime
from integrations.jobs.tasks import month_end_statements_job
from tests.domain.vmi.statements.helpers import FINANCE, SYSTEM, business_month, past_month, second_supplier, this_month


async def _statements(sessions) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return [tuple(r) for r in await s.execute(text("SELECT number, status FROM vmi_statement ORDER BY id"))]


async def test_month_end_generates_once(sessions) -> None:
    await business_month(sessions)
    await second_supplier(sessions)  # no business: no statement
    start, _ = this_month()
    async with sessions() as s, s.begin():
        first = await generate_month_end_statements(s, SYSTEM, start)
    async with sessions() as s, s.begin():
        again = await generate_month_end_statements(s, SYSTEM, start)
    number = f"ST-SUP01-{start:%Y-%m}"
    assert first.generated == again.generated == [number] and first.issued == []  # the month is not over
    assert await _statements(sessions) == [(number, "draft")]


async def test_the_job_issues_the_month_just_closed_once(sessions, db_url) -> None:
    start, end = past_month(2)
    async with sessions() as s, s.begin():
        st = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        await service.add_statement_credit(s, FINANCE, st.id, Decimal("75.00"), "rebate")
        await service.issue_statement(s, FINANCE, st.id)
    runtime.configure(db_url)
    try:
        first = await month_end_statements_job()
        second = await month_end_statements_job()
    finally:
        await runtime.dispose()
    previous, _ = past_month(1)
    number = f"ST-SUP01-{previous:%Y-%m}"
    assert first["month"] == previous.isoformat() and "1 generated, 1 issued" in first["result"]
    assert "0 generated, 0 issued, 1 already issued" in second["result"]
    assert await _statements(sessions) == [(st.number, "issued"), (number, "issued")]
    async with sessions() as s:
        carried = await service.get_statement(s, FINANCE, st.id + 1)
    assert carried is not None and carried.opening_balance == Decimal("-75.00")
