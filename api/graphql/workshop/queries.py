"""Workshop queries: work orders and substitutes for a short part."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, pk_of
from api.graphql.workshop.types import SubstituteOffer, WorkOrder, WorkOrderStatus
from domain.errors import DomainError
from domain.workshop import kit, service

WORKSHOP_NODE_TYPES = frozenset({"WorkOrder"})


async def workshop_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`Query.node` for work orders; null when missing or outside your scope."""
    try:
        async with info.context.read() as session:
            return WorkOrder.from_model(await service.get_work_order(session, info.context.principal, pk))
    except DomainError:
        return None


@strawberry.type
class WorkshopQueries:
    @strawberry.field(description="A work order by global ID or number; null when not visible to you.")
    async def work_order(
        self, info: Info[Context, None], id: strawberry.ID | None = None, number: str | None = None
    ) -> WorkOrder | None:
        if number is not None:
            async with info.context.read() as session:
                found = await service.work_order_by_number(session, info.context.principal, number)
            return WorkOrder.from_model(found) if found else None
        if id is None:
            raise PublicError("give `id` or `number`")
        try:
            pk = pk_of(id, "WorkOrder", "id")
        except DomainError:
            return None
        node = await workshop_node(info, "WorkOrder", pk)
        return node if isinstance(node, WorkOrder) else None

    @strawberry.field(description="Work orders of the stores in your scope, newest first.")
    async def work_orders(
        self,
        info: Info[Context, None],
        store_code: str | None = None,
        status: list[WorkOrderStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WorkOrder]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await service.list_work_orders(
                session,
                info.context.principal,
                store_code=store_code,
                statuses=[s.value for s in status] if status else None,
                first=size,
                after_id=int_cursor(after),
            )
        return connection([WorkOrder.from_model(o) for o in items], [str(o.id) for o in items], has_next, after)

    @strawberry.field(description="Parts that can stand in for a short one at a location, with their availability.")
    async def substitutes(
        self, info: Info[Context, None], part_code: str, location_code: str, quantity: Decimal
    ) -> list[SubstituteOffer]:
        async with info.context.read() as session:
            offers = await kit.substitutes_for(session, info.context.principal, part_code, location_code, quantity)
        return [SubstituteOffer.from_domain(o) for o in offers]
