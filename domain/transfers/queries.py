"""Reading transfer orders: one order, lists within the caller's scope, and the batched
relations the GraphQL loaders ask for (lines, shipments with their lines, open reservations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.principal import Principal
from domain.transfers import policy
from domain.transfers.models import TransferOrder, TransferShipment, TransferShipmentLine
from domain.transfers.service import lane_of, load_order


async def get_transfer(session: AsyncSession, principal: Principal, transfer_order_id: int) -> TransferOrder:
    order, _, _, _ = await load_order(session, principal, transfer_order_id)
    return order


async def transfer_by_number(session: AsyncSession, principal: Principal, number: str) -> TransferOrder | None:
    order = (
        await session.execute(select(TransferOrder).where(TransferOrder.number == number.strip().upper()))
    ).scalar_one_or_none()
    if order is None:
        return None
    _, source, destination = await lane_of(session, order)
    return order if policy.can_read(principal, source.path, destination.path) else None


async def list_transfers(
    session: AsyncSession,
    principal: Principal,
    *,
    location_code: str | None = None,
    statuses: Sequence[str] | None = None,
    emergency: bool | None = None,
    first: int,
    after_id: int | None = None,
) -> tuple[list[TransferOrder], bool]:
    """Newest first; an order is visible when either end is in your scope."""
    if not policy.has_read_role(principal):
        return [], False
    params: dict[str, object] = {}
    sql = (
        "SELECT o.id FROM transfer_order o JOIN location src ON src.id = o.from_site_id "
        "JOIN location dst ON dst.id = o.to_site_id WHERE true"
    )
    if principal.location_paths is not None:
        sql += (
            " AND (src.path = ANY(:roots) OR src.path LIKE ANY(:likes)"
            " OR dst.path = ANY(:roots) OR dst.path LIKE ANY(:likes))"
        )
        params["roots"] = list(principal.location_paths)
        params["likes"] = [r.replace("%", r"\%").replace("_", r"\_") + "/%" for r in principal.location_paths]
    if location_code:
        sql += " AND (src.code = :code OR dst.code = :code)"
        params["code"] = location_code.strip().upper()
    if statuses:
        sql += " AND o.status = ANY(:statuses)"
        params["statuses"] = list(statuses)
    if emergency is not None:
        sql += " AND o.emergency = :emergency"
        params["emergency"] = emergency
    if after_id is not None:
        sql += " AND o.id < :after"
        params["after"] = after_id
    sql += " ORDER BY o.id DESC LIMIT :limit"
    params["limit"] = first + 1
    ids = list((await session.execute(text(sql), params)).scalars())
    found = {o.id: o for o in (await session.execute(select(TransferOrder).where(TransferOrder.id.in_(ids)))).scalars()}
    return [found[i] for i in ids[:first]], len(ids) > first


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    transfer_order_id: int
    line_no: int
    part_id: int
    quantity: Decimal
    shipped: Decimal
    received: Decimal
    discrepancy: Decimal
    reserved: Decimal  # still reserved at the source for this line


_LINES = text(
    """
    SELECT l.id, l.transfer_order_id, l.line_no, l.part_id, l.quantity, l.shipped, l.received, l.discrepancy,
           coalesce((SELECT sum(r.quantity - r.consumed) FROM reservation r
                      WHERE r.doc_type = 'transfer' AND r.doc_ref = o.number || '/' || l.line_no
                        AND r.status = 'active'), 0) AS reserved
      FROM transfer_line l JOIN transfer_order o ON o.id = l.transfer_order_id
     WHERE l.transfer_order_id = ANY(:ids)
     ORDER BY l.transfer_order_id, l.line_no
    """
)


async def lines_by_transfer_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[LineView]]:
    result: dict[int, list[LineView]] = {}
    for row in await session.execute(_LINES, {"ids": list(ids)}):
        result.setdefault(row.transfer_order_id, []).append(LineView(**row._mapping))
    return result


async def transfers_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, TransferOrder]:
    rows = await session.execute(select(TransferOrder).where(TransferOrder.id.in_(list(ids))))
    return {order.id: order for order in rows.scalars()}


async def shipments_by_transfer_ids(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[tuple[TransferShipment, list[TransferShipmentLine]]]]:
    shipments = list(
        (
            await session.execute(
                select(TransferShipment)
                .where(TransferShipment.transfer_order_id.in_(list(ids)))
                .order_by(TransferShipment.transfer_order_id, TransferShipment.shipment_no)
            )
        ).scalars()
    )
    lines: dict[int, list[TransferShipmentLine]] = defaultdict(list)
    if shipments:
        rows = await session.execute(
            select(TransferShipmentLine)
            .where(TransferShipmentLine.shipment_id.in_([s.id for s in shipments]))
            .order_by(TransferShipmentLine.id)
        )
        for row in rows.scalars():
            lines[row.shipment_id].append(row)
    result: dict[int, list[tuple[TransferShipment, list[TransferShipmentLine]]]] = {}
    for shipment in shipments:
        result.setdefault(shipment.transfer_order_id, []).append((shipment, lines[shipment.id]))
    return result
