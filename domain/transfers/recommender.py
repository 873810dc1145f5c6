"""`recommendTransfer`: ranked, explained ways to get a part to a location, from the database.

Builds the pure optimiser's inputs — per site the available stock (Σ over its bins of on hand −
reserved), its safety stock and reorder point (part_location_policy) and its road distance to the
destination (site_distance) — and hands them to :func:`domain.transfers.optimize.recommend_transfer`.
One statement plus a CP-SAT solve of a few milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import STOCK_HOLDING_KINDS, Location, LocationKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock.site_stock import SiteStock, site_stock
from domain.transfers import optimize
from domain.transfers.optimize import CostModel, SourceCandidate, SourceKind, TransferOption

# The optimiser counts in at most 4 decimal places; no part in practice needs more.
MAX_PRECISION = 4


@dataclass(frozen=True)
class Recommendation:
    part: Part
    destination: Location
    quantity: Decimal
    options: list[TransferOption]
    # Sites holding spare stock that no option can use because their distance is unknown.
    unreachable: list[SiteStock]
    sources: dict[str, SiteStock]


def candidate(stock: SiteStock) -> SourceCandidate:
    assert stock.distance_km is not None
    return SourceCandidate(
        location_code=stock.code,
        location_name=stock.name_en,
        available=max(Decimal(0), stock.available),
        safety_stock=stock.safety_stock,
        distance_km=stock.distance_km,
        kind=SourceKind.WAREHOUSE if stock.kind == LocationKind.WAREHOUSE else SourceKind.STORE,
        reorder_point=stock.reorder_point,
    )


async def recommend_transfer(
    session: AsyncSession,
    principal: Principal,
    part_code: str,
    to_location_code: str,
    quantity: Decimal,
    *,
    max_options: int = 3,
    cost_model: CostModel = optimize.DEFAULT_COST_MODEL,
) -> Recommendation:
    part = (await session.execute(select(Part).where(Part.code == part_code.strip().upper()))).scalar_one_or_none()
    if part is None:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with code {part_code.strip().upper()}", ["partCode"])
    code = to_location_code.strip().upper()
    destination = (await session.execute(select(Location).where(Location.code == code))).scalar_one_or_none()
    if destination is None or not principal.sees_path(destination.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", ["toLocation"])
    if destination.kind == LocationKind.VIRTUAL:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{code} is virtual; transfers go to stores", ["toLocation"])
    if destination.kind not in STOCK_HOLDING_KINDS or destination.site_id is None:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{code} does not hold stock", ["toLocation"])
    if not 1 <= max_options <= 10:
        raise DomainError(ErrorCode.INVALID_INPUT, "between 1 and 10 options can be asked for", ["maxOptions"])
    precision = min(part.uom_precision, MAX_PRECISION)
    need = validate_quantity(quantity, precision)

    stocks = (await site_stock(session, [part.id], destination.site_id)).get(part.id, [])
    others = [s for s in stocks if s.site_id != destination.site_id and s.usable > 0]
    reachable = [s for s in others if s.distance_km is not None]
    options = optimize.recommend_transfer(
        need, [candidate(s) for s in reachable], cost_model, max_options, precision=precision
    )
    return Recommendation(
        part=part,
        destination=destination,
        quantity=need,
        options=options,
        unreachable=[s for s in others if s.distance_km is None],
        sources={s.code: s for s in reachable},
    )
