"""Reservations: promise stock to a document. Allocation walks lots FIFO (FEFO when an expiry is
set) and raises `reserved` on each balance row with the same guarded update the ledger uses, so
reservations can never exceed what is physically there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.quantities import validate_quantity


@dataclass(frozen=True)
class Allocation:
    reservation_id: int
    lot_no: str
    quantity: Decimal


_CANDIDATES = text(
    """
    SELECT b.lot_no, b.on_hand - b.reserved AS available, l.expiry_date, l.received_on
      FROM stock_balance b LEFT JOIN lot l ON l.part_id = b.part_id AND l.lot_no = b.lot_no
     WHERE b.part_id = :p AND b.location_id = :l AND b.on_hand - b.reserved > 0
     ORDER BY b.lot_no
     FOR UPDATE OF b
    """
)

_RESERVE = text(
    """
    UPDATE stock_balance SET reserved = reserved + :q
     WHERE part_id = :p AND location_id = :l AND lot_no = :lot AND on_hand - reserved >= :q
    RETURNING reserved
    """
)

_INSERT = text(
    """
    INSERT INTO reservation (part_id, location_id, lot_no, quantity, consumed, status, doc_type, doc_ref,
                             idempotency_key, actor)
    VALUES (:p, :l, :lot, :q, 0, 'active', :doc_type, :doc_ref, :key, :actor)
    RETURNING id
    """
)

_RELEASE = text(
    """
    WITH released AS (
        UPDATE reservation SET status = 'released'
         WHERE doc_type = :doc_type AND doc_ref = :doc_ref AND status = 'active'
        RETURNING part_id, location_id, lot_no, quantity - consumed AS q
    ), grouped AS (
        SELECT part_id, location_id, lot_no, sum(q) AS q FROM released GROUP BY 1, 2, 3
    )
    UPDATE stock_balance b SET reserved = b.reserved - g.q
      FROM grouped g
     WHERE b.part_id = g.part_id AND b.location_id = g.location_id AND b.lot_no = g.lot_no
    RETURNING b.part_id
    """
)


async def reserve(
    session: AsyncSession,
    principal: Principal,
    *,
    part_id: int,
    location_id: int,
    quantity: Decimal,
    precision: int,
    doc_type: str,
    doc_ref: str,
) -> list[Allocation]:
    """Reserve `quantity` across lots, or raise INSUFFICIENT_STOCK having reserved nothing."""
    quantity = validate_quantity(quantity, precision)
    # Locked in lot order (the ledger's order, so no deadlock), then consumed FEFO/FIFO.
    rows = sorted(
        (await session.execute(_CANDIDATES, {"p": part_id, "l": location_id})).all(),
        key=lambda r: (r.expiry_date or date.max, r.received_on or date.min, r.lot_no),
    )
    if sum((row.available for row in rows), Decimal(0)) < quantity:
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, "not enough available stock to reserve", ["quantity"])
    remaining = quantity
    allocations: list[Allocation] = []
    for row in rows:
        if remaining <= 0:
            break
        take = min(remaining, row.available)
        await session.execute(_RESERVE, {"p": part_id, "l": location_id, "lot": row.lot_no, "q": take})
        reservation_id = (
            await session.execute(
                _INSERT,
                {
                    "p": part_id,
                    "l": location_id,
                    "lot": row.lot_no,
                    "q": take,
                    "doc_type": doc_type,
                    "doc_ref": doc_ref,
                    "key": None,
                    "actor": principal.actor,
                },
            )
        ).scalar_one()
        allocations.append(Allocation(reservation_id, row.lot_no, take))
        remaining -= take
    return allocations


async def release(session: AsyncSession, doc_type: str, doc_ref: str) -> int:
    """Release every open reservation of a document; returns how many balance rows changed."""
    return len((await session.execute(_RELEASE, {"doc_type": doc_type, "doc_ref": doc_ref})).all())


_OPEN_FOR_KEY = text(
    """
    SELECT id, quantity - consumed AS open FROM reservation
     WHERE doc_type = :doc_type AND doc_ref = :doc_ref AND part_id = :p AND location_id = :l AND lot_no = :lot
       AND status = 'active'
     ORDER BY id
     FOR UPDATE
    """
)

_CONSUME = text(
    """
    UPDATE reservation SET consumed = consumed + :q,
           status = CASE WHEN consumed + :q >= quantity THEN 'consumed' ELSE status END
     WHERE id = :id
    """
)


async def consume(
    session: AsyncSession,
    *,
    doc_type: str,
    doc_ref: str,
    part_id: int,
    location_id: int,
    lot_no: str,
    quantity: Decimal,
) -> Decimal:
    """Book up to `quantity` of a document's open reservations on one balance row as consumed and
    return how much that was. The caller posts the same amount as the move line's
    `consume_reserved` in the same transaction, which lowers `stock_balance.reserved` to match."""
    remaining = quantity
    rows = (
        await session.execute(
            _OPEN_FOR_KEY, {"doc_type": doc_type, "doc_ref": doc_ref, "p": part_id, "l": location_id, "lot": lot_no}
        )
    ).all()
    for row in rows:
        if remaining <= 0:
            break
        take = min(remaining, row.open)
        await session.execute(_CONSUME, {"id": row.id, "q": take})
        remaining -= take
    return quantity - remaining
