"""Inputs and payloads of the workshop mutations."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.graphql.errors import UserError
from api.graphql.stock.types import StockMove
from api.graphql.transfers.inputs import PartQuantityInput
from api.graphql.workshop.types import KitCheck, WorkOrder, WorkOrderPick


@strawberry.input
class VehicleInput:
    vin: str = strawberry.field(description="17 characters, no I, O or Q.")
    make: str
    model: str
    year: int | None = None


@strawberry.input(description="Open a repair work order; the DMS passes its own id as `externalId`.")
class CreateWorkOrderInput:
    store_code: str
    vehicle: VehicleInput
    fault_description: str
    lines: list[PartQuantityInput]
    external_id: str | None = strawberry.field(
        default=None, description="Creating again with the same external id returns the first order."
    )


@strawberry.type
class CreateWorkOrderPayload:
    work_order: WorkOrder | None
    replayed: bool
    errors: list[UserError]


@strawberry.input(description="Reserve at the store what the kit still needs.")
class ReserveWorkOrderPartsInput:
    work_order_id: strawberry.ID
    require_complete: bool = strawberry.field(
        default=False, description="Reserve nothing unless the whole kit can be reserved."
    )


@strawberry.type
class ReserveWorkOrderPartsPayload:
    work_order: WorkOrder | None
    kit_check: KitCheck | None
    errors: list[UserError]


@strawberry.input(description="A scanned pick: the part (code or barcode), the bin and the quantity.")
class ConfirmPickInput:
    work_order_id: strawberry.ID
    part_code: str = strawberry.field(description="Part code or barcode, as scanned.")
    location_code: str
    quantity: Decimal
    lot_no: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="A re-sent scan is answered, not counted.")


@strawberry.type
class ConfirmPickPayload:
    work_order: WorkOrder | None
    picks: list[WorkOrderPick]
    replayed: bool
    errors: list[UserError]


@strawberry.input(description="Issue picked parts to the workshop (bin → V-WORKSHOP, at cost).")
class IssueWorkOrderPartsInput:
    work_order_id: strawberry.ID
    items: list[PartQuantityInput] | None = strawberry.field(default=None, description="Omitted: everything picked.")
    idempotency_key: str | None = None


@strawberry.input(description="Return unused parts from the workshop to the store (at the cost they were issued at).")
class ReturnWorkOrderPartsInput:
    work_order_id: strawberry.ID
    part_code: str
    quantity: Decimal
    to_location_code: str | None = strawberry.field(default=None, description="Omitted: the bin it came from.")
    idempotency_key: str | None = None


@strawberry.type
class WorkOrderStockPayload:
    work_order: WorkOrder | None
    moves: list[StockMove]
    replayed: bool
    errors: list[UserError]


@strawberry.input
class WorkOrderIdInput:
    work_order_id: strawberry.ID


@strawberry.type
class WorkOrderPayload:
    work_order: WorkOrder | None
    errors: list[UserError]
