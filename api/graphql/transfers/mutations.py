"""Transfer mutations: thin — parse, call one domain service in one transaction, map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.relay import pk_of
from api.graphql.stock.types import StockMove
from api.graphql.transfers.inputs import (
    CreateTransfersFromPlanInput,
    CreateTransfersFromPlanPayload,
    DecideTransferInput,
    DiscardRebalancePlanInput,
    RebalancePlanInput,
    RebalancePlanPayload,
    ReceiveTransferInput,
    RequestTransferInput,
    RequestTransferPayload,
    ShipmentPayload,
    ShipTransferInput,
    TransferPayload,
)
from api.graphql.transfers.types import RebalancePlan, TransferOrder, TransferShipment
from domain.errors import DomainError
from domain.transfers import queries, rebalancing, receiving, service, shipping
from domain.transfers.optimize import ShortageTarget
from domain.transfers.shipping import ShipmentResult


async def _shipment_payload(info: Info[Context, None], result: ShipmentResult) -> ShipmentPayload:
    async with info.context.read() as session:
        lines = (await queries.shipments_by_transfer_ids(session, [result.transfer.id])).get(result.transfer.id, [])
    shipment_lines = next((x for s, x in lines if s.id == result.shipment.id), [])
    return ShipmentPayload(
        transfer=TransferOrder.from_model(result.transfer),
        shipment=TransferShipment.from_model(result.shipment, shipment_lines),
        moves=[StockMove.from_domain(m) for m in result.moves],
        replayed=result.replayed,
        errors=[],
    )


@strawberry.type
class TransferMutations:
    @strawberry.mutation(description="Request a transfer from a source site to your store.")
    async def request_transfer(self, info: Info[Context, None], input: RequestTransferInput) -> RequestTransferPayload:
        command = service.RequestTransfer(
            from_location_code=input.from_location_code,
            to_location_code=input.to_location_code,
            lines=[service.PartQuantity(line.part_code, line.quantity) for line in input.lines],
            emergency=input.emergency,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        try:
            async with info.context.write() as session:
                result = await service.request_transfer(session, info.context.principal, command)
        except DomainError as error:
            return RequestTransferPayload(transfer=None, replayed=False, errors=user_errors(error))
        return RequestTransferPayload(
            transfer=TransferOrder.from_model(result.transfer), replayed=result.replayed, errors=[]
        )

    @strawberry.mutation(description="Approve a request: the source's stock is reserved for it.")
    async def approve_transfer(self, info: Info[Context, None], input: DecideTransferInput) -> TransferPayload:
        try:
            pk = pk_of(input.transfer_order_id, "TransferOrder", "transferOrderId")
            async with info.context.write() as session:
                order = await service.approve_transfer(session, info.context.principal, pk, input.note)
        except DomainError as error:
            return TransferPayload(transfer=None, errors=user_errors(error))
        return TransferPayload(transfer=TransferOrder.from_model(order), errors=[])

    @strawberry.mutation(description="Reject a request.")
    async def reject_transfer(self, info: Info[Context, None], input: DecideTransferInput) -> TransferPayload:
        try:
            pk = pk_of(input.transfer_order_id, "TransferOrder", "transferOrderId")
            async with info.context.write() as session:
                order = await service.reject_transfer(session, info.context.principal, pk, input.note)
        except DomainError as error:
            return TransferPayload(transfer=None, errors=user_errors(error))
        return TransferPayload(transfer=TransferOrder.from_model(order), errors=[])

    @strawberry.mutation(description="Cancel a transfer before anything shipped; reservations are released.")
    async def cancel_transfer(self, info: Info[Context, None], input: DecideTransferInput) -> TransferPayload:
        try:
            pk = pk_of(input.transfer_order_id, "TransferOrder", "transferOrderId")
            async with info.context.write() as session:
                order = await service.cancel_transfer(session, info.context.principal, pk, input.note)
        except DomainError as error:
            return TransferPayload(transfer=None, errors=user_errors(error))
        return TransferPayload(transfer=TransferOrder.from_model(order), errors=[])

    @strawberry.mutation(description="Ship (part of) a transfer: source bins → V-TRANSIT; retry-safe with a key.")
    async def ship_transfer(self, info: Info[Context, None], input: ShipTransferInput) -> ShipmentPayload:
        try:
            command = shipping.ShipTransfer(
                transfer_order_id=pk_of(input.transfer_order_id, "TransferOrder", "transferOrderId"),
                items=None
                if input.items is None
                else [shipping.ShipItem(i.part_code, i.quantity, i.from_location_code, i.lot_no) for i in input.items],
                final=input.final,
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await shipping.ship_transfer(session, info.context.principal, command)
        except DomainError as error:
            return ShipmentPayload(transfer=None, shipment=None, moves=[], replayed=False, errors=user_errors(error))
        return await _shipment_payload(info, result)

    @strawberry.mutation(description="Receive a shipment: V-TRANSIT → destination; shortfalls become discrepancies.")
    async def receive_transfer(self, info: Info[Context, None], input: ReceiveTransferInput) -> ShipmentPayload:
        try:
            command = receiving.ReceiveTransfer(
                transfer_order_id=pk_of(input.transfer_order_id, "TransferOrder", "transferOrderId"),
                shipment_no=input.shipment_no,
                items=None
                if input.items is None
                else [service.PartQuantity(i.part_code, i.quantity) for i in input.items],
                to_location_code=input.to_location_code,
                note=input.note,
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await receiving.receive_transfer(session, info.context.principal, command)
        except DomainError as error:
            return ShipmentPayload(transfer=None, shipment=None, moves=[], replayed=False, errors=user_errors(error))
        return await _shipment_payload(info, result)

    @strawberry.mutation(description="Propose a network plan moving excess stock to shortages (OR-tools), for review.")
    async def rebalance_plan(self, info: Info[Context, None], input: RebalancePlanInput) -> RebalancePlanPayload:
        try:
            async with info.context.write() as session:
                plan = await rebalancing.propose_rebalance_plan(
                    session,
                    info.context.principal,
                    input.scope,
                    target=ShortageTarget(input.target.value),
                    dead_stock_days=input.dead_stock_days,
                )
        except DomainError as error:
            return RebalancePlanPayload(plan=None, errors=user_errors(error))
        return RebalancePlanPayload(plan=RebalancePlan.from_model(plan), errors=[])

    @strawberry.mutation(description="Turn a reviewed plan into transfer orders (one per lane) in one step.")
    async def create_transfers_from_plan(
        self, info: Info[Context, None], input: CreateTransfersFromPlanInput
    ) -> CreateTransfersFromPlanPayload:
        try:
            pk = pk_of(input.plan_id, "RebalancePlan", "planId")
            excluded = [pk_of(i, "RebalancePlanLine", "excludeLineIds") for i in input.exclude_line_ids]
            async with info.context.write() as session:
                result = await rebalancing.create_transfers_from_plan(
                    session,
                    info.context.principal,
                    pk,
                    exclude_line_ids=excluded,
                    idempotency_key=input.idempotency_key,
                )
        except DomainError as error:
            return CreateTransfersFromPlanPayload(plan=None, transfers=[], replayed=False, errors=user_errors(error))
        return CreateTransfersFromPlanPayload(
            plan=RebalancePlan.from_model(result.plan),
            transfers=[TransferOrder.from_model(t) for t in result.transfers],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Discard a proposed plan.")
    async def discard_rebalance_plan(
        self, info: Info[Context, None], input: DiscardRebalancePlanInput
    ) -> RebalancePlanPayload:
        try:
            pk = pk_of(input.plan_id, "RebalancePlan", "planId")
            async with info.context.write() as session:
                plan = await rebalancing.discard_rebalance_plan(session, info.context.principal, pk)
        except DomainError as error:
            return RebalancePlanPayload(plan=None, errors=user_errors(error))
        return RebalancePlanPayload(plan=RebalancePlan.from_model(plan), errors=[])
