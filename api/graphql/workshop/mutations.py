"""Workshop mutations: thin — parse, call one domain service in one transaction, map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.relay import pk_of
from api.graphql.stock.types import StockMove
from api.graphql.workshop.inputs import (
    ConfirmPickInput,
    ConfirmPickPayload,
    CreateWorkOrderInput,
    CreateWorkOrderPayload,
    IssueWorkOrderPartsInput,
    ReserveWorkOrderPartsInput,
    ReserveWorkOrderPartsPayload,
    ReturnWorkOrderPartsInput,
    WorkOrderIdInput,
    WorkOrderPayload,
    WorkOrderStockPayload,
)
from api.graphql.workshop.types import KitCheck, WorkOrder, WorkOrderPick
from domain.errors import DomainError
from domain.workshop import issuing, picking, service


def _id(global_id: str) -> int:
    return pk_of(global_id, "WorkOrder", "workOrderId")


@strawberry.type
class WorkshopMutations:
    @strawberry.mutation(description="Open a repair work order (GraphQL or the DMS; idempotent on externalId).")
    async def create_work_order(self, info: Info[Context, None], input: CreateWorkOrderInput) -> CreateWorkOrderPayload:
        command = service.CreateWorkOrder(
            store_code=input.store_code,
            vehicle=service.Vehicle(input.vehicle.vin, input.vehicle.make, input.vehicle.model, input.vehicle.year),
            fault_description=input.fault_description,
            lines=[service.PartQuantity(line.part_code, line.quantity) for line in input.lines],
            external_id=input.external_id,
        )
        try:
            async with info.context.write() as session:
                result = await service.create_work_order(session, info.context.principal, command)
        except DomainError as error:
            return CreateWorkOrderPayload(work_order=None, replayed=False, errors=user_errors(error))
        return CreateWorkOrderPayload(
            work_order=WorkOrder.from_model(result.work_order), replayed=result.replayed, errors=[]
        )

    @strawberry.mutation(description="Reserve the kit at the store (FEFO/FIFO over its bins).")
    async def reserve_work_order_parts(
        self, info: Info[Context, None], input: ReserveWorkOrderPartsInput
    ) -> ReserveWorkOrderPartsPayload:
        try:
            pk = _id(input.work_order_id)
            async with info.context.write() as session:
                checked = await picking.reserve_work_order(
                    session, info.context.principal, pk, require_complete=input.require_complete
                )
                order = await service.get_work_order(session, info.context.principal, pk)
        except DomainError as error:
            return ReserveWorkOrderPartsPayload(work_order=None, kit_check=None, errors=user_errors(error))
        return ReserveWorkOrderPartsPayload(
            work_order=WorkOrder.from_model(order), kit_check=KitCheck.from_domain(checked), errors=[]
        )

    @strawberry.mutation(description="Confirm a scanned pick of reserved stock; retry-safe with idempotencyKey.")
    async def confirm_pick(self, info: Info[Context, None], input: ConfirmPickInput) -> ConfirmPickPayload:
        try:
            command = picking.ConfirmPick(
                work_order_id=_id(input.work_order_id),
                part=input.part_code,
                location_code=input.location_code,
                quantity=input.quantity,
                lot_no=input.lot_no,
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await picking.confirm_pick(session, info.context.principal, command)
        except DomainError as error:
            return ConfirmPickPayload(work_order=None, picks=[], replayed=False, errors=user_errors(error))
        return ConfirmPickPayload(
            work_order=WorkOrder.from_model(result.work_order),
            picks=[WorkOrderPick.from_model(p) for p in result.picks],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Issue picked parts to the workshop: bin → V-WORKSHOP at cost.")
    async def issue_work_order_parts(
        self, info: Info[Context, None], input: IssueWorkOrderPartsInput
    ) -> WorkOrderStockPayload:
        try:
            command = issuing.IssueParts(
                work_order_id=_id(input.work_order_id),
                items=None
                if input.items is None
                else [service.PartQuantity(i.part_code, i.quantity) for i in input.items],
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await issuing.issue_work_order_parts(session, info.context.principal, command)
        except DomainError as error:
            return WorkOrderStockPayload(work_order=None, moves=[], replayed=False, errors=user_errors(error))
        return WorkOrderStockPayload(
            work_order=WorkOrder.from_model(result.work_order),
            moves=[StockMove.from_domain(m) for m in result.moves],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Return unused parts: V-WORKSHOP → store, at the cost they were issued at.")
    async def return_work_order_parts(
        self, info: Info[Context, None], input: ReturnWorkOrderPartsInput
    ) -> WorkOrderStockPayload:
        try:
            command = issuing.ReturnParts(
                work_order_id=_id(input.work_order_id),
                part_code=input.part_code,
                quantity=input.quantity,
                to_location_code=input.to_location_code,
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await issuing.return_work_order_parts(session, info.context.principal, command)
        except DomainError as error:
            return WorkOrderStockPayload(work_order=None, moves=[], replayed=False, errors=user_errors(error))
        return WorkOrderStockPayload(
            work_order=WorkOrder.from_model(result.work_order),
            moves=[StockMove.from_domain(m) for m in result.moves],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Complete the job: unissued reservations go back to the shelf.")
    async def close_work_order(self, info: Info[Context, None], input: WorkOrderIdInput) -> WorkOrderPayload:
        try:
            pk = _id(input.work_order_id)
            async with info.context.write() as session:
                order = await service.close_work_order(session, info.context.principal, pk)
        except DomainError as error:
            return WorkOrderPayload(work_order=None, errors=user_errors(error))
        return WorkOrderPayload(work_order=WorkOrder.from_model(order), errors=[])

    @strawberry.mutation(description="Cancel the job (everything issued must have been returned).")
    async def cancel_work_order(self, info: Info[Context, None], input: WorkOrderIdInput) -> WorkOrderPayload:
        try:
            pk = _id(input.work_order_id)
            async with info.context.write() as session:
                order = await service.cancel_work_order(session, info.context.principal, pk)
        except DomainError as error:
            return WorkOrderPayload(work_order=None, errors=user_errors(error))
        return WorkOrderPayload(work_order=WorkOrder.from_model(order), errors=[])
