"""Statement use cases after generation: issue, confirm, dispute, comment, re-issue, credit and
settle. Every transition is checked against the status machine (`states`), audited and announced
on the outbox (`statement.*` topics carrying the supplier, so integrations and notifications reach
it).

Who: finance (`statements.manage`) generates, issues, re-issues, credits and settles; the supplier
(`statements.respond`, its own statements only) confirms and disputes; both comment. A supplier
never sees drafts nor another supplier's statements: those are "not found". Reads live in
`queries`, generation in `generation`; this module re-exports the whole public surface."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today
from domain.audit import service as audit
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.principal import Principal
from domain.quantities import MAX_MONEY, parse_decimal, validate_money
from domain.vmi.statements import collect
from domain.vmi.statements.common import (
    MAX_COMMENT,
    add_comment,
    announce,
    audit_entry,
    check_key,
    clean_text,
    default_consumption,
    ensure_supplier_of,
    locked,
    now,
    snapshot,
)
from domain.vmi.statements.generation import fill, generate_statement
from domain.vmi.statements.lines import money
from domain.vmi.statements.models import (
    Statement,
    StatementComment,
    StatementCredit,
    StatementKind,
    StatementStatus,
)
from domain.vmi.statements.queries import (
    StatementFilter,
    StatementPage,
    download_statement,
    get_statement,
    get_statement_by_number,
    list_statements,
    statement_comments,
    statement_document,
    statement_lines,
)
from domain.vmi.statements.states import Action, next_status

__all__ = [
    "StatementFilter",
    "StatementPage",
    "add_statement_credit",
    "comment_statement",
    "confirm_statement",
    "dispute_statement",
    "download_statement",
    "generate_statement",
    "get_statement",
    "get_statement_by_number",
    "issue_statement",
    "list_statements",
    "reissue_statement",
    "settle_statement",
    "statement_comments",
    "statement_document",
    "statement_lines",
]


async def issue_statement(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    *,
    comment: str | None = None,
    consumption: collect.Consumption | None = None,
) -> Statement:
    """Send a draft to the supplier, once its period is over. The lines are refreshed first, so
    what the supplier gets is complete even if the draft was made mid-period."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    body = clean_text(comment, "comment", MAX_COMMENT)
    st = await locked(session, principal, statement_id)
    before = snapshot(st)
    status = next_status(st.status, Action.ISSUE)
    if st.period_end >= business_today():
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"{st.number} covers days up to {st.period_end.isoformat()}; issue it once the period is over",
            ["statementId"],
        )
    await fill(session, st, consumption or default_consumption())
    st.status = status.value
    st.issued_by, st.issued_at = principal.actor, now()
    await add_comment(session, principal, st, body, Action.ISSUE)
    await audit_entry(session, principal, "issue", st, before)
    await announce(session, st, "issued", comment=body)
    return st


async def reissue_statement(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    *,
    comment: str | None = None,
    consumption: collect.Consumption | None = None,
) -> Statement:
    """After a dispute: recompute from the (corrected) ledger and credits and send again."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    body = clean_text(comment, "comment", MAX_COMMENT)
    st = await locked(session, principal, statement_id)
    before = snapshot(st)
    status = next_status(st.status, Action.REISSUE)
    if st.kind == StatementKind.MONTHLY:
        later = (
            await session.execute(
                select(Statement.number).where(
                    Statement.supplier_id == st.supplier_id,
                    Statement.kind == StatementKind.MONTHLY.value,
                    Statement.status != StatementStatus.DRAFT.value,
                    Statement.period_start > st.period_end,
                )
            )
        ).first()
        if later is not None:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                f"{later[0]} already carries this balance forward; add a credit to it instead",
                ["statementId"],
            )
    await fill(session, st, consumption or default_consumption())
    st.revision += 1
    st.status = status.value
    st.issued_by, st.issued_at = principal.actor, now()
    st.confirmed_by = st.confirmed_at = None
    await add_comment(session, principal, st, body, Action.REISSUE)
    await audit_entry(session, principal, "reissue", st, before)
    await announce(session, st, "reissued", comment=body)
    return st


async def add_statement_credit(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    amount: Decimal | str,
    reason: str,
    *,
    reference: str | None = None,
    idempotency_key: str | None = None,
    consumption: collect.Consumption | None = None,
) -> StatementCredit:
    """A credit note on a draft or disputed statement; the totals are recomputed at once."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    value = validate_money(amount, "amount", allow_zero=False)
    if value != money(value):
        raise DomainError(ErrorCode.INVALID_INPUT, "a credit is in whole cents", ["amount"])
    why = clean_text(reason, "reason", 2000, required=True)
    ref = clean_text(reference, "reference", 120)
    key = check_key(idempotency_key)
    if key is not None:
        found = (
            await session.execute(select(StatementCredit).where(StatementCredit.idempotency_key == key))
        ).scalar_one_or_none()
        if found is not None:
            if (found.statement_id, found.amount, found.reason) != (statement_id, value, why):
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT, "this key was used for another credit", ["idempotencyKey"]
                )
            return found
    st = await locked(session, principal, statement_id)
    before = snapshot(st)
    next_status(st.status, Action.ADD_CREDIT)
    credit = StatementCredit(
        statement_id=st.id,
        supplier_id=st.supplier_id,
        amount=value,
        reason=why or "",
        reference=ref,
        idempotency_key=key,
        created_by=principal.actor,
    )
    session.add(credit)
    await session.flush()
    await fill(session, st, consumption or default_consumption())
    await audit_entry(session, principal, "credit", st, before)
    return credit


async def settle_statement(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    *,
    amount: Decimal | str | None = None,
    reference: str | None = None,
    comment: str | None = None,
) -> Statement:
    """Record the payment (default: the closing amount). The next monthly statement opens with
    closing − settled, so a part payment carries the rest forward."""
    ensure(principal, Permission.STATEMENTS_MANAGE)
    ref = clean_text(reference, "reference", 120)
    body = clean_text(comment, "comment", MAX_COMMENT)
    st = await locked(session, principal, statement_id)
    before = snapshot(st)
    status = next_status(st.status, Action.SETTLE)
    if st.kind != StatementKind.MONTHLY:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "range statements are informational; settle the monthly statement of the account",
            ["statementId"],
        )
    paid = st.closing_amount if amount is None else parse_decimal(amount, "amount")
    if abs(paid) > MAX_MONEY or paid != money(paid):
        raise DomainError(ErrorCode.INVALID_INPUT, "the settled amount is in whole cents and bounded", ["amount"])
    st.status = status.value
    st.settled_amount = money(paid)
    st.settlement_reference = ref
    st.settled_by, st.settled_at = principal.actor, now()
    await add_comment(session, principal, st, body, Action.SETTLE)
    await audit_entry(session, principal, "settle", st, before)
    await announce(session, st, "settled", settledAmount=st.settled_amount, reference=ref)
    return st


# --- the supplier -------------------------------------------------------------------------------


async def confirm_statement(
    session: AsyncSession, principal: Principal, statement_id: int, *, comment: str | None = None
) -> Statement:
    """The supplier agrees with the statement."""
    body = clean_text(comment, "comment", MAX_COMMENT)
    st = await locked(session, principal, statement_id)
    ensure_supplier_of(principal, st)
    before = snapshot(st)
    st.status = next_status(st.status, Action.CONFIRM).value
    st.confirmed_by, st.confirmed_at = principal.actor, now()
    await add_comment(session, principal, st, body, Action.CONFIRM)
    await audit_entry(session, principal, "confirm", st, before)
    await announce(session, st, "confirmed", comment=body)
    return st


async def dispute_statement(session: AsyncSession, principal: Principal, statement_id: int, comment: str) -> Statement:
    """The supplier disagrees and says why (a comment is required)."""
    body = clean_text(comment, "comment", MAX_COMMENT, required=True)
    st = await locked(session, principal, statement_id)
    ensure_supplier_of(principal, st)
    before = snapshot(st)
    st.status = next_status(st.status, Action.DISPUTE).value
    st.disputed_by, st.disputed_at = principal.actor, now()
    await add_comment(session, principal, st, body, Action.DISPUTE)
    await audit_entry(session, principal, "dispute", st, before)
    await announce(session, st, "disputed", comment=body)
    return st


# --- both sides ---------------------------------------------------------------------------------


async def comment_statement(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    body: str,
    *,
    idempotency_key: str | None = None,
) -> StatementComment:
    """Add to the thread (the supplier on its own statements, finance on any); the other side is
    notified through the `statement.commented` event."""
    text_body = clean_text(body, "comment", MAX_COMMENT, required=True)
    key = check_key(idempotency_key)
    if key is not None:
        found = (
            await session.execute(select(StatementComment).where(StatementComment.idempotency_key == key))
        ).scalar_one_or_none()
        if found is not None:
            if (found.statement_id, found.body, found.author) != (statement_id, text_body, principal.actor):
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT, "this key was used for another comment", ["idempotencyKey"]
                )
            return found
    st = await locked(session, principal, statement_id)
    if principal.supplier_id is not None:
        ensure_supplier_of(principal, st)
    else:
        ensure(principal, Permission.STATEMENTS_MANAGE)
    next_status(st.status, Action.COMMENT)
    comment = await add_comment(session, principal, st, text_body, Action.COMMENT, key)
    assert comment is not None
    await audit.record(
        session,
        principal,
        "statement.comment",
        target_type="statement",
        target_id=st.id,
        after={"number": st.number, "comment": comment.id},
    )
    await announce(session, st, "commented", comment=text_body, author=principal.actor, authorSide=comment.author_side)
    return comment
