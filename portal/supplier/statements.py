"""Reconciliation statements: the list, one statement (totals, lines page by page, the comment
thread), confirm, dispute with a comment, comment, and the PDF or Excel download — all through
domain.vmi.statements with the supplier's principal: drafts and other suppliers' statements are
"not found"."""

from __future__ import annotations

import re

from starlette.responses import Response

from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.vmi.statements import queries, service
from domain.vmi.statements.models import StatementStatus
from domain.vmi.statements.render import StatementFormat
from domain.vmi.statements.states import Action, allowed
from portal.supplier.common import cursor, object_id
from portal.web import NotFound, Page, _, form_errors, view

PAGE_SIZE = 20
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
LINES_PER_PAGE = 50


@view(permission=Permission.STATEMENTS_READ)
async def index(page: Page) -> Response:
    after = cursor(page, "after")
    status = page.value("status")
    visible = [s.value for s in StatementStatus if s is not StatementStatus.DRAFT]
    flt = queries.StatementFilter(statuses=[status] if status in visible else None)
    async with page.read() as session:
        found = await queries.list_statements(session, page.principal, flt, first=PAGE_SIZE, after_id=after)
    older = None
    if found.has_next and found.items:
        older = page.url(f"/statements?after={found.items[-1].id}" + (f"&status={status}" if flt.statuses else ""))
    return page.render(
        "supplier/statements.html",
        statements=found.items,
        total=found.total,
        older=older,
        status_filter=status if flt.statuses else "",
        statuses=visible,
        first_page=after is None,
    )


async def _render(page: Page, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    pk = object_id(page)
    pages = page.pagination(size=LINES_PER_PAGE, max_size=200)
    async with page.read() as session:
        st = await queries.get_statement(session, page.principal, pk)
        if st is None:
            raise NotFound()
        # Lines are numbered 1..n in statement order, so page N starts after line (N-1) × size.
        lines, pages.has_next = await queries.statement_lines(
            session, page.principal, pk, first=pages.size, after_line_no=pages.offset
        )
        comments = await queries.statement_comments(session, page.principal, pk)
    pages.total = st.line_count
    can_respond = page.can(Permission.STATEMENTS_RESPOND)
    return page.render(
        "supplier/statement.html",
        status=status,
        st=st,
        lines=lines,
        pages=pages,
        comments=comments,
        errors=errors or {},
        can_confirm=can_respond and allowed(StatementStatus(st.status), Action.CONFIRM),
        can_dispute=can_respond and allowed(StatementStatus(st.status), Action.DISPUTE),
        can_comment=can_respond and allowed(StatementStatus(st.status), Action.COMMENT),
    )


@view(permission=Permission.STATEMENTS_READ)
async def detail(page: Page) -> Response:
    return await _render(page)


@view(permission=Permission.STATEMENTS_RESPOND)
async def confirm(page: Page) -> Response:
    pk = object_id(page)
    async with page.write() as session:
        st = await service.confirm_statement(session, page.principal, pk, comment=page.value("confirmComment") or None)
    return page.redirect(f"/statements/{pk}", flash=_("You confirmed statement {number}.", number=st.number))


@view(permission=Permission.STATEMENTS_RESPOND)
async def dispute(page: Page) -> Response:
    pk = object_id(page)
    try:
        async with page.write() as session:
            st = await service.dispute_statement(session, page.principal, pk, page.value("disputeComment"))
    except DomainError as error:
        if error.field and error.field[-1] == "comment":
            return await _render(page, {"disputeComment": _(error.message)}, status=400)
        raise
    return page.redirect(
        f"/statements/{pk}", flash=_("Statement {number} disputed; finance will answer.", number=st.number)
    )


@view(permission=Permission.STATEMENTS_RESPOND)
async def comment(page: Page) -> Response:
    pk = object_id(page)
    try:
        async with page.write() as session:
            await service.comment_statement(
                session, page.principal, pk, page.value("comment"), idempotency_key=page.idempotency_key
            )
    except DomainError as error:
        if error.field and error.field[-1] == "comment":
            return await _render(page, form_errors(error), status=400)
        raise
    return page.redirect(f"/statements/{pk}#thread", flash=_("Comment added."))


@view(permission=Permission.STATEMENTS_READ)
async def download(page: Page) -> Response:
    pk = object_id(page)
    fmt = page.params.get("fmt", "")
    if fmt not in {f.value for f in StatementFormat}:
        raise NotFound()
    from integrations.documents import statement_renderer  # on use: loading weasyprint costs ~0.5 s

    async with page.read() as session:
        found = await queries.download_statement(session, page.principal, pk, fmt, statement_renderer())
    return Response(
        found.body,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{_SAFE.sub("_", found.filename)}"'},
    )
