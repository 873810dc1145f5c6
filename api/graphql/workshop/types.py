"""GraphQL types of the workshop: work orders, kit checks, pick lists and picks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.org.types import Location
from api.graphql.related import related_location as load_location
from api.graphql.related import related_part as load_part
from api.graphql.relay import Node, to_global_id
from api.graphql.transfers.types import SiteAvailability
from api.graphql.workshop.loaders import (
    kit_check_by_work_order_id,
    pick_tasks_by_work_order_id,
    work_order_lines_by_work_order_id,
)
from domain.quantities import tidy
from domain.workshop import kit, picking
from domain.workshop.common import LineView
from domain.workshop.models import WorkOrder as WorkOrderModel
from domain.workshop.models import WorkOrderPick as PickModel


@strawberry.enum
class WorkOrderStatus(Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@strawberry.enum
class KitLineStatus(Enum):
    RESERVED = "reserved"
    AVAILABLE = "available"
    SHORT = "short"


@strawberry.enum
class SubstituteRelation(Enum):
    INTERCHANGEABLE = "interchangeable"
    SUPERSESSION = "supersession"


@strawberry.type
class Vehicle:
    vin: str
    make: str
    model: str
    year: int | None


@strawberry.type(description="A part the job needs, with its progress from shelf to car.")
class WorkOrderLine:
    line_no: int
    quantity: Decimal
    reserved: Decimal = strawberry.field(description="Reserved at the store and not yet issued.")
    picked: Decimal
    issued: Decimal
    returned: Decimal
    outstanding: Decimal = strawberry.field(description="Neither issued nor reserved yet.")
    part_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, line: LineView) -> WorkOrderLine:
        return cls(
            line_no=line.line_no,
            quantity=tidy(line.quantity),
            reserved=tidy(line.reserved),
            picked=tidy(line.picked),
            issued=tidy(line.issued),
            returned=tidy(line.returned),
            outstanding=tidy(line.outstanding),
            part_id=line.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)


@strawberry.type(description="A part that can stand in for a short one, and where it is.")
class SubstituteOffer:
    relation: SubstituteRelation
    available_at_store: Decimal
    covers_shortage: bool
    elsewhere: list[SiteAvailability] = strawberry.field(
        description="Nearest stores and the warehouse that can spare it."
    )
    part_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, offer: kit.SubstituteOffer) -> SubstituteOffer:
        return cls(
            relation=SubstituteRelation(offer.relation),
            available_at_store=tidy(offer.available_at_store),
            covers_shortage=offer.covers_shortage,
            elsewhere=[SiteAvailability.from_domain(s) for s in offer.elsewhere],
            part_id=offer.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)


@strawberry.type(description="Can the store cover this line, and if not: where else, and what instead.")
class KitLine:
    line_no: int
    required: Decimal
    reserved: Decimal
    issued: Decimal
    outstanding: Decimal
    available_at_store: Decimal = strawberry.field(description="Unreserved at the store now.")
    missing: Decimal
    status: KitLineStatus
    elsewhere: list[SiteAvailability] = strawberry.field(description="Nearest stores and the warehouse, when short.")
    substitutes: list[SubstituteOffer] = strawberry.field(description="Newest superseding part, then interchangeables.")
    part_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, line: kit.KitLine) -> KitLine:
        return cls(
            line_no=line.line.line_no,
            required=tidy(line.line.quantity),
            reserved=tidy(line.line.reserved),
            issued=tidy(line.line.issued),
            outstanding=tidy(line.line.outstanding),
            available_at_store=tidy(line.available_at_store),
            missing=tidy(line.missing),
            status=KitLineStatus(line.status),
            elsewhere=[SiteAvailability.from_domain(s) for s in line.elsewhere],
            substitutes=[SubstituteOffer.from_domain(o) for o in line.substitutes],
            part_id=line.line.part_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)


@strawberry.type(description="The kit completeness check of a work order.")
class KitCheck:
    complete: bool = strawberry.field(description="Everything is reserved or can be reserved at the store now.")
    fully_reserved: bool
    lines: list[KitLine]

    @classmethod
    def from_domain(cls, checked: kit.KitCheck) -> KitCheck:
        return cls(
            complete=checked.complete,
            fully_reserved=checked.fully_reserved,
            lines=[KitLine.from_domain(line) for line in checked.lines],
        )


@strawberry.type(description="Fetch this much of a line's part from this bin and lot (FEFO/FIFO order).")
class PickTask:
    line_no: int
    lot_no: str
    received_on: date | None
    expiry_date: date | None
    reserved: Decimal
    picked: Decimal
    to_pick: Decimal
    part_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, task: picking.PickTask) -> PickTask:
        return cls(
            line_no=task.line_no,
            lot_no=task.lot_no,
            received_on=task.received_on,
            expiry_date=task.expiry_date,
            reserved=tidy(task.reserved),
            picked=tidy(task.picked),
            to_pick=tidy(task.to_pick),
            part_id=task.part_id,
            location_id=task.location_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        return await load_part(info, self.part_id)

    @strawberry.field(description="The bin (or the store itself when it has no bins).")
    async def location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.location_id)


@strawberry.type(description="A scan-confirmed pick.")
class WorkOrderPick:
    lot_no: str
    quantity: Decimal
    issued: Decimal
    actor: str
    created_at: datetime
    location_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, pick: PickModel) -> WorkOrderPick:
        return cls(
            lot_no=pick.lot_no,
            quantity=tidy(pick.quantity),
            issued=tidy(pick.issued),
            actor=pick.actor,
            created_at=pick.created_at,
            location_id=pick.location_id,
        )

    @strawberry.field
    async def location(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.location_id)


@strawberry.type(description="A repair work order: a vehicle, its fault and the parts the job needs.")
class WorkOrder(Node):
    number: str
    external_id: str | None = strawberry.field(description="The DMS's id (idempotent creation).")
    status: WorkOrderStatus
    vehicle: Vehicle
    fault_description: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    pk: strawberry.Private[int]
    store_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: WorkOrderModel) -> WorkOrder:
        return cls(
            id=to_global_id("WorkOrder", m.id),
            pk=m.id,
            number=m.number,
            external_id=m.external_id,
            status=WorkOrderStatus(m.status),
            vehicle=Vehicle(vin=m.vin, make=m.vehicle_make, model=m.vehicle_model, year=m.vehicle_year),
            fault_description=m.fault_description,
            created_by=m.created_by,
            created_at=m.created_at,
            updated_at=m.updated_at,
            store_id=m.store_id,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Location:
        return await load_location(info, self.store_id)

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[WorkOrderLine]:
        return [
            WorkOrderLine.from_domain(x) for x in await work_order_lines_by_work_order_id(info.context).load(self.pk)
        ]

    @strawberry.field(description="Is the kit complete at the store; what is missing, where else, and substitutes.")
    async def kit_check(self, info: Info[Context, None]) -> KitCheck:
        return KitCheck.from_domain(await kit_check_by_work_order_id(info.context).load((self.pk, self.store_id)))

    @strawberry.field(description="What to pick from which bin and lot, FEFO/FIFO (picked ones included).")
    async def pick_list(self, info: Info[Context, None]) -> list[PickTask]:
        return [PickTask.from_domain(t) for t in await pick_tasks_by_work_order_id(info.context).load(self.pk)]
