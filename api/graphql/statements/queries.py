"""Statement queries and the `node` lookup of statements."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, connection, int_cursor, page_size, pk_or_none
from api.graphql.statements.types import Statement, StatementKind, StatementStatus
from domain.errors import DomainError
from domain.vmi.statements.queries import StatementFilter, get_statement, get_statement_by_number, list_statements

STATEMENTS_NODE_TYPES = frozenset({"Statement"})


@strawberry.type
class StatementQueries:
    @strawberry.field(description="Reconciliation statements you may see (suppliers: their own, issued), newest first.")
    async def statements(
        self,
        info: Info[Context, None],
        supplier_code: str | None = None,
        status: list[StatementStatus] | None = None,
        kind: StatementKind | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Statement]:
        size = page_size(first, info.context.settings.max_page_size)
        after_id = int_cursor(after)
        flt = StatementFilter(
            supplier_code=supplier_code,
            statuses=[s.value for s in status] if status else None,
            kind=kind.value if kind else None,
            period_from=period_from,
            period_to=period_to,
        )
        try:
            async with info.context.read() as session:
                page = await list_statements(session, info.context.principal, flt, first=size, after_id=after_id)
        except DomainError as error:
            raise PublicError(error.message) from None
        nodes = [Statement.from_model(st) for st in page.items]
        return connection(nodes, [str(st.id) for st in page.items], page.has_next, after, page.total)

    @strawberry.field(description="A statement by its global ID or its number; null when not yours to see.")
    async def statement(
        self, info: Info[Context, None], id: strawberry.ID | None = None, number: str | None = None
    ) -> Statement | None:
        try:
            async with info.context.read() as session:
                if id is not None:
                    pk = pk_or_none(id, "Statement")
                    found = await get_statement(session, info.context.principal, pk) if pk is not None else None
                elif number:
                    found = await get_statement_by_number(session, info.context.principal, number)
                else:
                    raise PublicError("give the statement's id or number")
        except DomainError as error:
            raise PublicError(error.message) from None
        return Statement.from_model(found) if found else None


async def statements_node(info: Info[Context, None], type_name: str, pk: int) -> Statement | None:
    """`node(id:)` for statements; None when missing or not visible to the principal."""
    try:
        async with info.context.read() as session:
            found = await get_statement(session, info.context.principal, pk)
    except DomainError:
        return None
    return Statement.from_model(found) if found else None
