"""Resolve a related object by id through the request's DataLoaders and map it to its GraphQL type:
the one place the many `part { … }` / `location { … }` / `supplier { … }` fields share."""

from __future__ import annotations

from strawberry.types import Info

from api.graphql.catalog.loaders import part_by_id, supplier_by_id
from api.graphql.catalog.types import Part, Supplier
from api.graphql.context import Context
from api.graphql.org.loaders import location_by_id
from api.graphql.org.types import Location


async def related_part(info: Info[Context, None], part_id: int) -> Part:
    found = await part_by_id(info.context).load(part_id)
    assert found is not None
    return Part.from_model(found)


async def related_location(info: Info[Context, None], location_id: int) -> Location:
    found = await location_by_id(info.context).load(location_id)
    assert found is not None
    return Location.from_model(found)


async def related_supplier(info: Info[Context, None], supplier_id: int) -> Supplier:
    found = await supplier_by_id(info.context).load(supplier_id)
    assert found is not None
    return Supplier.from_model(found)
