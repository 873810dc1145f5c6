"""Batch reads of purchasing documents, keyed for DataLoaders: one statement per relation however
many documents a page shows. Callers have already decided the principal may see the parent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.purchasing.models import (
    MatchResult,
    PurchaseOrder,
    PurchaseOrderApproval,
    PurchaseOrderLine,
    ReceiptLine,
    ReceiptScan,
    ReceivingSession,
    ReturnToVendor,
    ReturnToVendorLine,
    ShipNotice,
    ShipNoticeLine,
)
from domain.stock.ledger import PostedMove
from domain.stock.models import StockMove

T = TypeVar("T")


async def _grouped(session: AsyncSession, stmt: Select[Any], key: str, keys: Sequence[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for row in (await session.execute(stmt)).scalars():
        found[getattr(row, key)].append(row)
    return {k: found.get(k, []) for k in keys}


async def by_ids(session: AsyncSession, model: type[T], ids: Sequence[int]) -> dict[int, T]:
    rows = await session.execute(select(model).where(model.id.in_(list(ids))))  # type: ignore[attr-defined]
    return {row.id: row for row in rows.scalars()}  # type: ignore[attr-defined]


async def lines_by_order(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[PurchaseOrderLine]]:
    stmt = (
        select(PurchaseOrderLine)
        .where(PurchaseOrderLine.purchase_order_id.in_(list(ids)))
        .order_by(PurchaseOrderLine.line_no)
    )
    return await _grouped(session, stmt, "purchase_order_id", ids)


async def approvals_by_order(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[PurchaseOrderApproval]]:
    stmt = (
        select(PurchaseOrderApproval)
        .where(PurchaseOrderApproval.purchase_order_id.in_(list(ids)))
        .order_by(PurchaseOrderApproval.id)
    )
    return await _grouped(session, stmt, "purchase_order_id", ids)


async def matches_by_line(session: AsyncSession, ids: Sequence[int]) -> dict[int, MatchResult]:
    rows = await session.execute(select(MatchResult).where(MatchResult.po_line_id.in_(list(ids))))
    return {m.po_line_id: m for m in rows.scalars()}


async def notice_lines_by_notice(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ShipNoticeLine]]:
    stmt = select(ShipNoticeLine).where(ShipNoticeLine.ship_notice_id.in_(list(ids))).order_by(ShipNoticeLine.line_no)
    return await _grouped(session, stmt, "ship_notice_id", ids)


async def scans_by_session(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReceiptScan]]:
    stmt = select(ReceiptScan).where(ReceiptScan.session_id.in_(list(ids))).order_by(ReceiptScan.id)
    return await _grouped(session, stmt, "session_id", ids)


async def receipts_by_scan(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReceiptLine]]:
    stmt = select(ReceiptLine).where(ReceiptLine.scan_id.in_(list(ids))).order_by(ReceiptLine.id)
    return await _grouped(session, stmt, "scan_id", ids)


async def receipts_by_session(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReceiptLine]]:
    stmt = select(ReceiptLine).where(ReceiptLine.session_id.in_(list(ids))).order_by(ReceiptLine.id)
    return await _grouped(session, stmt, "session_id", ids)


async def receipts_by_order_line(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReceiptLine]]:
    stmt = select(ReceiptLine).where(ReceiptLine.po_line_id.in_(list(ids))).order_by(ReceiptLine.id)
    return await _grouped(session, stmt, "po_line_id", ids)


async def returns_by_order(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReturnToVendor]]:
    stmt = select(ReturnToVendor).where(ReturnToVendor.purchase_order_id.in_(list(ids))).order_by(ReturnToVendor.id)
    return await _grouped(session, stmt, "purchase_order_id", ids)


async def return_lines_by_return(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReturnToVendorLine]]:
    stmt = select(ReturnToVendorLine).where(ReturnToVendorLine.return_id.in_(list(ids))).order_by(ReturnToVendorLine.id)
    return await _grouped(session, stmt, "return_id", ids)


async def value_moves_by_order(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[PostedMove]]:
    """The ledger lines an order caused — receipts, putaways and returns — with their values, so
    finance reconciles stock value against the order."""
    orders = await by_ids(session, PurchaseOrder, ids)
    returns = await returns_by_order(session, ids)
    owner = {o.number: o.id for o in orders.values()}
    owner.update({r.number: r.purchase_order_id for rs in returns.values() for r in rs})
    if not owner:
        return {k: [] for k in ids}
    rows = await session.execute(
        select(StockMove)
        .where(StockMove.doc_ref.in_(list(owner)))
        .where(StockMove.doc_type.in_(["po_receipt", "putaway", "return_to_vendor"]))
        .order_by(StockMove.id)
    )
    found: dict[int, list[PostedMove]] = defaultdict(list)
    for m in rows.scalars():
        assert m.doc_ref is not None
        found[owner[m.doc_ref]].append(
            PostedMove(
                id=m.id,
                posting_id=m.posting_id,
                part_id=m.part_id,
                lot_no=m.lot_no,
                quantity=m.quantity,
                from_location_id=m.from_location_id,
                to_location_id=m.to_location_id,
                unit_cost=m.unit_cost,
                doc_type=m.doc_type,
                doc_ref=m.doc_ref,
                reason=m.reason,
                actor=m.actor,
                created_at=m.created_at,
            )
        )
    return {k: found.get(k, []) for k in ids}


async def orders_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, PurchaseOrder]:
    return await by_ids(session, PurchaseOrder, ids)


async def order_lines_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, PurchaseOrderLine]:
    return await by_ids(session, PurchaseOrderLine, ids)


async def notices_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, ShipNotice]:
    return await by_ids(session, ShipNotice, ids)


async def sessions_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, ReceivingSession]:
    return await by_ids(session, ReceivingSession, ids)
