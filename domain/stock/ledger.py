"""The one service through which every stock change passes.

A posting is validated, then applied in one transaction: the posting row claims the idempotency
key (a concurrent duplicate waits on the unique index and then replays), balance rows are changed
in a fixed (part, location, lot) order by one conditional statement each, so an oversell fails
instead of going negative and two postings never deadlock on each other's rows, and the moves are
inserted as immutable lines. Nothing is written when any line fails: the caller's transaction
rolls back."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import fetch_rows
from domain.errors import DomainError, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, LocationKind
from domain.principal import Principal
from domain.quantities import validate_quantity

ZERO = Decimal(0)


@dataclass(frozen=True)
class MoveLine:
    part_id: int
    from_location_id: int
    to_location_id: int
    quantity: Decimal
    lot_no: str = ""
    # Cost of goods entering from outside (supplier, adjustment); others are costed by the ledger.
    unit_cost: Decimal | None = None
    # Part of `quantity` that fulfils reservations at the source, so it may use reserved stock.
    consume_reserved: Decimal = ZERO
    received_on: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class Posting:
    doc_type: str
    lines: Sequence[MoveLine]
    doc_ref: str | None = None
    reason: str | None = None
    idempotency_key: str | None = None
    # Count adjustments post into locations their own count froze.
    frozen_by_allowed: str | None = None


@dataclass(frozen=True)
class PostedMove:
    id: int
    posting_id: int
    part_id: int
    lot_no: str
    quantity: Decimal
    from_location_id: int
    to_location_id: int
    unit_cost: Decimal
    doc_type: str
    doc_ref: str | None
    reason: str | None
    actor: str
    created_at: datetime

    @property
    def value(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PostingResult:
    posting_id: int
    moves: list[PostedMove]
    replayed: bool


@dataclass(frozen=True, slots=True)
class PartInfo:
    precision: int
    costing_method: str
    avg_cost: Decimal


@dataclass(frozen=True, slots=True)
class LocationInfo:
    code: str
    kind: str
    frozen_by: str | None
    active: bool

    @property
    def physical(self) -> bool:
        return self.kind in STOCK_HOLDING_KINDS


@dataclass(frozen=True)
class Facts:
    """The part and location facts a posting is checked against, when the caller has just read
    them in the same transaction (a use case resolving codes to ids reads them with the ids),
    which saves the ledger that round trip. Any id missing here is read as usual."""

    parts: dict[int, PartInfo]
    locations: dict[int, LocationInfo]


def request_hash(posting: Posting) -> str:
    """Fingerprint of what was asked, so a reused key with another payload is caught."""
    payload = {
        "doc_type": posting.doc_type,
        "doc_ref": posting.doc_ref,
        "lines": [
            [
                line.part_id,
                line.from_location_id,
                line.to_location_id,
                str(line.quantity.normalize()),
                line.lot_no,
                None if line.unit_cost is None else str(line.unit_cost.normalize()),
                str(line.consume_reserved.normalize()),
            ]
            for line in posting.lines
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


_LOAD_CONTEXT = """
    SELECT 'p' AS tag, id, uom_precision AS a, costing_method AS b, avg_cost AS c, NULL::text AS d, NULL::bool AS e
      FROM part WHERE id = ANY(:part_ids)
    UNION ALL
    SELECT 'l', id, NULL, kind, NULL, code || '|' || coalesce(frozen_by, ''), active
      FROM location WHERE id = ANY(:location_ids)
    """

_CLAIM_KEY = """
    INSERT INTO stock_posting (idempotency_key, request_hash, doc_type, doc_ref, reason, actor)
    VALUES (:key, :hash, :doc_type, :doc_ref, :reason, :actor)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
    """

_EXISTING_POSTING = text("SELECT id, request_hash FROM stock_posting WHERE idempotency_key = :key")

_TAKE = """
    UPDATE stock_balance
       SET on_hand = on_hand - CAST(:q AS numeric), reserved = reserved - CAST(:r AS numeric),
           last_move_at = now()
     WHERE part_id = :p AND location_id = :l AND lot_no = :lot
       AND on_hand - reserved >= CAST(:q AS numeric) - CAST(:r AS numeric) AND reserved >= CAST(:r AS numeric)
    RETURNING on_hand
    """

_PUT = """
    INSERT INTO stock_balance (part_id, location_id, lot_no, on_hand, reserved, last_move_at)
    VALUES (:p, :l, :lot, :q, 0, now())
    ON CONFLICT (part_id, location_id, lot_no)
    DO UPDATE SET on_hand = stock_balance.on_hand + excluded.on_hand, last_move_at = now()
    """

_AVAILABLE = """
    SELECT coalesce(sum(on_hand - reserved), 0) FROM stock_balance
     WHERE part_id = :p AND location_id = :l AND lot_no = :lot
    """

_MOVING_AVERAGE = text(
    """
    WITH inbound AS (
        SELECT part_id, sum(q) AS q, sum(q * c) AS v
          FROM unnest(CAST(:part_ids AS int[]), CAST(:quantities AS numeric[]), CAST(:costs AS numeric[]))
               AS t(part_id, q, c)
         GROUP BY part_id
    ), held AS (
        SELECT i.part_id, coalesce((SELECT sum(on_hand) FROM stock_balance b WHERE b.part_id = i.part_id), 0) AS q
          FROM inbound i
    )
    UPDATE part SET avg_cost = CASE WHEN h.q + i.q > 0
                                    THEN round((h.q * part.avg_cost + i.v) / (h.q + i.q), 6)
                                    ELSE part.avg_cost END
      FROM inbound i JOIN held h ON h.part_id = i.part_id
     WHERE part.id = i.part_id
    RETURNING part.id, part.avg_cost
    """
)

_UPSERT_LOTS = text(
    """
    INSERT INTO lot (part_id, lot_no, received_on, expiry_date, unit_cost)
    SELECT DISTINCT ON (part_id, lot_no) part_id, lot_no, received_on, expiry_date, unit_cost
      FROM unnest(CAST(:part_ids AS int[]), CAST(:lots AS text[]), CAST(:received AS date[]),
                  CAST(:expiry AS date[]), CAST(:costs AS numeric[]))
           AS t(part_id, lot_no, received_on, expiry_date, unit_cost)
     ORDER BY part_id, lot_no
    ON CONFLICT (part_id, lot_no) DO UPDATE
       SET expiry_date = coalesce(lot.expiry_date, excluded.expiry_date),
           unit_cost = coalesce(lot.unit_cost, excluded.unit_cost),
           received_on = least(lot.received_on, excluded.received_on)
    """
)

# Set-based variants for large postings (opening stock, imports): lock rows in key order first,
# then change them with one statement each way.
_LOCK_KEYS = text(
    """
    SELECT b.part_id FROM stock_balance b
      JOIN unnest(CAST(:p AS int[]), CAST(:l AS int[]), CAST(:lot AS text[])) AS k(p, l, lot)
        ON b.part_id = k.p AND b.location_id = k.l AND b.lot_no = k.lot
     ORDER BY b.part_id, b.location_id, b.lot_no
       FOR UPDATE OF b
    """
)

_TAKE_MANY = text(
    """
    UPDATE stock_balance b
       SET on_hand = b.on_hand - d.q, reserved = b.reserved - d.r, last_move_at = now()
      FROM unnest(CAST(:p AS int[]), CAST(:l AS int[]), CAST(:lot AS text[]),
                  CAST(:q AS numeric[]), CAST(:r AS numeric[])) AS d(p, l, lot, q, r)
     WHERE b.part_id = d.p AND b.location_id = d.l AND b.lot_no = d.lot
       AND b.on_hand - b.reserved >= d.q - d.r AND b.reserved >= d.r
    RETURNING b.part_id, b.location_id, b.lot_no
    """
)

_PUT_MANY = text(
    """
    INSERT INTO stock_balance (part_id, location_id, lot_no, on_hand, reserved, last_move_at)
    SELECT p, l, lot, q, 0, now()
      FROM unnest(CAST(:p AS int[]), CAST(:l AS int[]), CAST(:lot AS text[]), CAST(:q AS numeric[]))
           AS d(p, l, lot, q)
     ORDER BY p, l, lot
    ON CONFLICT (part_id, location_id, lot_no)
    DO UPDATE SET on_hand = stock_balance.on_hand + excluded.on_hand, last_move_at = now()
    """
)

# Up to this many balance rows a posting uses one statement per row; above, the set-based path.
_ROW_BY_ROW_LIMIT = 8

_LOT_COSTS = text("SELECT part_id, lot_no, unit_cost FROM lot WHERE part_id = ANY(:part_ids) AND unit_cost IS NOT NULL")

_INSERT_POSTING = """
    INSERT INTO stock_posting (idempotency_key, request_hash, doc_type, doc_ref, reason, actor)
    VALUES (NULL, NULL, :doc_type, :doc_ref, :reason, :actor) RETURNING id
    """

_INSERT_MOVES = """
    INSERT INTO stock_move (posting_id, part_id, lot_no, quantity, from_location_id, to_location_id,
                            unit_cost, currency, doc_type, doc_ref, reason, actor)
    SELECT :posting_id, m.part_id, m.lot_no, m.quantity, m.from_id, m.to_id, m.unit_cost, 'CNY',
           :doc_type, :doc_ref, :reason, :actor
      FROM unnest(CAST(:part_ids AS int[]), CAST(:lots AS text[]), CAST(:quantities AS numeric[]),
                  CAST(:from_ids AS int[]), CAST(:to_ids AS int[]), CAST(:costs AS numeric[]))
           WITH ORDINALITY AS m(part_id, lot_no, quantity, from_id, to_id, unit_cost, n)
     ORDER BY m.n
    RETURNING id, created_at
    """

_POSTING_MOVES = text(
    """
    SELECT id, posting_id, part_id, lot_no, quantity, from_location_id, to_location_id, unit_cost,
           doc_type, doc_ref, reason, actor, created_at
      FROM stock_move WHERE posting_id = :posting_id ORDER BY id
    """
)


async def post(
    session: AsyncSession, principal: Principal, posting: Posting, facts: Facts | None = None
) -> PostingResult:
    """Apply a posting inside the caller's transaction, or raise DomainError having written nothing
    that the caller's rollback would not undo.

    The statements run on the transaction's asyncpg connection (`domain.db.fetch_rows`): a manual
    move is a handful of short statements, and SQLAlchemy's per-statement work was a third of its
    CPU time."""
    if not posting.lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "a posting needs at least one line", ["lines"])
    parts, locations = await _load_context(session, posting.lines, facts)
    lines = _validate(posting, parts, locations)
    key = posting.idempotency_key
    digest = request_hash(posting) if key else None

    if key:
        claimed = await fetch_rows(
            session,
            _CLAIM_KEY,
            {
                "key": key,
                "hash": digest,
                "doc_type": posting.doc_type,
                "doc_ref": posting.doc_ref,
                "reason": posting.reason,
                "actor": principal.actor,
            },
        )
        if not claimed:
            return await _replay(session, key, digest)
        posting_id = claimed[0][0]
    else:
        inserted = await fetch_rows(
            session,
            _INSERT_POSTING,
            {
                "doc_type": posting.doc_type,
                "doc_ref": posting.doc_ref,
                "reason": posting.reason,
                "actor": principal.actor,
            },
        )
        posting_id = inserted[0][0]

    costs = await _unit_costs(session, lines, parts, locations)
    await _apply_balances(session, lines, locations)

    rows = await fetch_rows(
        session,
        _INSERT_MOVES,
        {
            "posting_id": posting_id,
            "part_ids": [line.part_id for line in lines],
            "lots": [line.lot_no for line in lines],
            "quantities": [line.quantity for line in lines],
            "from_ids": [line.from_location_id for line in lines],
            "to_ids": [line.to_location_id for line in lines],
            "costs": costs,
            "doc_type": posting.doc_type,
            "doc_ref": posting.doc_ref,
            "reason": posting.reason,
            "actor": principal.actor,
        },
    )
    moves = [
        PostedMove(
            id=row[0],
            posting_id=posting_id,
            part_id=line.part_id,
            lot_no=line.lot_no,
            quantity=line.quantity,
            from_location_id=line.from_location_id,
            to_location_id=line.to_location_id,
            unit_cost=cost,
            doc_type=posting.doc_type,
            doc_ref=posting.doc_ref,
            reason=posting.reason,
            actor=principal.actor,
            created_at=row[1],
        )
        for line, cost, row in zip(lines, costs, rows, strict=True)
    ]
    return PostingResult(posting_id=posting_id, moves=moves, replayed=False)


async def _load_context(
    session: AsyncSession, lines: Sequence[MoveLine], facts: Facts | None = None
) -> tuple[dict[int, PartInfo], dict[int, LocationInfo]]:
    part_ids = sorted({line.part_id for line in lines})
    location_ids = sorted({i for line in lines for i in (line.from_location_id, line.to_location_id)})
    if (
        facts is not None
        and all(i in facts.parts for i in part_ids)
        and all(i in facts.locations for i in location_ids)
    ):
        return facts.parts, facts.locations
    rows = await fetch_rows(session, _LOAD_CONTEXT, {"part_ids": part_ids, "location_ids": location_ids})
    parts: dict[int, PartInfo] = {}
    locations: dict[int, LocationInfo] = {}
    for tag, row_id, a, b, c, d, e in rows:
        if tag == "p":
            parts[row_id] = PartInfo(precision=a, costing_method=b, avg_cost=c)
        else:
            code, _, frozen = d.partition("|")
            locations[row_id] = LocationInfo(code=code, kind=b, frozen_by=frozen or None, active=e)
    return parts, locations


def _validate(posting: Posting, parts: dict[int, PartInfo], locations: dict[int, LocationInfo]) -> list[MoveLine]:
    checked: list[MoveLine] = []
    for n, line in enumerate(posting.lines):
        where = ["lines", str(n)]
        part = parts.get(line.part_id)
        if part is None:
            raise DomainError(ErrorCode.UNKNOWN_PART, f"part {line.part_id} does not exist", [*where, "part"])
        quantity = validate_quantity(line.quantity, part.precision, "quantity")
        consume = line.consume_reserved
        if consume < 0 or consume > quantity:
            raise DomainError(ErrorCode.INVALID_QUANTITY, "reserved consumption must be within the quantity", where)
        source = locations.get(line.from_location_id)
        target = locations.get(line.to_location_id)
        if source is None or target is None:
            missing = "fromLocation" if source is None else "toLocation"
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, "location does not exist", [*where, missing])
        if line.from_location_id == line.to_location_id:
            raise DomainError(ErrorCode.INVALID_LOCATION, "source and destination are the same", where)
        for info, name in ((source, "fromLocation"), (target, "toLocation")):
            if not info.active:
                raise DomainError(ErrorCode.INVALID_LOCATION, f"location {info.code} is inactive", [*where, name])
            if info.kind != LocationKind.VIRTUAL and not info.physical:
                raise DomainError(
                    ErrorCode.INVALID_LOCATION,
                    f"location {info.code} is a {info.kind} and cannot hold stock",
                    [*where, name],
                )
            if info.frozen_by and info.frozen_by != posting.frozen_by_allowed:
                raise DomainError(
                    ErrorCode.LOCATION_FROZEN,
                    f"location {info.code} is frozen by count {info.frozen_by} until the count closes",
                    [*where, name],
                )
        if not source.physical and not target.physical:
            raise DomainError(ErrorCode.INVALID_LOCATION, "a move needs at least one physical location", where)
        if line.unit_cost is not None and line.unit_cost < 0:
            raise DomainError(ErrorCode.INVALID_INPUT, "unit cost must not be negative", [*where, "unitCost"])
        if consume and not source.physical:
            raise DomainError(ErrorCode.INVALID_INPUT, "only physical stock can be reserved", where)
        checked.append(
            MoveLine(
                part_id=line.part_id,
                from_location_id=line.from_location_id,
                to_location_id=line.to_location_id,
                quantity=quantity,
                lot_no=line.lot_no.strip(),
                unit_cost=line.unit_cost,
                consume_reserved=consume,
                received_on=line.received_on,
                expiry_date=line.expiry_date,
            )
        )
    return checked


async def _unit_costs(
    session: AsyncSession,
    lines: list[MoveLine],
    parts: dict[int, PartInfo],
    locations: dict[int, LocationInfo],
) -> list[Decimal]:
    """Inbound goods with a price set the cost (and roll the moving average); everything else
    leaves at the FIFO lot cost or the moving average, per the part's costing method."""
    averages = {part_id: info.avg_cost for part_id, info in parts.items()}
    inbound = [line for line in lines if not locations[line.from_location_id].physical and line.unit_cost is not None]
    if inbound:
        rows = await session.execute(
            _MOVING_AVERAGE,
            {
                "part_ids": [line.part_id for line in inbound],
                "quantities": [line.quantity for line in inbound],
                "costs": [line.unit_cost for line in inbound],
            },
        )
        averages.update({row.id: row.avg_cost for row in rows})
        lotted = [line for line in inbound if line.lot_no]
        if lotted:
            today = date.today()
            await session.execute(
                _UPSERT_LOTS,
                {
                    "part_ids": [line.part_id for line in lotted],
                    "lots": [line.lot_no for line in lotted],
                    "received": [line.received_on or today for line in lotted],
                    "expiry": [line.expiry_date for line in lotted],
                    "costs": [line.unit_cost for line in lotted],
                },
            )
    lot_costs: dict[tuple[int, str], Decimal] = {}
    fifo_parts = sorted(
        {line.part_id for line in lines if line.lot_no and parts[line.part_id].costing_method == "fifo"}
    )
    if fifo_parts:
        rows = await session.execute(_LOT_COSTS, {"part_ids": fifo_parts})
        lot_costs = {(row.part_id, row.lot_no): row.unit_cost for row in rows}
    costs: list[Decimal] = []
    for line in lines:
        if line.unit_cost is not None and not locations[line.from_location_id].physical:
            costs.append(line.unit_cost)
        elif (line.part_id, line.lot_no) in lot_costs:
            costs.append(lot_costs[(line.part_id, line.lot_no)])
        else:
            costs.append(averages[line.part_id] if averages[line.part_id] is not None else ZERO)
    return costs


async def _apply_balances(session: AsyncSession, lines: list[MoveLine], locations: dict[int, LocationInfo]) -> None:
    deltas: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    consumed: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        if locations[line.from_location_id].physical:
            key = (line.part_id, line.from_location_id, line.lot_no)
            deltas[key] -= line.quantity
            consumed[key] += line.consume_reserved
        if locations[line.to_location_id].physical:
            deltas[(line.part_id, line.to_location_id, line.lot_no)] += line.quantity
    if len(deltas) > _ROW_BY_ROW_LIMIT:
        await _apply_balances_set_based(session, deltas, consumed, locations)
        return
    for key in sorted(deltas):
        part_id, location_id, lot_no = key
        delta = deltas[key]
        reserved = consumed.get(key, ZERO)
        if delta < 0 or reserved:
            take = -delta
            where = {"p": part_id, "l": location_id, "lot": lot_no}
            taken = await fetch_rows(session, _TAKE, {**where, "q": take, "r": reserved})
            if not taken:
                available = (await fetch_rows(session, _AVAILABLE, where))[0][0]
                lot_text = f" lot {lot_no}" if lot_no else ""
                raise DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"only {available.normalize():f} available at {locations[location_id].code}{lot_text}, "
                    f"{take.normalize():f} requested",
                    ["quantity"],
                )
        elif delta > 0:
            await fetch_rows(session, _PUT, {"p": part_id, "l": location_id, "lot": lot_no, "q": delta})


async def _apply_balances_set_based(
    session: AsyncSession,
    deltas: dict[tuple[int, int, str], Decimal],
    consumed: dict[tuple[int, int, str], Decimal],
    locations: dict[int, LocationInfo],
) -> None:
    keys = sorted(deltas)
    await session.execute(
        _LOCK_KEYS, {"p": [k[0] for k in keys], "l": [k[1] for k in keys], "lot": [k[2] for k in keys]}
    )
    takes = [k for k in keys if deltas[k] < 0 or consumed.get(k)]
    if takes:
        rows = await session.execute(
            _TAKE_MANY,
            {
                "p": [k[0] for k in takes],
                "l": [k[1] for k in takes],
                "lot": [k[2] for k in takes],
                "q": [-deltas[k] if deltas[k] < 0 else ZERO for k in takes],
                "r": [consumed.get(k, ZERO) for k in takes],
            },
        )
        done = {(row.part_id, row.location_id, row.lot_no) for row in rows}
        for key in takes:
            if key not in done:
                part_id, location_id, lot_no = key
                where = {"p": part_id, "l": location_id, "lot": lot_no}
                available = (await fetch_rows(session, _AVAILABLE, where))[0][0]
                raise DomainError(
                    ErrorCode.INSUFFICIENT_STOCK,
                    f"only {available.normalize():f} available at {locations[location_id].code}"
                    f"{' lot ' + lot_no if lot_no else ''}, {(-deltas[key]).normalize():f} requested",
                    ["quantity"],
                )
    puts = [k for k in keys if deltas[k] > 0]
    if puts:
        await session.execute(
            _PUT_MANY,
            {
                "p": [k[0] for k in puts],
                "l": [k[1] for k in puts],
                "lot": [k[2] for k in puts],
                "q": [deltas[k] for k in puts],
            },
        )


async def _replay(session: AsyncSession, key: str, digest: str | None) -> PostingResult:
    existing = (await session.execute(_EXISTING_POSTING, {"key": key})).one()
    if existing.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "this idempotency key was already used for a different request",
            ["idempotencyKey"],
        )
    rows = await session.execute(_POSTING_MOVES, {"posting_id": existing.id})
    moves = [PostedMove(**row._mapping) for row in rows]
    return PostingResult(posting_id=existing.id, moves=moves, replayed=True)
