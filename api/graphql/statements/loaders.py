"""DataLoaders of statements, named for their key (the statements themselves were resolved through
the domain's visibility rules, so these batch reads are trusted)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.vmi.statements.queries import comments_by_statement


async def _comments(ctx: Context, keys: Sequence[int]) -> list[Any]:
    async with ctx.read() as session:
        found = await comments_by_statement(session, keys)
    return [found.get(k, []) for k in keys]


def comments_by_statement_id(ctx: Context) -> DataLoader[int, Any]:
    return ctx.loader("CommentsByStatementIdLoader", _comments)
