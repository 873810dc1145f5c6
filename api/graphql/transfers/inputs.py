"""Inputs and payloads of the transfer mutations."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.graphql.errors import UserError
from api.graphql.stock.types import StockMove
from api.graphql.transfers.types import RebalancePlan, ShortageTarget, TransferOrder, TransferShipment


@strawberry.input
class PartQuantityInput:
    part_code: str
    quantity: Decimal


@strawberry.input(description="Ask for stock to be sent from one store or the warehouse to another.")
class RequestTransferInput:
    from_location_code: str = strawberry.field(description="Source store or warehouse (a bin counts as its site).")
    to_location_code: str = strawberry.field(description="Destination store or warehouse; never a virtual location.")
    lines: list[PartQuantityInput]
    emergency: bool = strawberry.field(
        default=False, description="A car is waiting: the source store's manager may approve even across regions."
    )
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="Retries return the first request.")


@strawberry.type
class RequestTransferPayload:
    transfer: TransferOrder | None
    replayed: bool
    errors: list[UserError]


@strawberry.input(description="Approve (reserves at the source), reject or cancel a transfer.")
class DecideTransferInput:
    transfer_order_id: strawberry.ID
    note: str | None = None


@strawberry.type
class TransferPayload:
    transfer: TransferOrder | None
    errors: list[UserError]


@strawberry.input
class ShipItemInput:
    part_code: str
    quantity: Decimal
    from_location_code: str | None = strawberry.field(default=None, description="The bin scanned, if any.")
    lot_no: str | None = None


@strawberry.input(description="Ship a transfer, all of it or part (source bins → V-TRANSIT).")
class ShipTransferInput:
    transfer_order_id: strawberry.ID
    items: list[ShipItemInput] | None = strawberry.field(
        default=None, description="What this shipment carries; omitted: everything still open."
    )
    final: bool = strawberry.field(default=False, description="Ship no more: the unshipped rest is released.")
    idempotency_key: str | None = None


@strawberry.input(description="Receive one shipment at the destination (V-TRANSIT → destination).")
class ReceiveTransferInput:
    transfer_order_id: strawberry.ID
    shipment_no: int | None = strawberry.field(default=None, description="Omitted: the oldest one in transit.")
    items: list[PartQuantityInput] | None = strawberry.field(
        default=None,
        description="What arrived per part (0 allowed); parts not listed arrived as shipped. Less is a discrepancy.",
    )
    to_location_code: str | None = strawberry.field(default=None, description="A bin of the destination.")
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class ShipmentPayload:
    transfer: TransferOrder | None
    shipment: TransferShipment | None
    moves: list[StockMove]
    replayed: bool
    errors: list[UserError]


@strawberry.input(description="Propose transfers that move excess stock to shortages within a scope.")
class RebalancePlanInput:
    scope: str = strawberry.field(description="The company or a region code (HQ, R-N, ...).")
    target: ShortageTarget = ShortageTarget.REORDER_POINT
    dead_stock_days: int = strawberry.field(default=180, description="No movement this long makes stock movable.")


@strawberry.type
class RebalancePlanPayload:
    plan: RebalancePlan | None
    errors: list[UserError]


@strawberry.input(description="Turn a reviewed plan into transfer orders, one per lane, in one step.")
class CreateTransfersFromPlanInput:
    plan_id: strawberry.ID
    exclude_line_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.type
class CreateTransfersFromPlanPayload:
    plan: RebalancePlan | None
    transfers: list[TransferOrder]
    replayed: bool
    errors: list[UserError]


@strawberry.input
class DiscardRebalancePlanInput:
    plan_id: strawberry.ID
