"""Helpers shared by the statement use cases: input cleaning, locking with visibility, the
comment thread, audit entries and `statement.*` outbox events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import day_start
from domain.audit import service as audit
from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.identity.policy import Permission, ensure
from domain.principal import Principal
from domain.vmi.statements import collect
from domain.vmi.statements.lines import day_after
from domain.vmi.statements.models import Statement, StatementComment
from domain.vmi.statements.queries import visible_statement
from domain.vmi.statements.states import Action

MAX_COMMENT = 4000


def default_consumption() -> collect.Consumption | None:
    """The VMI context's consignment consumption, when it is installed."""
    try:
        from domain.vmi.consignment import consignment_consumption_moves
    except ImportError:  # pragma: no cover - the VMI context ships with this one
        return None
    return consignment_consumption_moves


def now() -> datetime:
    return datetime.now(UTC)


def window(start: date, end: date) -> tuple[datetime, datetime]:
    """[first instant of `start`, first instant after `end`) in the company's time zone."""
    return day_start(start), day_start(day_after(end))


def clean_text(value: str | None, field_name: str, limit: int, *, required: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field_name} is required", [field_name])
    if len(cleaned) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field_name} is limited to {limit} characters", [field_name])
    return cleaned or None


def check_key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-200 characters", ["idempotencyKey"])
    return value


async def _supplier(session: AsyncSession, supplier_id: int) -> Supplier:
    found = await session.get(Supplier, supplier_id)
    assert found is not None
    return found


# What the supplier is told, and when: finance's moves on its statement (its own are not echoed).
_TELL_SUPPLIER = {
    "issued": ("已出具，请确认", "has been issued; please confirm or dispute it"),
    "reissued": ("已更正并重新出具", "has been corrected and issued again"),
    "settled": ("已结算", "has been settled"),
    "commented": ("有新的留言", "has a new comment from finance"),
}


async def _tell_supplier(
    session: AsyncSession, event_id: int, st: Statement, supplier: Supplier, topic: str, comment: str | None
) -> None:
    """Queue an e-mail to the supplier's contacts (and its webhook) on the notification queue."""
    try:
        from domain.vmi.notify import Message, notify_supplier
    except ImportError:  # pragma: no cover - the VMI context ships with this one
        return
    zh, en = _TELL_SUPPLIER[topic]
    period = f"{st.period_start.isoformat()} – {st.period_end.isoformat()}"
    lines = [
        f"对账单 {st.number}（{period}）{zh}。期末应付 {st.closing_amount:,.2f} {st.currency}。",
        f"Statement {st.number} ({period}) {en}. Closing amount {st.closing_amount:,.2f} {st.currency}.",
    ]
    if comment:
        lines.append(f"留言 Comment: {comment}")
    lines.append("供应商门户 Supplier portal: /portal/statements")
    body = "\n".join(lines)
    await notify_supplier(
        session,
        event_id,
        supplier.id,
        Message(
            topic=f"statement.{topic}",
            subject=f"对账单 {st.number} {zh} · Statement {st.number} {en}",
            body=body,
            markdown="\n\n".join(lines),
            data={"statementId": st.id, "number": st.number, "status": st.status, "closingAmount": st.closing_amount},
        ),
    )


async def announce(session: AsyncSession, st: Statement, topic: str, **extra: Any) -> None:
    """The `statement.<topic>` outbox event; finance's moves are also queued to the supplier."""
    supplier = await _supplier(session, st.supplier_id)
    payload: dict[str, Any] = {
        "statementId": st.id,
        "number": st.number,
        "supplierId": st.supplier_id,
        "supplierCode": supplier.code,
        "status": st.status,
        "kind": st.kind,
        "periodStart": st.period_start,
        "periodEnd": st.period_end,
        "revision": st.revision,
        "currency": st.currency,
        "closingAmount": st.closing_amount,
    }
    payload.update(extra)
    event_id = await emit(session, f"statement.{topic}", payload)
    if topic in _TELL_SUPPLIER and extra.get("authorSide", "internal") == "internal":
        await _tell_supplier(session, event_id, st, supplier, topic, extra.get("comment"))


def snapshot(st: Statement) -> dict[str, Any]:
    return {
        "status": st.status,
        "revision": st.revision,
        "closing": st.closing_amount,
        "lines": st.line_count,
        "settled": st.settled_amount,
    }


async def audit_entry(session: AsyncSession, principal: Principal, action: str, st: Statement, before: Any) -> None:
    """Record the transition (after flushing it: sessions do not autoflush, and a later read in the
    same transaction — the month-end run issues what it just generated — must see it)."""
    await session.flush()
    await audit.record(
        session,
        principal,
        f"statement.{action}",
        target_type="statement",
        target_id=st.id,
        before=before,
        after={**snapshot(st), "number": st.number},
    )


async def locked(session: AsyncSession, principal: Principal, statement_id: int) -> Statement:
    """The statement under a row lock, if the principal may see it; NOT_FOUND otherwise."""
    st = await visible_statement(session, principal, statement_id)
    if st is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no statement with this id", ["statementId"])
    locked = (
        await session.execute(
            select(Statement).where(Statement.id == st.id).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    return locked


async def add_comment(
    session: AsyncSession,
    principal: Principal,
    st: Statement,
    body: str | None,
    action: Action | None,
    key: str | None = None,
) -> StatementComment | None:
    if not body:
        return None
    comment = StatementComment(
        statement_id=st.id,
        author=principal.actor,
        author_side="supplier" if principal.supplier_id is not None else "internal",
        action=action.value if action and action is not Action.COMMENT else None,
        body=body,
        idempotency_key=key,
    )
    session.add(comment)
    await session.flush()
    return comment


def ensure_supplier_of(principal: Principal, st: Statement) -> None:
    """Only the supplier itself answers for its statement (not finance on its behalf)."""
    ensure(principal, Permission.STATEMENTS_RESPOND)
    if principal.supplier_id != st.supplier_id:
        raise DomainError(ErrorCode.FORBIDDEN, "only the supplier confirms or disputes its statement", ["statementId"])
