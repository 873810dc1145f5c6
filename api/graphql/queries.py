"""Root queries. Resolvers parse arguments, call one domain function and map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.alerts.queries import ALERTS_NODE_TYPES, alerts_node
from api.graphql.catalog.types import Part, PartFilter, Supplier
from api.graphql.context import Context
from api.graphql.counting.queries import COUNTING_NODE_TYPES, counting_node
from api.graphql.identity.queries import IDENTITY_NODE_TYPES, identity_node
from api.graphql.org.types import Location, LocationKind
from api.graphql.purchasing.queries import PURCHASING_NODE_TYPES, purchasing_node
from api.graphql.relay import Connection, Node, connection, decode_cursor, from_global_id, int_key, page_size
from api.graphql.sales.queries import SALES_NODE_TYPES, sales_node
from api.graphql.statements.queries import STATEMENTS_NODE_TYPES, statements_node
from api.graphql.stock.lookup import part_with_stock, wants_stock
from api.graphql.transfers.queries import TRANSFERS_NODE_TYPES, transfers_node
from api.graphql.vmi.queries import VMI_NODE_TYPES, vmi_node
from api.graphql.workshop.queries import WORKSHOP_NODE_TYPES, workshop_node
from domain.catalog import service as catalog
from domain.identity.policy import Permission, can
from domain.org import service as org


@strawberry.type
class CoreQueries:
    @strawberry.field(description="A part by its code.")
    async def part(self, info: Info[Context, None], code: str) -> Part | None:
        if wants_stock(info):  # the cross-store lookup: part and stock in one statement
            return await part_with_stock(info, code)
        async with info.context.read() as session:
            found = await catalog.part_by_code(session, code, info.context.principal)
        return Part.from_model(found) if found else None

    @strawberry.field(description="A part by its barcode or QR value (what a scanner reads).")
    async def part_by_barcode(self, info: Info[Context, None], barcode: str) -> Part | None:
        async with info.context.read() as session:
            found = await catalog.part_by_barcode(session, barcode, info.context.principal)
        return Part.from_model(found) if found else None

    @strawberry.field(description="Search parts by code, barcode, Chinese/English name, alias or synonym.")
    async def parts(
        self,
        info: Info[Context, None],
        search: str | None = None,
        filter: PartFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Part]:
        size = page_size(first, info.context.settings.max_page_size)
        after_code = decode_cursor(after)
        flt = filter or PartFilter()
        async with info.context.read() as session:
            page = await catalog.search_parts(
                session,
                search=search,
                flt=catalog.PartFilter(
                    category=flt.category,
                    abc_class=flt.abc_class,
                    supplier_code=flt.supplier_code,
                    vehicle_make=flt.vehicle_make,
                    vehicle_model=flt.vehicle_model,
                    active=flt.active,
                ),
                first=size,
                after_code=after_code,
                principal=info.context.principal,
            )
        return connection(
            [Part.from_model(p) for p in page.items], [p.code for p in page.items], page.has_next, after, page.total
        )

    @strawberry.field(description="A location by its code (within your scope).")
    async def location(self, info: Info[Context, None], code: str) -> Location | None:
        async with info.context.read() as session:
            found = await org.location_by_code(session, info.context.principal, code)
        return Location.from_model(found) if found else None

    @strawberry.field(description="Locations within your scope, by kind and parent.")
    async def locations(
        self,
        info: Info[Context, None],
        kinds: list[LocationKind] | None = None,
        parent_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Location]:
        size = page_size(first, info.context.settings.max_page_size)
        after_code = decode_cursor(after)
        async with info.context.read() as session:
            items, has_next = await org.list_locations(
                session,
                info.context.principal,
                kinds=[k.value for k in kinds] if kinds else None,
                parent_code=parent_code,
                first=size,
                after_code=after_code,
            )
        return connection([Location.from_model(m) for m in items], [m.code for m in items], has_next, after)

    @strawberry.field(description="Fetch any object by its global ID; null when it does not exist or is not yours.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        decoded = from_global_id(id)
        if decoded is None:
            return None
        type_name, key = decoded
        pk = int_key(key)
        if pk is None:
            return None
        if type_name in COUNTING_NODE_TYPES:
            return await counting_node(info, type_name, pk)
        if type_name in ALERTS_NODE_TYPES:
            return await alerts_node(info, type_name, pk)
        if type_name in PURCHASING_NODE_TYPES:
            return await purchasing_node(info, type_name, pk)
        if type_name in IDENTITY_NODE_TYPES:
            return await identity_node(info, type_name, pk)
        if type_name in WORKSHOP_NODE_TYPES:
            return await workshop_node(info, type_name, pk)
        if type_name in TRANSFERS_NODE_TYPES:
            return await transfers_node(info, type_name, pk)
        if type_name in VMI_NODE_TYPES:
            return await vmi_node(info, type_name, pk)
        if type_name in SALES_NODE_TYPES:
            return await sales_node(info, type_name, pk)
        if type_name in STATEMENTS_NODE_TYPES:
            return await statements_node(info, type_name, pk)
        principal = info.context.principal
        async with info.context.read() as session:
            if type_name == "Part":
                part = await catalog.part_by_id(session, pk, principal)
                return Part.from_model(part) if part else None
            if type_name == "Location":
                found = await org.locations_by_ids(session, [pk])
                loc = found.get(pk)
                visible = loc is not None and can(principal, Permission.LOCATION_READ) and principal.sees_path(loc.path)
                return Location.from_model(loc) if loc and visible else None
            if type_name == "Supplier":
                supplier = (await catalog.suppliers_by_ids(session, [pk], principal)).get(pk)
                return Supplier.from_model(supplier) if supplier else None
        return None
