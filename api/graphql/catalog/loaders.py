"""DataLoaders of the catalog, one per relation, so a page of parts costs one query per relation.
Parts and suppliers are loaded as the caller sees them (a supplier: only its own), so every edge —
substitutes, supersessions, a move's part — is filtered like the root queries."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.catalog import service
from domain.catalog.models import Part, Supplier, VehicleModel


async def _parts(ctx: Context, ids: Sequence[int]) -> list[Part | None]:
    async with ctx.read() as session:
        found = await service.parts_by_ids(session, ids, ctx.principal)
    return [found.get(i) for i in ids]


async def _suppliers(ctx: Context, ids: Sequence[int]) -> list[Supplier | None]:
    async with ctx.read() as session:
        found = await service.suppliers_by_ids(session, ids, ctx.principal)
    return [found.get(i) for i in ids]


async def _aliases(ctx: Context, ids: Sequence[int]) -> list[list[str]]:
    async with ctx.read() as session:
        found = await service.aliases_by_part_ids(session, ids)
    return [found.get(i, []) for i in ids]


async def _substitutes(ctx: Context, ids: Sequence[int]) -> list[list[int]]:
    async with ctx.read() as session:
        found = await service.substitutes_by_part_ids(session, ids)
    return [found.get(i, []) for i in ids]


async def _fitment(ctx: Context, ids: Sequence[int]) -> list[list[VehicleModel]]:
    async with ctx.read() as session:
        found = await service.fitment_by_part_ids(session, ids)
    return [found.get(i, []) for i in ids]


def part_by_id(ctx: Context) -> DataLoader[int, Part | None]:
    return ctx.loader("PartByIdLoader", _parts)


def supplier_by_id(ctx: Context) -> DataLoader[int, Supplier | None]:
    return ctx.loader("SupplierByIdLoader", _suppliers)


def aliases_by_part_id(ctx: Context) -> DataLoader[int, list[str]]:
    return ctx.loader("AliasesByPartIdLoader", _aliases)


def substitutes_by_part_id(ctx: Context) -> DataLoader[int, list[int]]:
    return ctx.loader("SubstituteIdsByPartIdLoader", _substitutes)


def fitment_by_part_id(ctx: Context) -> DataLoader[int, list[VehicleModel]]:
    return ctx.loader("FitmentByPartIdLoader", _fitment)
