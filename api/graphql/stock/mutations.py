"""Stock mutations: thin — parse, call the domain service in one transaction, map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.stock.types import MoveStockInput, MoveStockPayload, StockMove
from domain.errors import DomainError
from domain.stock import service


@strawberry.type
class StockMutations:
    @strawberry.mutation(description="Post one stock move through the ledger.")
    async def move_stock(self, info: Info[Context, None], input: MoveStockInput) -> MoveStockPayload:
        command = service.MoveStockCommand(
            part_code=input.part_code,
            from_location_code=input.from_location_code,
            to_location_code=input.to_location_code,
            quantity=input.quantity,
            lot_no=input.lot_no or "",
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            unit_cost=input.unit_cost,
        )
        try:
            async with info.context.write() as session:
                result = await service.move_stock(session, info.context.principal, command)
                move = result.moves[0]
                await info.context.audit(
                    session,
                    "stock.move",
                    target_type="StockMove",
                    target_id=move.id,
                    after={
                        "part": command.part_code,
                        "from": command.from_location_code,
                        "to": command.to_location_code,
                        "quantity": move.quantity,
                        "lotNo": move.lot_no,
                        "unitCost": move.unit_cost,
                        "replayed": result.replayed,
                        "idempotencyKey": command.idempotency_key,
                    },
                )
        except DomainError as error:
            return MoveStockPayload(move=None, replayed=False, errors=user_errors(error))
        return MoveStockPayload(move=StockMove.from_domain(result.moves[0]), replayed=result.replayed, errors=[])
