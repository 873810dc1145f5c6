"""Reading statements with the same visibility everywhere (GraphQL, REST downloads, the portal):
internal readers (`statements.read`: finance, head office) see every statement; a supplier sees
only its own and never a draft. Anything else is "not found", so ids do not leak."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_now
from domain.catalog.models import Supplier, SupplierContact
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.org.models import Location, LocationKind
from domain.principal import Principal
from domain.vmi.statements.lines import LineData, Section, Totals
from domain.vmi.statements.models import (
    Statement,
    StatementComment,
    StatementKind,
    StatementLine,
    StatementStatus,
)
from domain.vmi.statements.render import (
    MEDIA_TYPES,
    CommentEntry,
    Party,
    StatementDocument,
    StatementFile,
    StatementFormat,
    StatementRenderer,
)

MAX_LINES_PAGE = 500


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the statements this principal may read (FORBIDDEN without the permission)."""
    ensure(principal, Permission.STATEMENTS_READ)
    if principal.supplier_id is not None:
        return and_(Statement.supplier_id == principal.supplier_id, Statement.status != StatementStatus.DRAFT.value)
    return true()


async def visible_statement(session: AsyncSession, principal: Principal, statement_id: int) -> Statement | None:
    stmt = select(Statement).where(Statement.id == statement_id, visible_clause(principal))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_statement(session: AsyncSession, principal: Principal, statement_id: int) -> Statement | None:
    """The statement, or None when it does not exist or is not the principal's to see."""
    return await visible_statement(session, principal, statement_id)


async def get_statement_by_number(session: AsyncSession, principal: Principal, number: str) -> Statement | None:
    stmt = select(Statement).where(Statement.number == number.strip().upper(), visible_clause(principal))
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class StatementFilter:
    supplier_code: str | None = None
    statuses: Sequence[str] | None = None
    kind: str | None = None
    # Statements whose period overlaps [period_from, period_to].
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True)
class StatementPage:
    items: list[Statement]
    has_next: bool
    total: int


async def list_statements(
    session: AsyncSession,
    principal: Principal,
    flt: StatementFilter | None = None,
    *,
    first: int = 50,
    after_id: int | None = None,
) -> StatementPage:
    """Newest period first (then newest id), keyset-paginated on the id."""
    flt = flt or StatementFilter()
    conditions: list[ColumnElement[bool]] = [visible_clause(principal)]
    if flt.supplier_code:
        conditions.append(
            Statement.supplier_id.in_(select(Supplier.id).where(Supplier.code == flt.supplier_code.strip().upper()))
        )
    if flt.statuses:
        conditions.append(Statement.status.in_([StatementStatus(s).value for s in flt.statuses]))
    if flt.kind:
        conditions.append(Statement.kind == StatementKind(flt.kind).value)
    if flt.period_from:
        conditions.append(Statement.period_end >= flt.period_from)
    if flt.period_to:
        conditions.append(Statement.period_start <= flt.period_to)
    total = (await session.execute(select(func.count()).select_from(Statement).where(*conditions))).scalar_one()
    stmt = select(Statement).where(*conditions)
    if after_id is not None:
        stmt = stmt.where(Statement.id < after_id)
    rows = list((await session.execute(stmt.order_by(Statement.id.desc()).limit(first + 1))).scalars())
    return StatementPage(items=rows[:first], has_next=len(rows) > first, total=int(total))


async def _require(session: AsyncSession, principal: Principal, statement_id: int) -> Statement:
    st = await visible_statement(session, principal, statement_id)
    if st is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no statement with this id", ["statementId"])
    return st


async def statement_lines(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    *,
    section: str | None = None,
    first: int = 100,
    after_line_no: int | None = None,
) -> tuple[list[StatementLine], bool]:
    """Lines in statement order, keyset-paginated on the line number."""
    st = await _require(session, principal, statement_id)
    return await lines_of(session, st.id, section=section, first=first, after_line_no=after_line_no)


async def lines_of(
    session: AsyncSession,
    statement_id: int,
    *,
    section: str | None = None,
    first: int | None = None,
    after_line_no: int | None = None,
) -> tuple[list[StatementLine], bool]:
    """Trusted: the caller has checked the statement is visible."""
    stmt = select(StatementLine).where(StatementLine.statement_id == statement_id)
    if section:
        stmt = stmt.where(StatementLine.section == Section(section).value)
    if after_line_no is not None:
        stmt = stmt.where(StatementLine.line_no > after_line_no)
    stmt = stmt.order_by(StatementLine.line_no)
    if first is not None:
        stmt = stmt.limit(first + 1)
    rows = list((await session.execute(stmt)).scalars())
    if first is None:
        return rows, False
    return rows[:first], len(rows) > first


async def comments_by_statement(
    session: AsyncSession, statement_ids: Sequence[int]
) -> dict[int, list[StatementComment]]:
    """Trusted batch read for loaders (the statements were resolved through `visible_clause`)."""
    found: dict[int, list[StatementComment]] = {pk: [] for pk in statement_ids}
    rows = await session.execute(
        select(StatementComment)
        .where(StatementComment.statement_id.in_(list(statement_ids)))
        .order_by(StatementComment.statement_id, StatementComment.id)
    )
    for comment in rows.scalars():
        found[comment.statement_id].append(comment)
    return found


async def statement_comments(session: AsyncSession, principal: Principal, statement_id: int) -> list[StatementComment]:
    st = await _require(session, principal, statement_id)
    return (await comments_by_statement(session, [st.id]))[st.id]


def _line_data(row: StatementLine) -> LineData:
    return LineData(
        section=Section(row.section),
        occurred_at=row.occurred_at,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        doc_type=row.doc_type,
        doc_ref=row.doc_ref,
        move_id=row.move_id,
        posting_id=row.posting_id,
        po_number=row.po_number,
        po_line_no=row.po_line_no,
        part_id=row.part_id,
        part_code=row.part_code,
        part_name_zh=row.part_name_zh,
        part_name_en=row.part_name_en,
        location_code=row.location_code,
        note=row.note,
        source_id=row.source_id,
        line_no=row.line_no,
    )


async def statement_document(session: AsyncSession, principal: Principal, statement_id: int) -> StatementDocument:
    """Everything a rendered statement shows, as plain data."""
    st = await _require(session, principal, statement_id)
    supplier = await session.get(Supplier, st.supplier_id)
    assert supplier is not None
    contact = (
        (
            await session.execute(
                select(SupplierContact).where(SupplierContact.supplier_id == supplier.id).order_by(SupplierContact.id)
            )
        )
        .scalars()
        .first()
    )
    company = (
        (await session.execute(select(Location).where(Location.kind == LocationKind.COMPANY).order_by(Location.id)))
        .scalars()
        .first()
    )
    previous = await session.get(Statement, st.previous_statement_id) if st.previous_statement_id else None
    rows, _ = await lines_of(session, st.id)
    comments = (await comments_by_statement(session, [st.id]))[st.id]
    contact_text = None
    if contact is not None:
        contact_text = " · ".join(x for x in (contact.name, contact.phone, contact.email) if x)
    return StatementDocument(
        number=st.number,
        kind=st.kind,
        status=st.status,
        revision=st.revision,
        currency=st.currency,
        period_start=st.period_start,
        period_end=st.period_end,
        company=Party(
            code=company.code if company else "",
            name_zh=company.name_zh if company else "",
            name_en=company.name_en if company else "",
            city=company.city if company else None,
        ),
        supplier=Party(
            code=supplier.code,
            name_zh=supplier.name_zh,
            name_en=supplier.name_en,
            city=supplier.city,
            contact=contact_text,
        ),
        totals=Totals(
            opening=st.opening_balance,
            receipts=st.receipts_amount,
            returns=st.returns_amount,
            price_differences=st.price_differences_amount,
            consignment=st.consignment_amount,
            credits=st.credits_amount,
        ),
        lines=[_line_data(row) for row in rows],
        comments=[
            CommentEntry(created_at=c.created_at, author=c.author, side=c.author_side, action=c.action, body=c.body)
            for c in comments
        ],
        generated_at=st.generated_at,
        printed_at=business_now(),
        issued_at=st.issued_at,
        confirmed_at=st.confirmed_at,
        disputed_at=st.disputed_at,
        settled_at=st.settled_at,
        settled_amount=st.settled_amount,
        settlement_reference=st.settlement_reference,
        previous_number=previous.number if previous else None,
    )


async def download_statement(
    session: AsyncSession,
    principal: Principal,
    statement_id: int,
    fmt: StatementFormat | str,
    renderer: StatementRenderer,
) -> StatementFile:
    """The statement as a file (PDF or Excel) through the renderer the composition root chose."""
    try:
        chosen = StatementFormat(fmt)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "format is pdf or xlsx", ["format"]) from None
    document = await statement_document(session, principal, statement_id)
    body = await renderer.render(document, chosen)
    return StatementFile(filename=f"{document.number}.{chosen.value}", media_type=MEDIA_TYPES[chosen], body=body)
