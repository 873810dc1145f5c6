"""Stock use cases for transports: move stock by codes, read stock levels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.policy import part_sql
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.stock import ledger
from domain.stock.policy import can_read_stock, ensure_can_move, ensure_can_move_between, visible_path_filter


@dataclass(frozen=True)
class MoveStockCommand:
    part_code: str
    from_location_code: str
    to_location_code: str
    quantity: Decimal
    lot_no: str = ""
    reason: str | None = None
    idempotency_key: str | None = None
    unit_cost: Decimal | None = None


# Resolves the codes in one round trip; the part is looked up as the principal sees it.
_RESOLVE = """
    SELECT (SELECT id FROM part p WHERE p.code = :part {part_scope}) AS part_id,
           src.id AS from_id, src.path AS from_path, src.kind = 'virtual' AS from_virtual,
           dst.id AS to_id, dst.path AS to_path, dst.kind = 'virtual' AS to_virtual
      FROM (SELECT 1) one
      LEFT JOIN location src ON src.code = :src
      LEFT JOIN location dst ON dst.code = :dst
"""


def _clean_code(value: str, field: str) -> str:
    code = value.strip().upper()
    if not code or len(code) > 40:
        raise DomainError(ErrorCode.INVALID_INPUT, "a code of 1 to 40 characters is required", [field])
    return code


async def move_stock(session: AsyncSession, principal: Principal, cmd: MoveStockCommand) -> ledger.PostingResult:
    """Checks run in an order that leaks nothing: the permission first (independent of any object),
    then each object as the principal sees it — a part or location outside its scope is "unknown"."""
    ensure_can_move(principal)
    part_code = _clean_code(cmd.part_code, "partCode")
    src = _clean_code(cmd.from_location_code, "fromLocationCode")
    dst = _clean_code(cmd.to_location_code, "toLocationCode")
    if cmd.idempotency_key is not None and not (1 <= len(cmd.idempotency_key) <= 200):
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-200 characters", ["idempotencyKey"])
    if cmd.reason is not None and len(cmd.reason) > 500:
        raise DomainError(ErrorCode.INVALID_INPUT, "reason is limited to 500 characters", ["reason"])
    if len(cmd.lot_no) > 64:
        raise DomainError(ErrorCode.INVALID_INPUT, "lot number is limited to 64 characters", ["lotNo"])
    part_scope, params = part_sql(principal, "p.id")
    statement = text(_RESOLVE.format(part_scope=part_scope))
    row = (await session.execute(statement, {"part": part_code, "src": src, "dst": dst, **params})).one()
    if row.part_id is None:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with code {part_code}", ["partCode"])
    # Virtual locations stand for the outside world and are known to everybody.
    if row.from_id is None or not (row.from_virtual or principal.sees_path(row.from_path)):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {src}", ["fromLocationCode"])
    if row.to_id is None or not (row.to_virtual or principal.sees_path(row.to_path)):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {dst}", ["toLocationCode"])
    ensure_can_move_between(
        principal, None if row.from_virtual else row.from_path, None if row.to_virtual else row.to_path
    )
    line = ledger.MoveLine(
        part_id=row.part_id,
        from_location_id=row.from_id,
        to_location_id=row.to_id,
        quantity=cmd.quantity,
        lot_no=cmd.lot_no,
        unit_cost=cmd.unit_cost,
        received_on=date.today(),
    )
    return await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type="manual_move",
            lines=[line],
            reason=cmd.reason,
            idempotency_key=cmd.idempotency_key,
        ),
    )


@dataclass(frozen=True, slots=True)
class LocationRow:
    """A location as read alongside stock: plain data, no ORM identity-map cost on the hot path."""

    id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    virtual_kind: str | None
    parent_id: int | None
    site_id: int | None
    path: str
    city: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    bin_capacity: int | None
    frozen_by: str | None
    active: bool


@dataclass(frozen=True)
class LotLevel:
    lot_no: str
    on_hand: Decimal
    reserved: Decimal
    received_on: date | None
    expiry_date: date | None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class StockLevel:
    part_id: int
    location_id: int
    location: LocationRow
    on_hand: Decimal
    reserved: Decimal
    lots: tuple[LotLevel, ...]

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


_STOCK_BY_PARTS = """
    SELECT b.part_id, b.location_id, b.lot_no, b.on_hand, b.reserved, l.received_on, l.expiry_date,
           loc.code, loc.name_zh, loc.name_en, loc.kind, loc.virtual_kind, loc.parent_id, loc.site_id, loc.path,
           loc.city, loc.latitude, loc.longitude, loc.address, loc.bin_capacity, loc.frozen_by, loc.active
      FROM stock_balance b
      JOIN location loc ON loc.id = b.location_id
      LEFT JOIN lot l ON l.part_id = b.part_id AND l.lot_no = b.lot_no
     WHERE b.part_id = ANY(:part_ids) AND b.on_hand > 0 {extra}
     ORDER BY b.part_id, loc.code, l.received_on NULLS FIRST, b.lot_no
"""


async def stock_levels_for_parts(
    session: AsyncSession,
    principal: Principal,
    part_ids: Sequence[int],
    location_codes: Sequence[str] | None = None,
) -> dict[int, list[StockLevel]]:
    """Stock per location for many parts in one statement (what a DataLoader batches), with the
    location rows themselves, so showing where the stock is costs no second query. Only locations
    and parts the principal sees are included; without stock access the answer is empty."""
    if not can_read_stock(principal):
        return {}
    params: dict[str, object] = {"part_ids": list(part_ids)}
    extra = ""
    if location_codes:
        extra += " AND loc.code = ANY(:codes)"
        params["codes"] = [code.strip().upper() for code in location_codes]
    scope_sql, scope_params = visible_path_filter(principal, "loc.path")
    part_scope, part_params = part_sql(principal, "b.part_id")
    extra += scope_sql + part_scope
    params.update(scope_params)
    params.update(part_params)
    rows = await session.execute(text(_STOCK_BY_PARTS.format(extra=extra)), params)
    grouped: dict[tuple[int, int], list[LotLevel]] = defaultdict(list)
    locations: dict[int, LocationRow] = {}
    for row in rows:
        if row.location_id not in locations:
            locations[row.location_id] = LocationRow(
                id=row.location_id,
                code=row.code,
                name_zh=row.name_zh,
                name_en=row.name_en,
                kind=row.kind,
                virtual_kind=row.virtual_kind,
                parent_id=row.parent_id,
                site_id=row.site_id,
                path=row.path,
                city=row.city,
                latitude=row.latitude,
                longitude=row.longitude,
                address=row.address,
                bin_capacity=row.bin_capacity,
                frozen_by=row.frozen_by,
                active=row.active,
            )
        grouped[(row.part_id, row.location_id)].append(
            LotLevel(row.lot_no, row.on_hand, row.reserved, row.received_on, row.expiry_date)
        )
    result: dict[int, list[StockLevel]] = defaultdict(list)
    for (part_id, location_id), lots in grouped.items():
        result[part_id].append(
            StockLevel(
                part_id=part_id,
                location_id=location_id,
                location=locations[location_id],
                on_hand=sum((lot.on_hand for lot in lots), Decimal(0)),
                reserved=sum((lot.reserved for lot in lots), Decimal(0)),
                lots=tuple(lots),
            )
        )
    return result
