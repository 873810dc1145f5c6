"""`rebalancePlan`: move excess stock to where it is short, network-wide, at least transport cost.

Reads every (part, site) position in the scope in one statement — available stock (on hand −
reserved − what open requests already promise away), stock already inbound on open transfers,
the stocking policy and the last movement — lets the pure optimiser classify and plan it
(`classify_positions`, `rebalance_plan`), and stores the plan for review. A reviewed plan becomes
one transfer order per lane in one step; when the reviewer may approve a lane (and did not propose
the plan), its order is approved and reserved right away."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location, LocationKind
from domain.principal import Principal
from domain.transfers import optimize, policy
from domain.transfers.models import (
    OPEN_TRANSFER_STATUSES,
    PlanStatus,
    RebalanceLane,
    RebalancePlan,
    RebalancePlanLine,
    TransferOrder,
)
from domain.transfers.optimize import CostModel, ShortageTarget, StockPosition
from domain.transfers.service import approve, create_order, lane_of

ZERO = Decimal(0)
# Plans have thousands of lines: inserted through Core, without ORM unit-of-work bookkeeping.
_LANES = cast(Table, RebalanceLane.__table__)
_PLAN_LINES = cast(Table, RebalancePlanLine.__table__)
# Local-search sweeps after slope scaling. On the demo network (2,500 parts × 26 sites) one sweep
# lands within 0.5 % of three sweeps' cost in well under half the time, which keeps an interactive
# network plan within seconds; a nightly job may ask for more.
DEFAULT_SWEEPS = 1

_POSITIONS = text(
    """
    WITH sites AS (
        SELECT id FROM location
         WHERE kind IN ('store', 'warehouse') AND active AND (path = :scope OR path LIKE :scope_like)
    ), stock AS (
        SELECT b.part_id, loc.site_id, sum(b.on_hand - b.reserved) AS available, max(b.last_move_at) AS last_move_at
          FROM stock_balance b JOIN location loc ON loc.id = b.location_id JOIN sites ON sites.id = loc.site_id
         GROUP BY 1, 2
    ), policy AS (
        SELECT p.part_id, p.location_id AS site_id, p.safety_stock, p.reorder_point, p.max_stock
          FROM part_location_policy p JOIN sites ON sites.id = p.location_id
    ), open_lines AS (
        SELECT l.part_id, o.from_site_id, o.to_site_id, o.status, l.quantity,
               CASE WHEN o.shipping_closed THEN l.shipped ELSE l.quantity END - l.received - l.discrepancy AS inbound
          FROM transfer_line l JOIN transfer_order o ON o.id = l.transfer_order_id
         WHERE o.status = ANY(:open)
    ), inbound AS (
        SELECT part_id, to_site_id AS site_id, sum(inbound) AS q FROM open_lines GROUP BY 1, 2
    ), promised AS (
        -- Requested but not yet approved, so not reserved yet: do not offer that stock twice.
        SELECT part_id, from_site_id AS site_id, sum(quantity) AS q FROM open_lines WHERE status = 'requested'
         GROUP BY 1, 2
    ), positions AS (
        SELECT coalesce(p.part_id, s.part_id) AS part_id, coalesce(p.site_id, s.site_id) AS site_id,
               coalesce(s.available, 0) AS available, s.last_move_at, coalesce(p.safety_stock, 0) AS safety_stock,
               coalesce(p.reorder_point, 0) AS reorder_point, p.max_stock
          FROM policy p FULL JOIN stock s ON s.part_id = p.part_id AND s.site_id = p.site_id
    )
    SELECT k.part_id, k.site_id, k.available - coalesce(pr.q, 0) AS available, k.last_move_at, k.safety_stock,
           k.reorder_point, k.max_stock, coalesce(i.q, 0) AS inbound
      FROM positions k
      LEFT JOIN inbound i ON i.part_id = k.part_id AND i.site_id = k.site_id
      LEFT JOIN promised pr ON pr.part_id = k.part_id AND pr.site_id = k.site_id
     -- Only parts short somewhere can yield a transfer: skip the rest (a superset of the shortages
     -- classify_positions finds, which also leaves dead stock out).
     WHERE k.part_id IN (
        SELECT x.part_id FROM positions x LEFT JOIN inbound y ON y.part_id = x.part_id AND y.site_id = x.site_id
         WHERE x.available + coalesce(y.q, 0) < x.reorder_point
     )
    """
)

_SITES = text(
    """
    SELECT id, code, kind FROM location
     WHERE kind IN ('store', 'warehouse') AND active AND (path = :scope OR path LIKE :scope_like)
    """
)

_DISTANCES = text(
    """
    SELECT d.from_site_id, d.to_site_id, d.km FROM site_distance d
     WHERE d.from_site_id = ANY(:sites) AND d.to_site_id = ANY(:sites)
    """
)


def _like(path: str) -> str:
    return path.replace("%", r"\%").replace("_", r"\_") + "/%"


async def positions(
    session: AsyncSession, scope_path: str, now: datetime
) -> tuple[list[StockPosition], dict[int, str], dict[str, int], set[str]]:
    """The planner's view of every part at every site in scope, keyed by part id text and site code."""
    params = {"scope": scope_path, "scope_like": _like(scope_path)}
    sites = (await session.execute(_SITES, params)).all()
    code_of = {row.id: row.code for row in sites}
    result = []
    rows = await session.execute(_POSITIONS, {**params, "open": [s.value for s in OPEN_TRANSFER_STATUSES]})
    for row in rows:
        idle = None if row.last_move_at is None else (now - row.last_move_at).days
        result.append(
            StockPosition(
                part=str(row.part_id),
                location=code_of[row.site_id],
                on_hand=max(ZERO, row.available),
                safety_stock=row.safety_stock,
                reorder_point=row.reorder_point,
                max_stock=row.max_stock,
                days_since_movement=idle,
                inbound=row.inbound,
            )
        )
    warehouses = {row.code for row in sites if row.kind == LocationKind.WAREHOUSE}
    return result, code_of, {code: site_id for site_id, code in code_of.items()}, warehouses


async def propose_rebalance_plan(
    session: AsyncSession,
    principal: Principal,
    scope_code: str,
    *,
    target: ShortageTarget = ShortageTarget.REORDER_POINT,
    dead_stock_days: int = 180,
    cost_model: CostModel = optimize.DEFAULT_COST_MODEL,
    sweeps: int = DEFAULT_SWEEPS,
) -> RebalancePlan:
    """Plan the scope (company, region or a single site's surroundings) and store it for review."""
    code = scope_code.strip().upper()
    scope = (await session.execute(select(Location).where(Location.code == code))).scalar_one_or_none()
    if scope is None or not principal.sees_path(scope.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", ["scope"])
    if scope.kind not in (LocationKind.COMPANY, LocationKind.REGION):
        raise DomainError(ErrorCode.INVALID_LOCATION, "the scope is the company or a region", ["scope"])
    if not 30 <= dead_stock_days <= 3650:
        raise DomainError(ErrorCode.INVALID_INPUT, "dead stock is 30 to 3650 days without movement", ["deadStockDays"])
    policy.ensure_can_plan(principal, scope.path)

    started = time.perf_counter()
    now = datetime.now(UTC)
    stock, code_of, id_of, warehouses = await positions(session, scope.path, now)
    excess, shortages = optimize.classify_positions(stock, target=target, dead_stock_days=dead_stock_days)
    distances = {
        (code_of[row.from_site_id], code_of[row.to_site_id]): row.km
        for row in await session.execute(_DISTANCES, {"sites": list(code_of)})
    }
    # Whole units: a shipment carries bottles and boxes; fractional surplus below one unit stays.
    # Seconds of CPU: off the event loop, so the API keeps serving while a plan is solved.
    planned = await asyncio.to_thread(
        optimize.rebalance_plan,
        excess,
        shortages,
        distances,
        cost_model,
        warehouses=warehouses,
        precision=0,
        sweeps=sweeps,
    )
    solve_ms = int((time.perf_counter() - started) * 1000)

    plan = RebalancePlan(
        scope_id=scope.id,
        status=PlanStatus.PROPOSED.value,
        target=target.value,
        dead_stock_days=dead_stock_days,
        units_moved=planned.units_moved,
        unmet_need=planned.unmet_need,
        total_cost=planned.total_cost,
        shipments=planned.shipments,
        solve_ms=solve_ms,
        unmet=[
            {"part_id": int(u.part), "site_id": id_of[u.location], "quantity": str(u.quantity)} for u in planned.unmet
        ],
        created_by=principal.actor,
    )
    session.add(plan)
    await session.flush()
    if planned.lanes:
        lane_ids = (
            await session.execute(
                insert(_LANES).returning(_LANES.c.id, sort_by_parameter_order=True),
                [
                    {
                        "plan_id": plan.id,
                        "from_site_id": id_of[lane.source],
                        "to_site_id": id_of[lane.destination],
                        "distance_km": lane.distance_km,
                        "daily_run": lane.daily_run,
                        "quantity": lane.quantity,
                        "fixed_cost": lane.fixed_cost,
                        "variable_cost": lane.variable_cost,
                        "total_cost": lane.total_cost,
                    }
                    for lane in planned.lanes
                ],
            )
        ).scalars()
        reasons = {(e.part, e.location): e.reason.value for e in excess}
        await session.execute(
            insert(_PLAN_LINES),
            [
                {
                    "plan_id": plan.id,
                    "lane_id": lane_id,
                    "part_id": int(t.part),
                    "quantity": t.quantity,
                    "cost_share": t.cost_share,
                    "reason": reasons[(t.part, t.source)],
                    "excluded": False,
                }
                for lane, lane_id in zip(planned.lanes, lane_ids, strict=True)
                for t in lane.transfers
            ],
        )
    return plan


@dataclass(frozen=True)
class PlanLane:
    lane: RebalanceLane
    lines: list[RebalancePlanLine]


async def plan_lanes(session: AsyncSession, plan_ids: Sequence[int]) -> dict[int, list[PlanLane]]:
    lanes = list(
        (
            await session.execute(
                select(RebalanceLane).where(RebalanceLane.plan_id.in_(list(plan_ids))).order_by(RebalanceLane.id)
            )
        ).scalars()
    )
    lines: dict[int, list[RebalancePlanLine]] = defaultdict(list)
    for line in (
        await session.execute(
            select(RebalancePlanLine)
            .where(RebalancePlanLine.plan_id.in_(list(plan_ids)))
            .order_by(RebalancePlanLine.id)
        )
    ).scalars():
        lines[line.lane_id].append(line)
    result: dict[int, list[PlanLane]] = {}
    for lane in lanes:
        result.setdefault(lane.plan_id, []).append(PlanLane(lane, lines[lane.id]))
    return result


async def load_plan(
    session: AsyncSession, principal: Principal, plan_id: int, *, lock: bool = False
) -> tuple[RebalancePlan, Location]:
    stmt = select(RebalancePlan).where(RebalancePlan.id == plan_id)
    if lock:
        stmt = stmt.with_for_update()
    plan = (await session.execute(stmt)).scalar_one_or_none()
    scope = await session.get(Location, plan.scope_id) if plan else None
    if plan is None or scope is None or not principal.sees_path(scope.path) or not policy.has_read_role(principal):
        raise DomainError(ErrorCode.NOT_FOUND, "no such rebalance plan", ["planId"])
    return plan, scope


_MOVABLE = text(
    """
    SELECT b.part_id, loc.site_id, sum(b.on_hand - b.reserved) - coalesce(max(p.safety_stock), 0) AS movable
      FROM stock_balance b JOIN location loc ON loc.id = b.location_id
      LEFT JOIN part_location_policy p ON p.part_id = b.part_id AND p.location_id = loc.site_id
     WHERE b.part_id = ANY(:parts) AND loc.site_id = ANY(:sites)
     GROUP BY 1, 2
    """
)


@dataclass(frozen=True)
class PlanConversion:
    plan: RebalancePlan
    transfers: list[TransferOrder]
    replayed: bool


async def create_transfers_from_plan(
    session: AsyncSession,
    principal: Principal,
    plan_id: int,
    *,
    exclude_line_ids: Sequence[int] = (),
    idempotency_key: str | None = None,
) -> PlanConversion:
    """Turn a reviewed plan into one transfer order per lane, in one transaction.

    Lines the reviewer excluded are skipped; a line is trimmed to what its source can still spare
    above safety stock now (stock moves on while a plan waits for review)."""
    plan, scope = await load_plan(session, principal, plan_id, lock=True)
    if idempotency_key and plan.review_key == idempotency_key and plan.status == PlanStatus.ACCEPTED:
        created = (
            await session.execute(
                select(TransferOrder).where(TransferOrder.rebalance_plan_id == plan.id).order_by(TransferOrder.id)
            )
        ).scalars()
        return PlanConversion(plan, list(created), replayed=True)
    if plan.status != PlanStatus.PROPOSED:
        raise DomainError(ErrorCode.INVALID_STATE, f"plan {plan.number} is already {plan.status}")
    policy.ensure_can_plan(principal, scope.path)
    lanes = (await plan_lanes(session, [plan.id])).get(plan.id, [])
    known = {line.id for lane in lanes for line in lane.lines}
    unknown = sorted(set(exclude_line_ids) - known)
    if unknown:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"line {unknown[0]} is not part of {plan.number}", ["excludeLineIds"]
        )
    excluded = set(exclude_line_ids)

    part_ids = sorted({line.part_id for lane in lanes for line in lane.lines})
    site_ids = sorted({lane.lane.from_site_id for lane in lanes})
    movable: dict[tuple[int, int], Decimal] = {
        (row.part_id, row.site_id): row.movable
        for row in await session.execute(_MOVABLE, {"parts": part_ids, "sites": site_ids})
    }
    parts = {p.id: p for p in (await session.execute(select(Part).where(Part.id.in_(part_ids)))).scalars()}
    sites = {
        loc.id: loc
        for loc in (
            await session.execute(
                select(Location).where(
                    Location.id.in_(
                        {lane.lane.from_site_id for lane in lanes} | {lane.lane.to_site_id for lane in lanes}
                    )
                )
            )
        ).scalars()
    }

    orders: list[TransferOrder] = []
    for planned in lanes:
        lane = planned.lane
        policy.ensure_can_request(principal, sites[lane.to_site_id].path)
        lines: list[tuple[Part, Decimal]] = []
        for line in planned.lines:
            line.excluded = line.id in excluded
            key = (line.part_id, lane.from_site_id)
            quantity = ZERO if line.excluded else max(ZERO, min(line.quantity, movable.get(key, ZERO)))
            quantity = quantity.quantize(Decimal(1).scaleb(-parts[line.part_id].uom_precision), ROUND_FLOOR)
            line.ordered_quantity = quantity
            if quantity > ZERO:
                movable[key] = movable.get(key, ZERO) - quantity
                lines.append((parts[line.part_id], quantity))
        if not lines:
            continue
        order = await create_order(
            session,
            plan.created_by,
            sites[lane.from_site_id],
            sites[lane.to_site_id],
            lines,
            reason=f"rebalance plan {plan.number}",
            rebalance_plan_id=plan.id,
        )
        assert order is not None
        transfer_lane, _, _ = await lane_of(session, order)
        if policy.can_approve(principal, transfer_lane):
            await approve(session, principal, order, note=f"approved with the review of {plan.number}")
        lane.transfer_order_id = order.id
        orders.append(order)
    plan.status = PlanStatus.ACCEPTED.value
    plan.reviewed_by = principal.actor
    plan.reviewed_at = datetime.now(UTC)
    plan.review_key = idempotency_key
    await session.flush()
    return PlanConversion(plan, orders, replayed=False)


async def discard_rebalance_plan(session: AsyncSession, principal: Principal, plan_id: int) -> RebalancePlan:
    plan, scope = await load_plan(session, principal, plan_id, lock=True)
    if plan.status != PlanStatus.PROPOSED:
        raise DomainError(ErrorCode.INVALID_STATE, f"plan {plan.number} is already {plan.status}")
    policy.ensure_can_plan(principal, scope.path)
    plan.status = PlanStatus.DISCARDED.value
    plan.reviewed_by = principal.actor
    plan.reviewed_at = datetime.now(UTC)
    await session.flush()
    return plan


async def list_plans(
    session: AsyncSession, principal: Principal, *, first: int, after_id: int | None = None
) -> tuple[list[RebalancePlan], bool]:
    if not policy.has_read_role(principal):
        return [], False
    stmt = select(RebalancePlan, Location.path).join(Location, Location.id == RebalancePlan.scope_id)
    if after_id is not None:
        stmt = stmt.where(RebalancePlan.id < after_id)
    rows = (await session.execute(stmt.order_by(RebalancePlan.id.desc()).limit(first + 1))).all()
    visible = [plan for plan, path in rows if principal.sees_path(path)]
    return visible[:first], len(rows) > first
