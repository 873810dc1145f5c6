"""DataLoaders of transfers: a page of orders costs one query per relation."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.transfers import queries, rebalancing
from domain.transfers.models import TransferOrder, TransferShipment, TransferShipmentLine
from domain.transfers.queries import LineView
from domain.transfers.rebalancing import PlanLane

Shipments = list[tuple[TransferShipment, list[TransferShipmentLine]]]


async def _lines(ctx: Context, ids: Sequence[int]) -> list[list[LineView]]:
    async with ctx.read() as session:
        found = await queries.lines_by_transfer_ids(session, ids)
    return [found.get(i, []) for i in ids]


async def _shipments(ctx: Context, ids: Sequence[int]) -> list[Shipments]:
    async with ctx.read() as session:
        found = await queries.shipments_by_transfer_ids(session, ids)
    return [found.get(i, []) for i in ids]


async def _orders(ctx: Context, ids: Sequence[int]) -> list[TransferOrder | None]:
    async with ctx.read() as session:
        found = await queries.transfers_by_ids(session, ids)
    return [found.get(i) for i in ids]


async def _lanes(ctx: Context, ids: Sequence[int]) -> list[list[PlanLane]]:
    async with ctx.read() as session:
        found = await rebalancing.plan_lanes(session, ids)
    return [found.get(i, []) for i in ids]


def transfer_lines_by_transfer_order_id(ctx: Context) -> DataLoader[int, list[LineView]]:
    return ctx.loader("TransferLinesByTransferOrderIdLoader", _lines)


def transfer_shipments_by_transfer_order_id(ctx: Context) -> DataLoader[int, Shipments]:
    return ctx.loader("TransferShipmentsByTransferOrderIdLoader", _shipments)


def transfer_order_by_id(ctx: Context) -> DataLoader[int, TransferOrder | None]:
    return ctx.loader("TransferOrderByIdLoader", _orders)


def rebalance_lanes_by_plan_id(ctx: Context) -> DataLoader[int, list[PlanLane]]:
    return ctx.loader("RebalanceLanesByPlanIdLoader", _lanes)
