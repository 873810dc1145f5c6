"""Planning use cases for transports: review suggestions, read forecasts and stocking levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, PartLocationPolicy, Supplier
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location
from domain.planning.models import DemandForecast, PolicyHistory, ReplenishmentSuggestion
from domain.principal import Principal, PrincipalKind, Role
from domain.quantities import validate_quantity

PRIORITIES = ("red", "orange", "yellow", "green")
_BUYERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.HQ_OPERATIONS, Role.ADMIN, Role.SYSTEM})


def ensure_can_decide(principal: Principal) -> None:
    """Buyers (store managers and above) decide on suggestions; staff, finance and suppliers read."""
    if principal.kind is PrincipalKind.CLIENT:
        if "purchasing:write" not in principal.scopes:
            raise DomainError(ErrorCode.FORBIDDEN, "the purchasing:write scope is required")
        return
    if not principal.roles & _BUYERS:
        raise DomainError(ErrorCode.FORBIDDEN, "your role may not decide on replenishment suggestions")


@dataclass(frozen=True)
class SuggestionFilter:
    priorities: Sequence[str] | None = None
    supplier_code: str | None = None
    location_code: str | None = None
    status: str | None = "open"
    source: str | None = None


def _scope(principal: Principal, stmt, location_column):  # type: ignore[no-untyped-def]
    """Only suggestions for locations inside the principal's subtrees."""
    if principal.location_paths is None:
        return stmt
    conditions = []
    for root in principal.location_paths:
        conditions += [Location.path == root, Location.path.startswith(root + "/", autoescape=True)]
    return stmt.where(location_column.in_(select(Location.id).where(or_(*conditions))))


async def list_suggestions(
    session: AsyncSession,
    principal: Principal,
    flt: SuggestionFilter,
    *,
    first: int,
    after: tuple[int, Decimal, int] | None,
) -> tuple[list[ReplenishmentSuggestion], bool, int]:
    """Ranked by priority, then by the probability of a stockout within the lead time; keyset pages
    on (priority rank, probability, id)."""
    stmt = select(ReplenishmentSuggestion)
    if flt.status:
        stmt = stmt.where(ReplenishmentSuggestion.status == flt.status)
    if flt.priorities:
        bad = [p for p in flt.priorities if p not in PRIORITIES]
        if bad:
            raise DomainError(ErrorCode.INVALID_INPUT, f"unknown priority {bad[0]!r}", ["filter", "priorities"])
        stmt = stmt.where(ReplenishmentSuggestion.priority.in_(list(flt.priorities)))
    if flt.source:
        stmt = stmt.where(ReplenishmentSuggestion.source == flt.source)
    if flt.supplier_code:
        stmt = stmt.where(
            ReplenishmentSuggestion.supplier_id.in_(
                select(Supplier.id).where(Supplier.code == flt.supplier_code.strip().upper())
            )
        )
    if flt.location_code:
        stmt = stmt.where(
            ReplenishmentSuggestion.location_id.in_(
                select(Location.id).where(Location.code == flt.location_code.strip().upper())
            )
        )
    stmt = _scope(principal, stmt, ReplenishmentSuggestion.location_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    ordered = stmt.order_by(
        ReplenishmentSuggestion.priority_rank,
        ReplenishmentSuggestion.stockout_probability.desc(),
        ReplenishmentSuggestion.id,
    )
    if after is not None:
        rank, prob, last_id = after
        stmt_after = ordered.where(
            or_(
                ReplenishmentSuggestion.priority_rank > rank,
                (ReplenishmentSuggestion.priority_rank == rank)
                & (
                    (ReplenishmentSuggestion.stockout_probability < prob)
                    | ((ReplenishmentSuggestion.stockout_probability == prob) & (ReplenishmentSuggestion.id > last_id))
                ),
            )
        )
    else:
        stmt_after = ordered
    page = list((await session.execute(stmt_after.limit(first + 1))).scalars())
    return page[:first], len(page) > first, total


async def decide_suggestions(
    session: AsyncSession,
    principal: Principal,
    ids: Sequence[int],
    *,
    approve: bool,
    quantities: dict[int, Decimal] | None = None,
) -> list[ReplenishmentSuggestion]:
    """Approve (optionally with edited quantities) or reject open suggestions, all or none."""
    ensure_can_decide(principal)
    if not ids:
        raise DomainError(ErrorCode.INVALID_INPUT, "no suggestions given", ["ids"])
    if len(ids) > 1000:
        raise DomainError(ErrorCode.INVALID_INPUT, "at most 1000 suggestions at once", ["ids"])
    rows = list(
        (
            await session.execute(
                _scope(principal, select(ReplenishmentSuggestion), ReplenishmentSuggestion.location_id)
                .where(ReplenishmentSuggestion.id.in_(list(ids)))
                .with_for_update()
            )
        ).scalars()
    )
    found = {row.id: row for row in rows}
    for n, sid in enumerate(ids):
        row = found.get(sid)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"suggestion {sid} not found", ["ids", str(n)])
        if row.status != "open":
            raise DomainError(ErrorCode.INVALID_STATE, f"suggestion {sid} is {row.status}, not open", ["ids", str(n)])
    precision = dict(
        (await session.execute(select(Part.id, Part.uom_precision).where(Part.id.in_([r.part_id for r in rows])))).all()
    )
    for row in rows:
        if approve and quantities and row.id in quantities:
            row.quantity = validate_quantity(quantities[row.id], precision[row.part_id], "quantity")
        row.status = "approved" if approve else "rejected"
        row.decided_by = principal.actor
        row.decided_at = func.now()
    await session.flush()
    return [found[i] for i in ids]


async def forecast_for(session: AsyncSession, part_id: int, location_id: int) -> DemandForecast | None:
    return await session.get(DemandForecast, (part_id, location_id))


async def policy_with_history(
    session: AsyncSession, part_id: int, location_id: int, limit: int = 50
) -> tuple[PartLocationPolicy | None, list[PolicyHistory]]:
    policy = await session.get(PartLocationPolicy, (part_id, location_id))
    history = list(
        (
            await session.execute(
                select(PolicyHistory)
                .where(PolicyHistory.part_id == part_id, PolicyHistory.location_id == location_id)
                .order_by(PolicyHistory.changed_at.desc(), PolicyHistory.id.desc())
                .limit(limit)
            )
        ).scalars()
    )
    return policy, history


async def pin_policy(
    session: AsyncSession,
    principal: Principal,
    part_id: int,
    location_id: int,
    *,
    safety_stock: Decimal,
    reorder_point: Decimal,
    max_stock: Decimal,
) -> PartLocationPolicy:
    """A buyer overrides the planned levels; the planning run leaves pinned levels alone."""
    ensure_can_decide(principal)
    for name, value in (("safetyStock", safety_stock), ("reorderPoint", reorder_point), ("maxStock", max_stock)):
        if value < 0 or not value.is_finite():
            raise DomainError(ErrorCode.INVALID_QUANTITY, "levels must be zero or more", [name])
    if not (safety_stock <= reorder_point <= max_stock):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "levels must satisfy safety stock ≤ reorder point ≤ max stock", ["reorderPoint"]
        )
    await session.execute(
        text(
            """
            INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, source)
            VALUES (:p, :l, :ss, :rop, :mx, 'pinned')
            ON CONFLICT (part_id, location_id) DO UPDATE SET safety_stock = :ss, reorder_point = :rop,
                   max_stock = :mx, source = 'pinned', updated_at = now()
            """
        ),
        {"p": part_id, "l": location_id, "ss": safety_stock, "rop": reorder_point, "mx": max_stock},
    )
    session.add(
        PolicyHistory(
            part_id=part_id,
            location_id=location_id,
            safety_stock=safety_stock,
            reorder_point=reorder_point,
            max_stock=max_stock,
            source="pinned",
            changed_by=principal.actor,
        )
    )
    await session.flush()
    policy = await session.get(PartLocationPolicy, (part_id, location_id), populate_existing=True)
    assert policy is not None
    return policy


async def mark_converted(session: AsyncSession, ids: Sequence[int], document_ref: str) -> None:
    await session.execute(
        update(ReplenishmentSuggestion)
        .where(ReplenishmentSuggestion.id.in_(list(ids)))
        .values(status="converted", document_ref=document_ref)
    )


def suggestion_cursor(row: ReplenishmentSuggestion) -> str:
    return f"{row.priority_rank}:{row.stockout_probability}:{row.id}"


def parse_suggestion_cursor(value: str) -> tuple[int, Decimal, int]:
    try:
        rank, prob, sid = value.split(":")
        return int(rank), Decimal(prob), int(sid)
    except (ValueError, ArithmeticError):
        raise DomainError(ErrorCode.INVALID_INPUT, "the `after` cursor is not valid", ["after"]) from None
