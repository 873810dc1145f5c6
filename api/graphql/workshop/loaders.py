"""DataLoaders of the workshop: a page of work orders costs one query per relation, and kit checks
and pick lists are computed for the whole page at once."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.workshop.common import LineView, line_views
from domain.workshop.kit import KitCheck, kit_checks
from domain.workshop.picking import PickTask, pick_lists

# (work order id, store id) of an order the caller was already allowed to read.
OrderKey = tuple[int, int]


async def _lines(ctx: Context, ids: Sequence[int]) -> list[list[LineView]]:
    async with ctx.read() as session:
        found = await line_views(session, ids)
    return [found.get(i, []) for i in ids]


async def _kits(ctx: Context, keys: Sequence[OrderKey]) -> list[KitCheck]:
    async with ctx.read() as session:
        found = await kit_checks(session, keys)
    return [found[wo] for wo, _ in keys]


async def _picks(ctx: Context, ids: Sequence[int]) -> list[list[PickTask]]:
    async with ctx.read() as session:
        found = await pick_lists(session, ids)
    return [found.get(i, []) for i in ids]


def work_order_lines_by_work_order_id(ctx: Context) -> DataLoader[int, list[LineView]]:
    return ctx.loader("WorkOrderLinesByWorkOrderIdLoader", _lines)


def kit_check_by_work_order_id(ctx: Context) -> DataLoader[OrderKey, KitCheck]:
    return ctx.loader("KitCheckByWorkOrderIdLoader", _kits)


def pick_tasks_by_work_order_id(ctx: Context) -> DataLoader[int, list[PickTask]]:
    return ctx.loader("PickTasksByWorkOrderIdLoader", _picks)
