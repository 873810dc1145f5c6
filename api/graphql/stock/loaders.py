"""DataLoaders of stock: the cross-store lookup of many parts is one statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.stock import service
from domain.stock.service import StockLevel

StockKey = tuple[int, tuple[str, ...] | None]


async def _stock(ctx: Context, keys: Sequence[StockKey]) -> list[list[StockLevel]]:
    by_filter: dict[tuple[str, ...] | None, list[int]] = defaultdict(list)
    for part_id, codes in keys:
        by_filter[codes].append(part_id)
    found: dict[StockKey, list[StockLevel]] = {}
    async with ctx.read_connection() as connection:
        for codes, part_ids in by_filter.items():
            levels = await service.stock_levels_for_parts(connection, ctx.principal, part_ids, codes)
            for part_id in part_ids:
                found[(part_id, codes)] = levels.get(part_id, [])
    return [found[key] for key in keys]


def stock_by_part_id(ctx: Context) -> DataLoader[StockKey, list[StockLevel]]:
    return ctx.loader("StockByPartIdLoader", _stock)
