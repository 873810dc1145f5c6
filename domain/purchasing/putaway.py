"""Putaway: accepted goods leave the QC bin for their storage place.

Suggestions prefer bins that already hold the part, then the zone of the part's ABC class (A-class
parts live in zone A, near dispatch), and never exceed a bin's capacity (`bin_capacity` minus what
it holds, all parts counted). The operator confirms by scanning the bin actually used; a store
without bins puts away into the store location itself.

Consignment receipts (posted into a location the supplier owns) are never put away: the goods
already sit where they belong, QC counts them as put away on acceptance, and a move into our own
bins would pass ownership (consumption the supplier invoices). Whoever really wants that does it
explicitly, as a stock move out of the consignment location."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location, LocationKind
from domain.principal import Principal
from domain.purchasing import ownership
from domain.purchasing.common import (
    check_key,
    claim,
    fingerprint,
    location_by_code,
    locations_by_id,
    record,
)
from domain.purchasing.models import Putaway, ReceiptLine
from domain.purchasing.policy import ensure_receiver, ensure_sees
from domain.purchasing.qc import receipt_in_scope
from domain.quantities import validate_quantity
from domain.stock import ledger

ZERO = Decimal(0)


@dataclass(frozen=True)
class PutawaySuggestion:
    location: Location
    quantity: Decimal
    reason: str


@dataclass(frozen=True)
class PutawayPlan:
    suggestions: list[PutawaySuggestion]
    unplaced: Decimal  # what no bin has room for


@dataclass(frozen=True)
class PutawayResult:
    putaway: Putaway
    receipt: ReceiptLine
    move: ledger.PostedMove
    replayed: bool


_BINS = text(
    """
    SELECT l.id, l.bin_capacity, z.code AS zone_code,
           coalesce(sum(b.on_hand), 0) AS held,
           coalesce(sum(b.on_hand) FILTER (WHERE b.part_id = :part), 0) AS held_part
      FROM location l
      LEFT JOIN location z ON z.id = l.parent_id AND z.kind = 'zone'
      LEFT JOIN stock_balance b ON b.location_id = l.id
     WHERE l.site_id = :site AND l.kind = 'bin' AND l.active AND l.frozen_by IS NULL AND l.id <> :qc
     GROUP BY l.id, l.bin_capacity, z.code, l.code
     ORDER BY l.code
    """
)


def _zone_class(zone_code: str | None) -> str | None:
    """Zones are coded `<site>-<class>` (WH-A): the last segment names the ABC class they serve."""
    if not zone_code:
        return None
    return zone_code.rsplit("-", 1)[-1].upper()


async def _site_bins(session: AsyncSession, site_id: int, qc_id: int, part_id: int) -> list[Row[Any]]:
    return list(await session.execute(_BINS, {"site": site_id, "qc": qc_id, "part": part_id}))


async def _has_bins(session: AsyncSession, receipt: ReceiptLine) -> bool:
    """A site with bins (its QC bin aside) stores in bins; one without stores in itself."""
    sql = text("SELECT EXISTS (SELECT 1 FROM location WHERE site_id = :s AND kind = 'bin' AND id <> :qc)")
    return bool((await session.execute(sql, {"s": receipt.site_id, "qc": receipt.qc_location_id})).scalar_one())


async def suggest_putaway(
    session: AsyncSession, principal: Principal, receipt_id: int, quantity: Decimal | None = None
) -> PutawayPlan:
    """Where to put the receipt's accepted goods still in QC (reads only)."""
    ensure_receiver(principal)
    receipt = await receipt_in_scope(session, principal, receipt_id, lock=False)
    if await ownership.is_consignment_receipt(session, receipt):
        return PutawayPlan([], ZERO)  # the supplier's goods stay in its location
    part = await session.get(Part, receipt.part_id)
    assert part is not None
    waiting = receipt.accepted_qty - receipt.put_away_qty
    wanted = waiting if quantity is None else validate_quantity(quantity, part.uom_precision, "quantity")
    if wanted > waiting:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY, f"only {format(waiting.normalize(), 'f')} accepted and waiting", ["quantity"]
        )
    if wanted <= 0:
        return PutawayPlan([], ZERO)
    bins = await _site_bins(session, receipt.site_id, receipt.qc_location_id, part.id)
    if not bins and not await _has_bins(session, receipt):
        site = await session.get(Location, receipt.site_id)
        assert site is not None
        return PutawayPlan([PutawaySuggestion(site, wanted, "store without bins")], ZERO)

    def rank(row: Row[Any]) -> tuple[int, int]:
        same_class = _zone_class(row.zone_code) == (part.abc_class or "").upper()
        return (0 if row.held_part > 0 else 1, 0 if same_class else 1)

    left = wanted
    picks: list[tuple[int, Decimal, str]] = []
    for row in sorted(bins, key=rank):  # stable: ties stay in bin-code order
        room = None if row.bin_capacity is None else Decimal(row.bin_capacity) - row.held
        if room is not None and room <= 0:
            continue
        take = left if room is None else min(left, room)
        # Whole units only for counted parts; litres may be split.
        take = take.quantize(Decimal(1).scaleb(-part.uom_precision), rounding=ROUND_DOWN)
        if take <= 0:
            continue
        if row.held_part > 0:
            why = "already holds this part"
        elif _zone_class(row.zone_code) == (part.abc_class or "").upper():
            why = f"zone for class {part.abc_class} parts"
        else:
            why = "free capacity"
        picks.append((row.id, take, why))
        left -= take
        if left <= 0:
            break
    locations = await locations_by_id(session, [pk for pk, _, _ in picks])
    return PutawayPlan([PutawaySuggestion(locations[pk], take, why) for pk, take, why in picks], left)


async def confirm_putaway(
    session: AsyncSession,
    principal: Principal,
    receipt_id: int,
    location_code: str,
    quantity: Decimal,
    idempotency_key: str,
) -> PutawayResult:
    """Move accepted goods from QC to the scanned bin (or the binless store itself)."""
    key = check_key(idempotency_key, required=True)
    ensure_receiver(principal)
    receipt = await receipt_in_scope(session, principal, receipt_id, lock=True)
    if await ownership.is_consignment_receipt(session, receipt):
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "consignment goods stay in the supplier's location and are not put away; moving them into our "
            "bins is consumption, done as a stock move",
            ["receiptLineId"],
        )
    code = location_code.strip().upper()
    digest = fingerprint("putaway", receipt_id, code, quantity)
    claimed = await claim(session, "putaway", key, digest)
    if claimed.replay_id is not None:
        done = await session.get(Putaway, claimed.replay_id)
        assert done is not None
        move = (await ledger_moves(session, done.posting_id))[0]
        return PutawayResult(done, receipt, move, replayed=True)

    part = await session.get(Part, receipt.part_id)
    assert part is not None
    qty = validate_quantity(quantity, part.uom_precision, "quantity")
    waiting = receipt.accepted_qty - receipt.put_away_qty
    if qty > waiting:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY, f"only {format(waiting.normalize(), 'f')} accepted and waiting", ["quantity"]
        )
    target = await location_by_code(session, code)
    if target is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", ["locationCode"])
    ensure_sees(principal, target.path, code, "locationCode")
    has_bins = await _has_bins(session, receipt)
    valid = (
        target.site_id == receipt.site_id
        and target.id != receipt.qc_location_id
        and (target.kind == LocationKind.BIN if has_bins else target.id == receipt.site_id)
    )
    if not valid:
        expected = "a bin of this site" if has_bins else "the store itself"
        raise DomainError(
            ErrorCode.INVALID_LOCATION, f"{code} is not a putaway place here ({expected})", ["locationCode"]
        )
    if target.bin_capacity is not None:
        # Lock the bin row so two putaways cannot both fill the last free space. NO KEY UPDATE, not
        # UPDATE: postings touching the bin take KEY SHARE on it (foreign-key checks) while holding
        # balance rows this putaway's posting needs, so a full lock deadlocks with them
        # (tests/domain/test_mixed_workload.py); two putaways still serialise on it.
        await session.execute(text("SELECT id FROM location WHERE id = :id FOR NO KEY UPDATE"), {"id": target.id})
        held = (
            await session.execute(
                text("SELECT coalesce(sum(on_hand), 0) FROM stock_balance WHERE location_id = :l"), {"l": target.id}
            )
        ).scalar_one()
        if held + qty > target.bin_capacity:
            raise DomainError(
                ErrorCode.CAPACITY_EXCEEDED,
                f"{code} holds {format(Decimal(held).normalize(), 'f')} of {target.bin_capacity}; "
                f"{format(qty.normalize(), 'f')} do not fit",
                ["quantity"],
            )
    po_number = (
        await session.execute(
            text(
                "SELECT o.number FROM purchase_order o JOIN purchase_order_line l ON l.purchase_order_id = o.id "
                "WHERE l.id = :id"
            ),
            {"id": receipt.po_line_id},
        )
    ).scalar_one()
    posted = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type="putaway",
            doc_ref=po_number,
            reason=f"putaway of receipt {receipt.id}",
            lines=[
                ledger.MoveLine(
                    part_id=receipt.part_id,
                    from_location_id=receipt.qc_location_id,
                    to_location_id=target.id,
                    quantity=qty,
                    lot_no=receipt.lot_no,
                )
            ],
        ),
    )
    receipt.put_away_qty += qty
    done = Putaway(
        receipt_line_id=receipt.id,
        location_id=target.id,
        quantity=qty,
        posting_id=posted.posting_id,
        actor=principal.actor,
    )
    session.add(done)
    await session.flush()
    await record(session, claimed, done.id)
    return PutawayResult(done, receipt, posted.moves[0], replayed=False)


async def ledger_moves(session: AsyncSession, posting_id: int) -> list[ledger.PostedMove]:
    rows = await session.execute(
        text(
            "SELECT id, posting_id, part_id, lot_no, quantity, from_location_id, to_location_id, unit_cost, "
            "doc_type, doc_ref, reason, actor, created_at FROM stock_move WHERE posting_id = :p ORDER BY id"
        ),
        {"p": posting_id},
    )
    return [ledger.PostedMove(**row._mapping) for row in rows]
