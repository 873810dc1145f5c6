"""GraphQL types of the organisation."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.org.loaders import location_by_id
from api.graphql.relay import Node, to_global_id
from domain.org.models import Location as LocationModel
from domain.stock.service import LocationRow


@strawberry.enum
class LocationKind(Enum):
    COMPANY = "company"
    REGION = "region"
    STORE = "store"
    WAREHOUSE = "warehouse"
    ZONE = "zone"
    BIN = "bin"
    VIRTUAL = "virtual"


@strawberry.enum
class VirtualKind(Enum):
    SUPPLIER = "supplier"
    WORKSHOP = "workshop"
    ADJUSTMENT = "adjustment"
    TRANSIT = "transit"
    SCRAP = "scrap"
    CUSTOMER = "customer"


@strawberry.type(description="A node of the location tree: company, region, store, warehouse, zone, bin or virtual.")
class Location(Node):
    code: str
    name: str = strawberry.field(description="Chinese name (the company's working language).")
    name_zh: str
    name_en: str
    kind: LocationKind
    virtual_kind: VirtualKind | None
    path: str
    city: str | None
    latitude: float | None
    longitude: float | None
    frozen_by: str | None = strawberry.field(description="The count that froze this location, if any.")
    parent_id: strawberry.Private[int | None]
    site_id: strawberry.Private[int | None]
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: LocationModel | LocationRow) -> Location:
        return cls(
            id=to_global_id("Location", m.id),
            pk=m.id,
            code=m.code,
            name=m.name_zh,
            name_zh=m.name_zh,
            name_en=m.name_en,
            kind=LocationKind(m.kind),
            virtual_kind=VirtualKind(m.virtual_kind) if m.virtual_kind else None,
            path=m.path,
            city=m.city,
            latitude=m.latitude,
            longitude=m.longitude,
            frozen_by=m.frozen_by,
            parent_id=m.parent_id,
            site_id=m.site_id,
        )

    @strawberry.field
    async def parent(
        self, info: Info[Context, None]
    ) -> Annotated[Location, strawberry.lazy("api.graphql.org.types")] | None:
        if self.parent_id is None:
            return None
        found = await location_by_id(info.context).load(self.parent_id)
        return Location.from_model(found) if found and info.context.principal.sees_path(found.path) else None

    @strawberry.field(description="The store or warehouse this location belongs to.")
    async def site(
        self, info: Info[Context, None]
    ) -> Annotated[Location, strawberry.lazy("api.graphql.org.types")] | None:
        if self.site_id is None:
            return None
        if self.site_id == self.pk:
            return self
        found = await location_by_id(info.context).load(self.site_id)
        return Location.from_model(found) if found and info.context.principal.sees_path(found.path) else None
