"""Statement mutations: thin — decode the id, call one domain service in one transaction, map."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.relay import pk_or_none
from api.graphql.statements.types import (
    AddStatementCreditInput,
    AddStatementCreditPayload,
    CommentStatementInput,
    CommentStatementPayload,
    ConfirmStatementInput,
    ConfirmStatementPayload,
    DisputeStatementInput,
    DisputeStatementPayload,
    GenerateStatementInput,
    GenerateStatementPayload,
    IssueStatementInput,
    IssueStatementPayload,
    ReissueStatementInput,
    ReissueStatementPayload,
    SettleStatementInput,
    SettleStatementPayload,
    Statement,
    StatementComment,
    StatementPayloadBase,
)
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.vmi.statements import service
from domain.vmi.statements.lines import month_of
from domain.vmi.statements.models import Statement as StatementModel

P = TypeVar("P", bound=StatementPayloadBase)
Step = Callable[[AsyncSession, Principal, int], Awaitable[StatementModel]]


def _pk(value: str) -> int:
    pk = pk_or_none(value, "Statement")
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no statement with this id", ["statementId"])
    return pk


async def _step(info: Info[Context, None], payload: type[P], gid: str, step: Step) -> P:
    try:
        pk = _pk(gid)
        async with info.context.write() as session:
            st = await step(session, info.context.principal, pk)
    except DomainError as error:
        return payload(statement=None, errors=user_errors(error))
    return payload(statement=Statement.from_model(st), errors=[])


@strawberry.type
class StatementMutations:
    @strawberry.mutation(description="Generate (or refresh) the draft statement of a supplier for a month or range.")
    async def generate_statement(
        self, info: Info[Context, None], input: GenerateStatementInput
    ) -> GenerateStatementPayload:
        try:
            if input.month is not None:
                start, end = month_of(input.month)
            elif input.period_start is not None and input.period_end is not None:
                start, end = input.period_start, input.period_end
            else:
                raise DomainError(ErrorCode.INVALID_INPUT, "give a month, or periodStart and periodEnd", ["month"])
            async with info.context.write() as session:
                st = await service.generate_statement(session, info.context.principal, input.supplier_code, start, end)
        except DomainError as error:
            return GenerateStatementPayload(statement=None, errors=user_errors(error))
        return GenerateStatementPayload(statement=Statement.from_model(st), errors=[])

    @strawberry.mutation(description="Send a draft to the supplier once its period is over (emits statement.issued).")
    async def issue_statement(self, info: Info[Context, None], input: IssueStatementInput) -> IssueStatementPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            return await service.issue_statement(session, principal, pk, comment=input.comment)

        return await _step(info, IssueStatementPayload, input.statement_id, step)

    @strawberry.mutation(description="The supplier agrees with an issued statement.")
    async def confirm_statement(
        self, info: Info[Context, None], input: ConfirmStatementInput
    ) -> ConfirmStatementPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            return await service.confirm_statement(session, principal, pk, comment=input.comment)

        return await _step(info, ConfirmStatementPayload, input.statement_id, step)

    @strawberry.mutation(description="The supplier disputes an issued statement, saying why.")
    async def dispute_statement(
        self, info: Info[Context, None], input: DisputeStatementInput
    ) -> DisputeStatementPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            return await service.dispute_statement(session, principal, pk, input.comment)

        return await _step(info, DisputeStatementPayload, input.statement_id, step)

    @strawberry.mutation(description="Add to a statement's thread (the supplier on its own, finance on any).")
    async def comment_statement(
        self, info: Info[Context, None], input: CommentStatementInput
    ) -> CommentStatementPayload:
        try:
            pk = _pk(input.statement_id)
            async with info.context.write() as session:
                comment = await service.comment_statement(
                    session, info.context.principal, pk, input.comment, idempotency_key=input.idempotency_key
                )
                st = await service.get_statement(session, info.context.principal, pk)
        except DomainError as error:
            return CommentStatementPayload(statement=None, comment=None, errors=user_errors(error))
        return CommentStatementPayload(
            statement=Statement.from_model(st) if st else None,
            comment=StatementComment.from_model(comment),
            errors=[],
        )

    @strawberry.mutation(description="After a dispute: recompute from the corrected ledger and credits, send again.")
    async def reissue_statement(
        self, info: Info[Context, None], input: ReissueStatementInput
    ) -> ReissueStatementPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            return await service.reissue_statement(session, principal, pk, comment=input.comment)

        return await _step(info, ReissueStatementPayload, input.statement_id, step)

    @strawberry.mutation(description="Record finance's payment of a confirmed or disputed monthly statement.")
    async def settle_statement(self, info: Info[Context, None], input: SettleStatementInput) -> SettleStatementPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            return await service.settle_statement(
                session, principal, pk, amount=input.amount, reference=input.reference, comment=input.comment
            )

        return await _step(info, SettleStatementPayload, input.statement_id, step)

    @strawberry.mutation(description="A credit note on a draft or disputed statement (lowers the closing amount).")
    async def add_statement_credit(
        self, info: Info[Context, None], input: AddStatementCreditInput
    ) -> AddStatementCreditPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> StatementModel:
            await service.add_statement_credit(
                session,
                principal,
                pk,
                input.amount,
                input.reason,
                reference=input.reference,
                idempotency_key=input.idempotency_key,
            )
            st = await service.get_statement(session, principal, pk)
            assert st is not None
            return st

        return await _step(info, AddStatementCreditPayload, input.statement_id, step)
