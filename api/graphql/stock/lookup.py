"""`part(code) { stock { ... } }` answered from one statement (domain.stock.lookup).

The part resolver asks `wants_stock` whether the selection reads the part's stock without
arguments; if so it reads part and stock together and primes the StockByPartIdLoader with the
levels, so `Part.stock` resolves from the loader cache without a second query."""

from __future__ import annotations

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from api.graphql.catalog.types import Part
from api.graphql.context import Context
from api.graphql.stock.loaders import stock_by_part_id
from domain.stock import lookup


def wants_stock(info: Info[Context, None]) -> bool:
    """Whether the current field's selection has `stock` without arguments (fragments are not
    searched: a miss only means the stock is read by the loader, as for any part)."""
    return any(
        isinstance(selection, SelectedField) and selection.name == "stock" and not selection.arguments
        for field in info.selected_fields
        for selection in field.selections
    )


async def part_with_stock(info: Info[Context, None], code: str) -> Part | None:
    context = info.context
    async with context.read_connection() as connection:
        found = await lookup.part_with_stock(connection, context.principal, code)
    if found is None:
        return None
    # The key `Part.stock` loads without `locationCodes`; no stock access reads as no stock there too.
    stock_by_part_id(context).prime((found.part.id, None), found.levels or [])
    return Part.from_model(found.part)
