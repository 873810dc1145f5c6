"""GraphQL types of the catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from api.graphql.catalog.loaders import (
    aliases_by_part_id,
    fitment_by_part_id,
    part_by_id,
    substitutes_by_part_id,
    supplier_by_id,
)
from api.graphql.context import Context
from api.graphql.relay import Node, to_global_id
from domain.catalog.models import Part as PartModel
from domain.catalog.models import Supplier as SupplierModel
from domain.quantities import tidy

if TYPE_CHECKING:
    from api.graphql.stock.types import StockLevel
    from domain.stock.lookup import PartRow


@strawberry.type(description="A supplier of parts.")
class Supplier(Node):
    code: str
    name_zh: str
    name_en: str
    city: str | None
    on_time_rate: Decimal | None = strawberry.field(description="Declared on-time delivery rate (0..1).")
    lead_time_days_mean: Decimal | None
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: SupplierModel) -> Supplier:
        return cls(
            id=to_global_id("Supplier", m.id),
            pk=m.id,
            code=m.code,
            name_zh=m.name_zh,
            name_en=m.name_en,
            city=m.city,
            on_time_rate=m.on_time_rate,
            lead_time_days_mean=m.lead_time_days_mean,
        )


@strawberry.type(description="A vehicle model a part fits.")
class VehicleModel:
    make: str
    model: str
    year_from: int
    year_to: int
    engine: str


@strawberry.type(description="A spare part with its master data.")
class Part(Node):
    code: str
    barcode: str | None
    name_zh: str
    name_en: str
    category: str
    spec: str | None
    uom: str
    uom_precision: int
    photo_url: str | None
    manual_url: str | None
    purchase_price: Decimal
    sale_price: Decimal
    currency: str
    costing_method: str
    average_cost: Decimal = strawberry.field(description="Moving-average unit cost (CNY).")
    abc_class: str | None
    lead_time_days: int
    moq: int
    pack_size: int
    active: bool
    pk: strawberry.Private[int]
    primary_supplier_id: strawberry.Private[int | None]
    backup_supplier_id: strawberry.Private[int | None]
    superseded_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: PartModel | PartRow) -> Part:
        return cls(
            id=to_global_id("Part", m.id),
            pk=m.id,
            code=m.code,
            barcode=m.barcode,
            name_zh=m.name_zh,
            name_en=m.name_en,
            category=m.category,
            spec=m.spec,
            uom=m.uom,
            uom_precision=m.uom_precision,
            photo_url=m.photo_url,
            manual_url=m.manual_url,
            purchase_price=tidy(m.purchase_price),
            sale_price=tidy(m.sale_price),
            currency=m.currency,
            costing_method=m.costing_method,
            average_cost=tidy(m.avg_cost),
            abc_class=m.abc_class,
            lead_time_days=m.lead_time_days,
            moq=m.moq,
            pack_size=m.pack_size,
            active=m.active,
            primary_supplier_id=m.primary_supplier_id,
            backup_supplier_id=m.backup_supplier_id,
            superseded_by_id=m.superseded_by_id,
        )

    @strawberry.field(
        description="Stock per location (only locations holding stock), with lots. "
        "Filter with `locationCodes`; one round trip for any number of locations."
    )
    async def stock(
        self, info: Info[Context, None], location_codes: list[str] | None = None
    ) -> list[Annotated[StockLevel, strawberry.lazy("api.graphql.stock.types")]]:
        from api.graphql.stock.loaders import stock_by_part_id
        from api.graphql.stock.types import StockLevel

        if location_codes is not None and len(location_codes) > 500:
            from api.graphql.errors import PublicError

            raise PublicError("at most 500 location codes")
        codes = tuple(sorted({c.strip().upper() for c in location_codes})) if location_codes else None
        levels = await stock_by_part_id(info.context).load((self.pk, codes))
        return [StockLevel.from_domain(level) for level in levels]

    @strawberry.field
    async def aliases(self, info: Info[Context, None]) -> list[str]:
        return await aliases_by_part_id(info.context).load(self.pk)

    @strawberry.field
    async def fitment(self, info: Info[Context, None]) -> list[VehicleModel]:
        models = await fitment_by_part_id(info.context).load(self.pk)
        return [
            VehicleModel(make=m.make, model=m.model, year_from=m.year_from, year_to=m.year_to, engine=m.engine)
            for m in models
        ]

    @strawberry.field(description="Interchangeable parts.")
    async def substitutes(self, info: Info[Context, None]) -> list[Part]:
        ids = await substitutes_by_part_id(info.context).load(self.pk)
        parts = await part_by_id(info.context).load_many(ids)
        return [Part.from_model(p) for p in parts if p is not None]

    @strawberry.field(description="The part that replaces this one, if superseded.")
    async def superseded_by(self, info: Info[Context, None]) -> Part | None:
        if self.superseded_by_id is None:
            return None
        found = await part_by_id(info.context).load(self.superseded_by_id)
        return Part.from_model(found) if found else None

    @strawberry.field(description="Successors of this part, newest last.")
    async def supersession_chain(self, info: Info[Context, None]) -> list[Part]:
        chain: list[Part] = []
        seen = {self.pk}
        next_id = self.superseded_by_id
        while next_id is not None and next_id not in seen and len(chain) < 20:
            seen.add(next_id)
            found = await part_by_id(info.context).load(next_id)
            if found is None:
                break
            chain.append(Part.from_model(found))
            next_id = found.superseded_by_id
        return chain

    @strawberry.field
    async def primary_supplier(self, info: Info[Context, None]) -> Supplier | None:
        if self.primary_supplier_id is None:
            return None
        found = await supplier_by_id(info.context).load(self.primary_supplier_id)
        return Supplier.from_model(found) if found else None

    @strawberry.field
    async def backup_supplier(self, info: Info[Context, None]) -> Supplier | None:
        if self.backup_supplier_id is None:
            return None
        found = await supplier_by_id(info.context).load(self.backup_supplier_id)
        return Supplier.from_model(found) if found else None


@strawberry.input(description="Narrow a part search.")
class PartFilter:
    category: str | None = None
    abc_class: str | None = None
    supplier_code: str | None = None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    active: bool | None = True
