"""GraphQL types of stock."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.catalog.loaders import part_by_id
from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.org.loaders import location_by_id
from api.graphql.org.types import Location
from api.graphql.relay import Node, to_global_id
from domain.quantities import tidy
from domain.stock.ledger import PostedMove
from domain.stock.service import StockLevel as StockLevelModel


@strawberry.type(description="Stock of one lot at one location.")
class LotLevel:
    lot_no: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    received_on: date | None
    expiry_date: date | None


@strawberry.type(description="Stock of a part at one location.")
class StockLevel:
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    lots: list[LotLevel]
    location: Location

    @classmethod
    def from_domain(cls, level: StockLevelModel) -> StockLevel:
        return cls(
            on_hand=tidy(level.on_hand),
            reserved=tidy(level.reserved),
            available=tidy(level.available),
            location=Location.from_model(level.location),
            lots=[
                LotLevel(
                    lot_no=lot.lot_no,
                    on_hand=tidy(lot.on_hand),
                    reserved=tidy(lot.reserved),
                    available=tidy(lot.available),
                    received_on=lot.received_on,
                    expiry_date=lot.expiry_date,
                )
                for lot in level.lots
            ],
        )


@strawberry.type(description="One immutable line of the stock ledger.")
class StockMove(Node):
    lot_no: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    doc_type: str
    doc_ref: str | None
    reason: str | None
    actor: str
    created_at: datetime
    part_id: strawberry.Private[int]
    from_location_id: strawberry.Private[int]
    to_location_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, move: PostedMove) -> StockMove:
        return cls(
            id=to_global_id("StockMove", move.id),
            lot_no=move.lot_no,
            quantity=tidy(move.quantity),
            unit_cost=tidy(move.unit_cost),
            value=move.value,
            doc_type=move.doc_type,
            doc_ref=move.doc_ref,
            reason=move.reason,
            actor=move.actor,
            created_at=move.created_at,
            part_id=move.part_id,
            from_location_id=move.from_location_id,
            to_location_id=move.to_location_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part:
        found = await part_by_id(info.context).load(self.part_id)
        assert found is not None
        return Part.from_model(found)

    @strawberry.field
    async def from_location(self, info: Info[Context, None]) -> Location:
        found = await location_by_id(info.context).load(self.from_location_id)
        assert found is not None
        return Location.from_model(found)

    @strawberry.field
    async def to_location(self, info: Info[Context, None]) -> Location:
        found = await location_by_id(info.context).load(self.to_location_id)
        assert found is not None
        return Location.from_model(found)


@strawberry.input(description="Move a quantity of a part between two locations.")
class MoveStockInput:
    part_code: str
    from_location_code: str
    to_location_code: str
    quantity: Decimal
    lot_no: str | None = None
    reason: str | None = None
    unit_cost: Decimal | None = strawberry.field(
        default=None, description="Cost of goods entering from a virtual location (supplier, adjustment)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retries with the same key return the first answer instead of moving again."
    )


@strawberry.type
class MoveStockPayload:
    move: StockMove | None
    replayed: bool = strawberry.field(description="True when this answer replays an earlier request with the same key.")
    errors: list[UserError]
