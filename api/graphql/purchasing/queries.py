"""Purchasing queries, and the `node` lookup of purchasing types."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.purchasing.types import (
    MatchResult,
    MatchStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReceiptLine,
    ReceivingSession,
    ShipNotice,
    SupplierPerformance,
)
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, pk_or_none
from domain.catalog.models import Supplier as SupplierModel
from domain.errors import DomainError
from domain.principal import Principal
from domain.purchasing import matching, orders, performance, receiving, ship_notices
from domain.purchasing import models as m
from domain.purchasing.qc import receipt_in_scope


@strawberry.type
class PurchasingQueries:
    @strawberry.field(description="Purchase orders you may see, newest first.")
    async def purchase_orders(
        self,
        info: Info[Context, None],
        status: list[PurchaseOrderStatus] | None = None,
        supplier_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PurchaseOrder]:
        size = page_size(first, info.context.settings.max_page_size)
        before = int_cursor(after)
        try:
            async with info.context.read() as session:
                rows, has_next = await orders.list_purchase_orders(
                    session,
                    info.context.principal,
                    statuses=[s.value for s in status] if status else None,
                    supplier_code=supplier_code,
                    first=size,
                    before_id=before,
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([PurchaseOrder.from_model(o) for o in rows], [str(o.id) for o in rows], has_next, after)

    @strawberry.field(description="A purchase order by its number.")
    async def purchase_order(self, info: Info[Context, None], number: str) -> PurchaseOrder | None:
        try:
            async with info.context.read() as session:
                found = await orders.get_purchase_order(session, info.context.principal, number=number)
        except DomainError as error:
            raise PublicError(error.message) from None
        return PurchaseOrder.from_model(found) if found else None

    @strawberry.field(description="Ship notices of orders you may see, newest first.")
    async def ship_notices(
        self,
        info: Info[Context, None],
        status: list[str] | None = None,
        purchase_order_number: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ShipNotice]:
        size = page_size(first, info.context.settings.max_page_size)
        before = int_cursor(after)
        try:
            async with info.context.read() as session:
                rows, has_next = await ship_notices.list_ship_notices(
                    session,
                    info.context.principal,
                    statuses=status,
                    purchase_order_number=purchase_order_number,
                    first=size,
                    before_id=before,
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([ShipNotice.from_model(n) for n in rows], [str(n.id) for n in rows], has_next, after)

    @strawberry.field(description="A receiving session by its global ID.")
    async def receiving_session(self, info: Info[Context, None], id: strawberry.ID) -> ReceivingSession | None:
        pk = pk_or_none(id, "ReceivingSession")
        if pk is None:
            return None
        async with info.context.read() as session:
            found = await receiving.get_receiving_session(session, info.context.principal, pk)
        return ReceivingSession.from_model(found) if found else None

    @strawberry.field(description="The three-way match exception queue (or other statuses), oldest first.")
    async def match_exceptions(
        self,
        info: Info[Context, None],
        status: list[MatchStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MatchResult]:
        size = page_size(first, info.context.settings.max_page_size)
        after_id = int_cursor(after)
        try:
            async with info.context.read() as session:
                rows, has_next = await matching.list_matches(
                    session,
                    info.context.principal,
                    statuses=[s.value for s in status] if status else [m.MatchStatus.EXCEPTION.value],
                    first=size,
                    after_id=after_id,
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([MatchResult.from_model(r) for r in rows], [str(r.id) for r in rows], has_next, after)

    @strawberry.field(description="On-time, fill and reject rates and lead times per supplier and month.")
    async def supplier_performance(
        self,
        info: Info[Context, None],
        supplier_code: str | None = None,
        from_month: date | None = None,
        to_month: date | None = None,
    ) -> list[SupplierPerformance]:
        try:
            async with info.context.read() as session:
                supplier_id = None
                if supplier_code:
                    supplier_id = (
                        await session.execute(
                            select(SupplierModel.id).where(SupplierModel.code == supplier_code.strip().upper())
                        )
                    ).scalar_one_or_none()
                    if supplier_id is None:
                        return []
                rows = await performance.supplier_performance(
                    session, info.context.principal, supplier_id=supplier_id, from_month=from_month, to_month=to_month
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return [SupplierPerformance.from_domain(r) for r in rows]


PURCHASING_NODE_TYPES = frozenset(
    {"PurchaseOrder", "PurchaseOrderLine", "ReceivingSession", "ReceiptLine", "ShipNotice"}
)


async def purchasing_node(info: Info[Context, None], type_name: str, pk: int) -> Node | None:
    """`node(id:)` for purchasing types; None when missing or not visible to the principal."""
    async with info.context.read() as session:
        return await _node(session, info.context.principal, type_name, pk)


async def _node(session: AsyncSession, principal: Principal, type_name: str, pk: int) -> Node | None:
    try:
        if type_name == "PurchaseOrder":
            order = await orders.get_purchase_order(session, principal, po_id=pk)
            return PurchaseOrder.from_model(order) if order else None
        if type_name == "PurchaseOrderLine":
            line = await session.get(m.PurchaseOrderLine, pk)
            if (
                line is None
                or await orders.get_purchase_order(session, principal, po_id=line.purchase_order_id) is None
            ):
                return None
            return PurchaseOrderLine.from_model(line)
        if type_name == "ReceivingSession":
            rs = await receiving.get_receiving_session(session, principal, pk)
            return ReceivingSession.from_model(rs) if rs else None
        if type_name == "ReceiptLine":
            return ReceiptLine.from_model(await receipt_in_scope(session, principal, pk, lock=False))
        if type_name == "ShipNotice":
            notice = await ship_notices.get_ship_notice(session, principal, pk)
            return ShipNotice.from_model(notice) if notice else None
    except DomainError:
        return None
    return None
