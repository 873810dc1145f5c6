"""VMI queries, and the `node` lookup of VMI types. Thin: parse, call one domain read, map."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, pk_or_none
from api.graphql.vmi.types import (
    DeliveryTimeline,
    ProposalStatus,
    StockStatus,
    SupplierScorecard,
    VmiAgreement,
    VmiProposal,
    VmiSharedStock,
)
from domain.catalog.models import Supplier
from domain.errors import DomainError
from domain.vmi import agreements, deliveries, proposals, scorecard, shared_stock


@strawberry.type
class VmiQueries:
    @strawberry.field(description="VMI agreements you may see (a supplier: its own), oldest first.")
    async def vmi_agreements(
        self,
        info: Info[Context, None],
        supplier_code: str | None = None,
        location_code: str | None = None,
        part_code: str | None = None,
        active: bool | None = True,
        consignment: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VmiAgreement]:
        size = page_size(first, info.context.settings.max_page_size)
        after_id = int_cursor(after)
        async with info.context.read() as session:
            rows, has_next = await agreements.list_agreements(
                session,
                info.context.principal,
                supplier_code=supplier_code,
                location_code=location_code,
                part_code=part_code,
                active=active,
                consignment=consignment,
                first=size,
                after_id=after_id,
            )
        return connection([VmiAgreement.from_model(a) for a in rows], [str(a.id) for a in rows], has_next, after)

    @strawberry.field(
        description="The shared stock of your active agreements (by site, then part): on hand, in transit, "
        "on order, consumption, forecast, days of cover and status."
    )
    async def vmi_shared_stock(
        self,
        info: Info[Context, None],
        supplier_code: str | None = None,
        location_code: str | None = None,
        part_code: str | None = None,
        status: list[StockStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VmiSharedStock]:
        size = page_size(first, info.context.settings.max_page_size)
        offset = int_cursor(after) or 0
        async with info.context.read() as session:
            rows = await shared_stock.shared_stock(
                session,
                info.context.principal,
                supplier_code=supplier_code,
                location_code=location_code,
                part_code=part_code,
                statuses=status,
            )
        page = rows[offset : offset + size]
        keys = [str(offset + n + 1) for n in range(len(page))]
        return connection(
            [VmiSharedStock.from_domain(r) for r in page], keys, offset + size < len(rows), after, total=len(rows)
        )

    @strawberry.field(description="Proposals you may see, newest first.")
    async def vmi_proposals(
        self,
        info: Info[Context, None],
        status: list[ProposalStatus] | None = None,
        supplier_code: str | None = None,
        location_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VmiProposal]:
        size = page_size(first, info.context.settings.max_page_size)
        before = int_cursor(after)
        async with info.context.read() as session:
            rows, has_next = await proposals.list_proposals(
                session,
                info.context.principal,
                statuses=[s.value for s in status] if status else None,
                supplier_code=supplier_code,
                location_code=location_code,
                first=size,
                before_id=before,
            )
        return connection([VmiProposal.from_model(p) for p in rows], [str(p.id) for p in rows], has_next, after)

    @strawberry.field(description="A proposal by its global ID; null when it is not yours.")
    async def vmi_proposal(self, info: Info[Context, None], id: strawberry.ID) -> VmiProposal | None:
        pk = pk_or_none(id, "VmiProposal")
        if pk is None:
            return None
        async with info.context.read() as session:
            found = await proposals.get_proposal(session, info.context.principal, pk)
        return VmiProposal.from_model(found.proposal) if found else None

    @strawberry.field(description="A ship notice's timeline (shipped, in transit, delivered, received, discrepancies).")
    async def delivery_timeline(
        self, info: Info[Context, None], ship_notice_id: strawberry.ID
    ) -> DeliveryTimeline | None:
        pk = pk_or_none(ship_notice_id, "ShipNotice")
        if pk is None:
            return None
        try:
            async with info.context.read() as session:
                found = await deliveries.delivery_timeline(session, info.context.principal, pk)
        except DomainError as error:
            raise PublicError(error.message) from None
        return DeliveryTimeline.from_domain(found) if found else None

    @strawberry.field(
        description="A supplier's scorecard over whole months (default: the last 12); a supplier sees its own."
    )
    async def supplier_scorecard(
        self,
        info: Info[Context, None],
        supplier_code: str | None = None,
        from_month: date | None = None,
        to_month: date | None = None,
    ) -> SupplierScorecard | None:
        principal = info.context.principal
        try:
            async with info.context.read() as session:
                supplier_id = None
                if supplier_code:
                    supplier_id = (
                        await session.execute(select(Supplier.id).where(Supplier.code == supplier_code.strip().upper()))
                    ).scalar_one_or_none()
                    if supplier_id is None:
                        return None
                elif principal.supplier_id is None:
                    raise PublicError("supplierCode is required")
                found = await scorecard.supplier_scorecard(
                    session, principal, supplier_id=supplier_id, start=from_month, end=to_month
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return SupplierScorecard.from_domain(found) if found else None


VMI_NODE_TYPES = frozenset({"VmiAgreement", "VmiProposal"})


async def vmi_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`node(id:)` for VMI types; None when missing or not visible to the principal."""
    async with info.context.read() as session:
        if type_name == "VmiAgreement":
            agreement = await agreements.get_agreement(session, info.context.principal, pk)
            return VmiAgreement.from_model(agreement) if agreement else None
        if type_name == "VmiProposal":
            found = await proposals.get_proposal(session, info.context.principal, pk)
            return VmiProposal.from_model(found.proposal) if found else None
    return None
