"""Master-data cleanup: duplicate candidates, merging a duplicate into its survivor, zombie codes
and the completeness report.

A merge never rewrites history. `stock_move` rows are immutable, so the duplicate's stock moves to
the survivor through the ledger: out of the old part into V-ADJUSTMENT and in to the new part from
it, both valued at the cost it left with (doc_type "part_merge"); the inventory value is unchanged
and every ledger invariant holds. The duplicate stays, inactive, superseded by the survivor, with
its moves and lots; the mutable references (aliases, fitment, substitutes, supplier offers,
stocking policies, DMS numbers, supersessions pointing at it, demand history) move to the survivor
and its open replenishment suggestions are superseded. Open documents (reservations, purchase,
work and transfer orders) name the duplicate on purpose: the merge refuses until they are done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.masterdata.duplicates import Candidate, PartRecord, SynonymFolder, find_candidates
from domain.masterdata.models import PartMerge
from domain.masterdata.policy import ensure_can_maintain
from domain.principal import Principal
from domain.stock import ledger

MERGE_DOC = "part_merge"


async def duplicate_candidates(session: AsyncSession, principal: Principal, limit: int = 500) -> list[Candidate]:
    ensure_can_maintain(principal)
    aliases: dict[int, list[str]] = {}
    for row in await session.execute(text("SELECT part_id, alias FROM part_alias ORDER BY id")):
        aliases.setdefault(row.part_id, []).append(row.alias)
    parts = [
        PartRecord(
            r.id, r.code, r.barcode, r.name_zh, r.name_en, r.category, r.uom, r.spec, tuple(aliases.get(r.id, ()))
        )
        for r in await session.execute(
            text("SELECT id, code, barcode, name_zh, name_en, category, uom, spec FROM part WHERE active ORDER BY code")
        )
    ]
    folder = SynonymFolder(
        (r.group_no, r.term) for r in await session.execute(text("SELECT group_no, term FROM synonym_term"))
    )
    related = {
        (r.a, r.b)
        for r in await session.execute(
            text(
                "SELECT part_id AS a, substitute_id AS b FROM part_substitute"
                " UNION SELECT id, superseded_by_id FROM part WHERE superseded_by_id IS NOT NULL"
            )
        )
    }
    return find_candidates(parts, folder, related)[:limit]


@dataclass(frozen=True)
class MergeResult:
    merge_id: int
    duplicate_code: str
    survivor_code: str
    moved_lines: int
    moved_value: Decimal
    repointed: dict[str, int]


_OPEN_DOCUMENTS: dict[str, str] = {
    "reservation": """
        SELECT DISTINCT 'reservation for ' || doc_type || ' ' || doc_ref FROM reservation
         WHERE part_id = :dup AND status = 'active'""",
    "purchase_order_line": """
        SELECT DISTINCT 'purchase order ' || po.number FROM purchase_order_line l
          JOIN purchase_order po ON po.id = l.purchase_order_id
         WHERE l.part_id = :dup AND NOT l.closed AND po.status NOT IN ('received', 'closed', 'cancelled')""",
    "work_order_line": """
        SELECT DISTINCT 'work order ' || w.number FROM work_order_line l JOIN work_order w ON w.id = l.work_order_id
         WHERE l.part_id = :dup AND w.status IN ('open', 'in_progress')""",
    "transfer_line": """
        SELECT DISTINCT 'transfer order ' || t.number FROM transfer_line l JOIN transfer_order t
            ON t.id = l.transfer_order_id
         WHERE l.part_id = :dup AND t.status NOT IN ('received', 'rejected', 'cancelled', 'closed')""",
}

# Mutable references: (name, statements). Composite keys keep the survivor's row on a clash.
_REPOINT: list[tuple[str, list[str]]] = [
    (
        "aliases",
        [
            """WITH moved AS (DELETE FROM part_alias WHERE part_id = :dup RETURNING alias)
               INSERT INTO part_alias (part_id, alias) SELECT :keep, alias FROM moved ON CONFLICT DO NOTHING""",
        ],
    ),
    (
        "fitment",
        [
            """WITH moved AS (DELETE FROM part_fitment WHERE part_id = :dup RETURNING vehicle_model_id)
               INSERT INTO part_fitment (part_id, vehicle_model_id) SELECT :keep, vehicle_model_id FROM moved
               ON CONFLICT DO NOTHING""",
        ],
    ),
    (
        "substitutes",
        [
            """WITH moved AS (DELETE FROM part_substitute WHERE part_id = :dup OR substitute_id = :dup
                              RETURNING part_id, substitute_id)
               INSERT INTO part_substitute (part_id, substitute_id)
               SELECT DISTINCT CASE WHEN part_id = :dup THEN :keep ELSE part_id END,
                               CASE WHEN substitute_id = :dup THEN :keep ELSE substitute_id END
                 FROM moved
                WHERE (CASE WHEN part_id = :dup THEN :keep ELSE part_id END)
                      <> (CASE WHEN substitute_id = :dup THEN :keep ELSE substitute_id END)
               ON CONFLICT DO NOTHING""",
        ],
    ),
    (
        "supplier_parts",
        [
            """WITH moved AS (DELETE FROM supplier_part WHERE part_id = :dup RETURNING *)
               INSERT INTO supplier_part (supplier_id, part_id, supplier_part_no, unit_price, lead_time_days, moq,
                                          pack_size)
               SELECT supplier_id, :keep, supplier_part_no, unit_price, lead_time_days, moq, pack_size FROM moved
               ON CONFLICT DO NOTHING""",
        ],
    ),
    (
        "stock_policies",
        [
            """WITH moved AS (DELETE FROM part_location_policy WHERE part_id = :dup RETURNING *)
               INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, source)
               SELECT :keep, location_id, safety_stock, reorder_point, max_stock, source FROM moved
               ON CONFLICT DO NOTHING""",
        ],
    ),
    ("dms_part_numbers", ["UPDATE dms_part_map SET part_id = :keep, updated_at = now() WHERE part_id = :dup"]),
    ("supersessions", ["UPDATE part SET superseded_by_id = :keep WHERE superseded_by_id = :dup AND id <> :keep"]),
    ("demand_events", ["UPDATE demand_event SET part_id = :keep WHERE part_id = :dup"]),
]
_OPTIONAL_REPOINT: list[tuple[str, str, str]] = [
    (
        "suggestions_superseded",
        "replenishment_suggestion",
        "UPDATE replenishment_suggestion SET status = 'superseded' WHERE part_id = :dup AND status = 'open'",
    ),
]


async def _table_exists(session: AsyncSession, table: str) -> bool:
    return bool((await session.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table})).scalar_one())


async def merge_parts(
    session: AsyncSession, principal: Principal, duplicate_code: str, survivor_code: str, reason: str | None = None
) -> MergeResult:
    ensure_can_maintain(principal)
    codes = [duplicate_code.strip().upper(), survivor_code.strip().upper()]
    if codes[0] == codes[1]:
        raise DomainError(ErrorCode.INVALID_INPUT, "a part cannot be merged into itself", ["survivorCode"])
    found = {
        p.code: p
        for p in (
            await session.execute(select(Part).where(Part.code.in_(codes)).order_by(Part.id).with_for_update())
        ).scalars()
    }
    for code, field in zip(codes, ("duplicateCode", "survivorCode"), strict=True):
        if code not in found:
            raise DomainError(ErrorCode.UNKNOWN_PART, f"no part {code}", [field])
    dup, keep = found[codes[0]], found[codes[1]]
    if not dup.active:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"{dup.code} is inactive (already merged or retired)", ["duplicateCode"]
        )
    if not keep.active:
        raise DomainError(ErrorCode.INVALID_STATE, f"the survivor {keep.code} is inactive", ["survivorCode"])
    if dup.uom != keep.uom or dup.uom_precision > keep.uom_precision:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"{dup.code} is counted in {dup.uom} and {keep.code} in {keep.uom}: stock cannot be merged across units",
            ["survivorCode"],
        )
    blocking: list[str] = []
    for table, sql in _OPEN_DOCUMENTS.items():
        if await _table_exists(session, table):
            blocking += [row[0] for row in await session.execute(text(sql), {"dup": dup.id})]
    if blocking:
        shown = ", ".join(blocking[:10]) + (f" and {len(blocking) - 10} more" if len(blocking) > 10 else "")
        raise DomainError(
            ErrorCode.INVALID_STATE, f"{dup.code} is still on open documents ({shown}); finish them first"
        )

    moved_lines, moved_value, posting_id = await _move_stock(session, principal, dup, keep, reason)
    params = {"dup": dup.id, "keep": keep.id}
    repointed: dict[str, int] = {}
    for name, statements in _REPOINT:
        for sql in statements:
            result = await session.execute(text(sql), params)
            repointed[name] = repointed.get(name, 0) + (result.rowcount or 0)  # type: ignore[attr-defined]
    for name, table, sql in _OPTIONAL_REPOINT:
        if await _table_exists(session, table):
            repointed[name] = (await session.execute(text(sql), params)).rowcount or 0  # type: ignore[attr-defined]
    # Scans of the old code or barcode keep finding the part.
    for alias in dict.fromkeys(a for a in (dup.code, dup.barcode, dup.name_zh) if a):
        await session.execute(
            text("INSERT INTO part_alias (part_id, alias) VALUES (:keep, :alias) ON CONFLICT DO NOTHING"),
            {"keep": keep.id, "alias": alias[:200]},
        )
    if keep.superseded_by_id == dup.id:
        keep.superseded_by_id = None
    dup.active = False
    dup.superseded_by_id = keep.id
    merge = PartMerge(
        duplicate_part_id=dup.id,
        survivor_part_id=keep.id,
        posting_id=posting_id,
        reason=reason,
        details={"moved_lines": moved_lines, "moved_value": str(moved_value), "repointed": repointed},
        actor=principal.actor,
    )
    session.add(merge)
    await session.flush()
    await emit(
        session,
        "part.merged",
        {"duplicate": dup.code, "survivor": keep.code, "movedValue": moved_value, "mergeId": merge.id},
    )
    return MergeResult(merge.id, dup.code, keep.code, moved_lines, moved_value, repointed)


_DUP_STOCK = text(
    """
    SELECT b.location_id, b.lot_no, b.on_hand, l.received_on, l.expiry_date
      FROM stock_balance b LEFT JOIN lot l ON l.part_id = b.part_id AND l.lot_no = b.lot_no AND b.lot_no <> ''
     WHERE b.part_id = :p AND b.on_hand > 0
     ORDER BY b.location_id, b.lot_no
    """
)
_ADJUSTMENT = text("SELECT id FROM location WHERE kind = 'virtual' AND virtual_kind = 'adjustment' ORDER BY id LIMIT 1")


async def _move_stock(
    session: AsyncSession, principal: Principal, dup: Part, keep: Part, reason: str | None
) -> tuple[int, Decimal, int | None]:
    """Out at the ledger's own cost, then in at exactly that cost: the value carries over."""
    rows = list(await session.execute(_DUP_STOCK, {"p": dup.id}))
    if not rows:
        return 0, Decimal(0), None
    adjustment = (await session.execute(_ADJUSTMENT)).scalar_one()
    doc_ref = f"{dup.code}->{keep.code}"
    out = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=MERGE_DOC,
            doc_ref=doc_ref,
            reason=reason or "duplicate part merged",
            lines=[ledger.MoveLine(dup.id, r.location_id, adjustment, r.on_hand, lot_no=r.lot_no) for r in rows],
        ),
    )
    await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type=MERGE_DOC,
            doc_ref=doc_ref,
            reason=reason or "duplicate part merged",
            lines=[
                ledger.MoveLine(
                    keep.id,
                    adjustment,
                    r.location_id,
                    r.on_hand,
                    lot_no=r.lot_no,
                    unit_cost=move.unit_cost,
                    received_on=r.received_on,
                    expiry_date=r.expiry_date,
                )
                for r, move in zip(rows, out.moves, strict=True)
            ],
        ),
    )
    value = sum((m.quantity * m.unit_cost for m in out.moves), Decimal(0)).quantize(Decimal("0.01"))
    return len(rows), value, out.posting_id


@dataclass(frozen=True)
class Zombie:
    code: str
    name_zh: str
    name_en: str
    created_at: datetime
    last_move_at: datetime | None


_ZOMBIES = text(
    """
    SELECT p.code, p.name_zh, p.name_en, p.created_at, lm.last_move
      FROM part p
      LEFT JOIN LATERAL (SELECT max(m.created_at) AS last_move FROM stock_move m WHERE m.part_id = p.id) lm ON true
     WHERE p.active AND p.created_at < :cutoff AND (lm.last_move IS NULL OR lm.last_move < :cutoff)
       AND NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.part_id = p.id AND b.on_hand > 0)
     ORDER BY lm.last_move NULLS FIRST, p.code
    """
)


def cutoff_for(months: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=round(months * 30.44))


async def zombie_parts(session: AsyncSession, principal: Principal, months: int = 12) -> list[Zombie]:
    """Active codes with no stock and no movement for `months`: candidates for retirement."""
    ensure_can_maintain(principal)
    if not 1 <= months <= 240:
        raise DomainError(ErrorCode.INVALID_INPUT, "months must be between 1 and 240", ["months"])
    rows = await session.execute(_ZOMBIES, {"cutoff": cutoff_for(months)})
    return [Zombie(r.code, r.name_zh, r.name_en, r.created_at, r.last_move) for r in rows]


async def retire_parts(session: AsyncSession, principal: Principal, codes: list[str], months: int = 12) -> list[str]:
    """Deactivate the given codes that are still zombies (re-checked now, under lock)."""
    zombies = {z.code for z in await zombie_parts(session, principal, months)}
    chosen = sorted(zombies & {c.strip().upper() for c in codes})
    if chosen:
        await session.execute(
            text("UPDATE part SET active = false, updated_at = now() WHERE code = ANY(:c)"), {"c": chosen}
        )
    return chosen


COMPLETENESS_FIELDS = ("photo", "manual", "price", "supplier", "safety_stock")
_COMPLETENESS = text(
    """
    SELECT p.code, p.name_zh, p.name_en, p.category, p.abc_class,
           coalesce(p.photo_url, '') = '' AS photo,
           coalesce(p.manual_url, '') = '' AS manual,
           (p.purchase_price = 0 OR p.sale_price = 0) AS price,
           (p.primary_supplier_id IS NULL AND NOT EXISTS (SELECT 1 FROM supplier_part sp WHERE sp.part_id = p.id))
             AS supplier,
           NOT EXISTS (SELECT 1 FROM part_location_policy x WHERE x.part_id = p.id AND x.safety_stock > 0)
             AS safety_stock
      FROM part p WHERE p.active ORDER BY p.abc_class NULLS LAST, p.code
    """
)


@dataclass(frozen=True)
class Completeness:
    code: str
    name_zh: str
    name_en: str
    category: str
    abc_class: str | None
    missing: tuple[str, ...]

    @property
    def score(self) -> float:
        return 1 - len(self.missing) / len(COMPLETENESS_FIELDS)


async def completeness_report(
    session: AsyncSession, principal: Principal, only_incomplete: bool = True
) -> tuple[list[Completeness], dict[str, Any]]:
    """Per active part what is missing, and totals per field (A parts first: they matter most)."""
    ensure_can_maintain(principal)
    items: list[Completeness] = []
    totals = dict.fromkeys(COMPLETENESS_FIELDS, 0)
    count = 0
    for r in await session.execute(_COMPLETENESS):
        count += 1
        missing = tuple(f for f in COMPLETENESS_FIELDS if getattr(r, f))
        for f in missing:
            totals[f] += 1
        if missing or not only_incomplete:
            items.append(Completeness(r.code, r.name_zh, r.name_en, r.category, r.abc_class, missing))
    complete = count - sum(1 for i in items if i.missing)
    return items, {"parts": count, "complete": complete, "missing": totals}
