"""Transfer queries: orders, the recommender, rebalance plans."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, pk_of
from api.graphql.transfers.types import (
    RebalancePlan,
    TransferOrder,
    TransferRecommendation,
    TransferStatus,
)
from domain.errors import DomainError
from domain.transfers import queries, rebalancing, recommender

TRANSFERS_NODE_TYPES = frozenset({"TransferOrder", "RebalancePlan"})


async def transfers_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`Query.node` for transfer types; null when missing or outside your scope."""
    try:
        async with info.context.read() as session:
            if type_name == "TransferOrder":
                return TransferOrder.from_model(await queries.get_transfer(session, info.context.principal, pk))
            plan, _ = await rebalancing.load_plan(session, info.context.principal, pk)
            return RebalancePlan.from_model(plan)
    except DomainError:
        return None


@strawberry.type
class TransferQueries:
    @strawberry.field(description="A transfer order by global ID or number; null when not visible to you.")
    async def transfer_order(
        self, info: Info[Context, None], id: strawberry.ID | None = None, number: str | None = None
    ) -> TransferOrder | None:
        if number is not None:
            async with info.context.read() as session:
                found = await queries.transfer_by_number(session, info.context.principal, number)
            return TransferOrder.from_model(found) if found else None
        if id is None:
            raise PublicError("give `id` or `number`")
        try:
            pk = pk_of(id, "TransferOrder", "id")
        except DomainError:
            return None
        node = await transfers_node(info, "TransferOrder", pk)
        return node if isinstance(node, TransferOrder) else None

    @strawberry.field(description="Transfer orders touching your scope, newest first (emergencies filterable).")
    async def transfer_orders(
        self,
        info: Info[Context, None],
        location_code: str | None = None,
        status: list[TransferStatus] | None = None,
        emergency: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TransferOrder]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await queries.list_transfers(
                session,
                info.context.principal,
                location_code=location_code,
                statuses=[s.value for s in status] if status else None,
                emergency=emergency,
                first=size,
                after_id=int_cursor(after),
            )
        return connection([TransferOrder.from_model(o) for o in items], [str(o.id) for o in items], has_next, after)

    @strawberry.field(
        description="Ranked, explained ways to bring `quantity` of a part to a location from other sites "
        "(solved with OR-tools; never below a source's safety stock)."
    )
    async def recommend_transfer(
        self,
        info: Info[Context, None],
        part_code: str,
        to_location: str,
        quantity: Decimal,
        max_options: int = 3,
    ) -> TransferRecommendation:
        async with info.context.read() as session:
            found = await recommender.recommend_transfer(
                session, info.context.principal, part_code, to_location, quantity, max_options=max_options
            )
        return TransferRecommendation.from_domain(found)

    @strawberry.field(description="Rebalance plans within your scope, newest first.")
    async def rebalance_plans(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[RebalancePlan]:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next = await rebalancing.list_plans(
                session, info.context.principal, first=size, after_id=int_cursor(after)
            )
        return connection([RebalancePlan.from_model(p) for p in items], [str(p.id) for p in items], has_next, after)
