"""Approved suggestions become documents in one step: purchase orders grouped by supplier, and
transfer requests grouped by lane for stock that another site can spare. One transaction: either
every suggestion is converted or none is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.planning.models import ReplenishmentSuggestion
from domain.planning.service import _scope, mark_converted
from domain.principal import Principal
from domain.purchasing.orders import SuggestionLine, create_purchase_orders_from_suggestions
from domain.transfers.service import PartQuantity, RequestTransfer, request_transfer


@dataclass(frozen=True)
class Conversion:
    purchase_orders: list[str]
    transfer_orders: list[str]
    converted: int


async def convert_suggestions(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> Conversion:
    if not ids:
        raise DomainError(ErrorCode.INVALID_INPUT, "no suggestions given", ["ids"])
    if len(ids) > 1000:
        raise DomainError(ErrorCode.INVALID_INPUT, "at most 1000 suggestions at once", ["ids"])
    rows = list(
        (
            await session.execute(
                _scope(principal, select(ReplenishmentSuggestion), ReplenishmentSuggestion.location_id)
                .where(ReplenishmentSuggestion.id.in_(list(ids)))
                .order_by(ReplenishmentSuggestion.id)
                .with_for_update()
            )
        ).scalars()
    )
    found = {row.id: row for row in rows}
    for n, sid in enumerate(ids):
        row = found.get(sid)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"suggestion {sid} not found", ["ids", str(n)])
        if row.status != "approved":
            raise DomainError(
                ErrorCode.INVALID_STATE, f"suggestion {sid} is {row.status}; approve it first", ["ids", str(n)]
            )
    buys = [row for row in rows if row.source == "supplier" or row.transfer_from_id is None]
    moves = [row for row in rows if row not in buys]

    purchase_orders: list[str] = []
    if buys:
        views = await create_purchase_orders_from_suggestions(
            session,
            principal,
            [
                SuggestionLine(
                    part_id=row.part_id,
                    quantity=row.quantity,
                    destination_location_id=row.location_id,
                    supplier_id=row.supplier_id,
                )
                for row in buys
            ],
        )
        by_supplier = {view.order.supplier_id: view.order.number for view in views}
        for row in buys:
            number = by_supplier.get(row.supplier_id) if row.supplier_id else None
            await mark_converted(session, [row.id], number or views[0].order.number)
        purchase_orders = [view.order.number for view in views]

    transfer_orders: list[str] = []
    if moves:
        codes = dict(
            (
                await session.execute(
                    select(Location.id, Location.code).where(
                        Location.id.in_({r.location_id for r in moves} | {r.transfer_from_id for r in moves})
                    )
                )
            ).all()
        )
        parts = dict(
            (await session.execute(select(Part.id, Part.code).where(Part.id.in_({r.part_id for r in moves})))).all()
        )
        lanes: dict[tuple[int, int], list[ReplenishmentSuggestion]] = defaultdict(list)
        for row in moves:
            assert row.transfer_from_id is not None
            lanes[(row.transfer_from_id, row.location_id)].append(row)
        for (source, destination), lane in sorted(lanes.items()):
            requested = await request_transfer(
                session,
                principal,
                RequestTransfer(
                    from_location_code=codes[source],
                    to_location_code=codes[destination],
                    lines=[PartQuantity(parts[r.part_id], r.quantity) for r in lane],
                    reason="replenishment suggestion",
                    emergency=any(r.priority == "red" for r in lane),
                ),
            )
            number = requested.transfer.number
            transfer_orders.append(number)
            await mark_converted(session, [r.id for r in lane], number)
    return Conversion(purchase_orders=purchase_orders, transfer_orders=transfer_orders, converted=len(rows))
