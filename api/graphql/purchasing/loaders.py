"""DataLoaders of purchasing, named for their key; each batch is one domain read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from domain.purchasing import reads

Read = Callable[[Any, Sequence[int]], Awaitable[dict[int, Any]]]


def _batch(read: Read, default: Any) -> Callable[[Context, Sequence[int]], Awaitable[list[Any]]]:
    async def load(ctx: Context, keys: Sequence[int]) -> list[Any]:
        async with ctx.read() as session:
            found = await read(session, keys)
        return [found.get(k, default() if callable(default) else default) for k in keys]

    return load


def _loader(name: str, read: Read, default: Any = None) -> Callable[[Context], DataLoader[int, Any]]:
    batch = _batch(read, default)

    def get(ctx: Context) -> DataLoader[int, Any]:
        return ctx.loader(name, batch)

    return get


purchase_order_by_id = _loader("PurchaseOrderByIdLoader", reads.orders_by_ids)
purchase_order_line_by_id = _loader("PurchaseOrderLineByIdLoader", reads.order_lines_by_ids)
lines_by_purchase_order_id = _loader("PurchaseOrderLinesByPurchaseOrderIdLoader", reads.lines_by_order, list)
approvals_by_purchase_order_id = _loader("ApprovalsByPurchaseOrderIdLoader", reads.approvals_by_order, list)
match_by_purchase_order_line_id = _loader("MatchByPurchaseOrderLineIdLoader", reads.matches_by_line)
receipts_by_purchase_order_line_id = _loader(
    "ReceiptLinesByPurchaseOrderLineIdLoader", reads.receipts_by_order_line, list
)
returns_by_purchase_order_id = _loader("ReturnsByPurchaseOrderIdLoader", reads.returns_by_order, list)
return_lines_by_return_id = _loader("ReturnLinesByReturnIdLoader", reads.return_lines_by_return, list)
value_moves_by_purchase_order_id = _loader("ValueMovesByPurchaseOrderIdLoader", reads.value_moves_by_order, list)
ship_notice_by_id = _loader("ShipNoticeByIdLoader", reads.notices_by_ids)
notice_lines_by_ship_notice_id = _loader("ShipNoticeLinesByShipNoticeIdLoader", reads.notice_lines_by_notice, list)
scans_by_receiving_session_id = _loader("ScansByReceivingSessionIdLoader", reads.scans_by_session, list)
receipts_by_scan_id = _loader("ReceiptLinesByScanIdLoader", reads.receipts_by_scan, list)
receipts_by_receiving_session_id = _loader("ReceiptLinesByReceivingSessionIdLoader", reads.receipts_by_session, list)
