"""DataLoaders of VMI, named for their key; each batch is one domain read (shared stock: one
set-based computation for every agreement of the page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.vmi import agreements, proposals, shared_stock


async def _agreements(ctx: Context, keys: Sequence[int]) -> list[Any]:
    async with ctx.read() as session:
        found = await agreements.agreements_by_ids(session, keys)
    return [found.get(k) for k in keys]


async def _shared_stock(ctx: Context, keys: Sequence[int]) -> list[Any]:
    async with ctx.read() as session:
        found = await shared_stock.shared_stock_by_agreement(session, ctx.principal, keys)
    return [found.get(k) for k in keys]


async def _lines(ctx: Context, keys: Sequence[int]) -> list[Any]:
    async with ctx.read() as session:
        found = await proposals.proposal_lines(session, keys)
    return [found.get(k, []) for k in keys]


def agreement_by_id(ctx: Context) -> DataLoader[int, Any]:
    return ctx.loader("VmiAgreementByIdLoader", _agreements)


def shared_stock_by_agreement_id(ctx: Context) -> DataLoader[int, Any]:
    return ctx.loader("SharedStockByAgreementIdLoader", _shared_stock)


def lines_by_proposal_id(ctx: Context) -> DataLoader[int, Any]:
    return ctx.loader("VmiProposalLinesByProposalIdLoader", _lines)
