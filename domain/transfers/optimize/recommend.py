"""Ranked transfer options for one part at one destination, solved as a small fixed-charge MIP.

Per candidate source ``i``: binary ``use_i`` (pays the per-shipment cost), integer ``qty_i`` in
solver units, and an integer ``below_rop_i`` for units taken from between its reorder point and
safety stock. Waiting is charged on when the *last* leg lands, since the job needs all the parts.
CP-SAT (one worker, presolve off: presolve alone costs more than solving) answers these models in
a few milliseconds, so a recommendation over ~26 sources stays far below 50 ms.

Diversity comes from re-solving the same model with side constraints rather than from heuristics:
the cheapest plan, the cheapest plan with the fewest shipments, the cheapest with the earliest
possible arrival, then "no-good" cuts that forbid every source set already offered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ortools.sat.python import cp_model

from domain.transfers.optimize.explain import ExplainContext, explain_option
from domain.transfers.optimize.model import (
    DEFAULT_COST_MODEL,
    DEFAULT_TRANSIT,
    MINUTES_PER_DAY,
    CostBreakdown,
    CostModel,
    SourceCandidate,
    Strategy,
    TransferLeg,
    TransferOption,
    TransitRules,
    UnitScale,
    arrival_day,
    hours_to_minutes,
    money,
    to_decimal,
)

# Objective coefficients are integers in 1/10,000 yuan per solver unit: exact for the cost model's
# usual two decimals, and small numbers keep CP-SAT's LP relaxation well conditioned.
_COST_RESOLUTION = 10_000
_SOLVER_TIME_LIMIT_S = 2.0


def _coefficient(yuan: Decimal) -> int:
    return int((yuan * _COST_RESOLUTION).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class _Source:
    index: int
    candidate: SourceCandidate
    usable: int
    comfortable: int
    minutes: int
    fixed_cost: Decimal
    unit_cost: Decimal
    below_rop_penalty: Decimal


_Allocation = tuple[tuple[int, int], ...]  # (source index, solver units), sorted by index


class _TransferMip:
    """Builds and solves the option MIP; a fresh CpModel per solve is cheaper than bookkeeping.

    Waiting is modelled as a staircase over the distinct arrival times (``late_k`` = "the last
    leg lands at or after level k", implied by using any source that slow) rather than one
    ``arrival >= minutes * use`` variable: same optimum, a tighter LP bound, fewer branches.
    """

    def __init__(self, sources: Sequence[_Source], target: int, costs: CostModel, scale: UnitScale) -> None:
        self.sources = sources
        self.target = target
        # Objective unit: 1/(_COST_RESOLUTION × factor) yuan, so per-solver-unit costs stay integral.
        factor = scale.factor
        self._fixed = [_coefficient(s.fixed_cost * factor) for s in sources]
        self._unit = [_coefficient(s.unit_cost) for s in sources]
        self._penalty = [_coefficient(s.below_rop_penalty) for s in sources]
        # Waiting: cost per unit-day × delivered units, charged on the latest arrival.
        self._wait_per_minute = costs.waiting_cost_per_unit_day * target / MINUTES_PER_DAY

    def objective(self, allocation: _Allocation) -> int:
        """The solver's own objective for an allocation, for the solver-free single-source case."""
        total = _coefficient(self._wait_per_minute * max(self.sources[i].minutes for i, _ in allocation))
        for i, units in allocation:
            below = max(0, units - self.sources[i].comfortable)
            total += self._fixed[i] + self._unit[i] * units + self._penalty[i] * below
        return total

    def cheapest_single(self) -> _Allocation | None:
        """With one shipment there is nothing to optimise jointly: just compare the sources."""
        singles = [((s.index, self.target),) for s in self.sources if s.usable >= self.target]
        return min(singles, key=lambda a: (self.objective(a), a), default=None)

    def solve(
        self,
        *,
        max_sources: int | None = None,
        max_minutes: int | None = None,
        excluded: Iterable[frozenset[int]] = (),
    ) -> _Allocation | None:
        model = cp_model.CpModel()
        active = [s for s in self.sources if max_minutes is None or s.minutes <= max_minutes]
        if not active:
            return None
        levels = sorted({s.minutes for s in active})
        late = [model.new_bool_var(f"late_{k}") for k in range(len(levels))]
        model.add(late[0] == 1)
        objective: list[cp_model.LinearExprT] = []
        for k in range(1, len(levels)):
            model.add_implication(late[k], late[k - 1])
            objective.append(_coefficient(self._wait_per_minute * (levels[k] - levels[k - 1])) * late[k])
        use: dict[int, cp_model.IntVar] = {}
        qty: dict[int, cp_model.IntVar] = {}
        for s in active:
            i = s.index
            # The tightest big-M (never more than the target) keeps the LP relaxation useful.
            most = min(s.usable, self.target)
            use[i] = model.new_bool_var(f"use_{i}")
            qty[i] = model.new_int_var(0, most, f"qty_{i}")
            model.add(qty[i] <= most * use[i])
            model.add(qty[i] >= use[i])
            model.add_implication(use[i], late[levels.index(s.minutes)])
            objective += [self._fixed[i] * use[i], self._unit[i] * qty[i]]
            if most > s.comfortable and self._penalty[i] > 0:
                below = model.new_int_var(0, most - s.comfortable, f"below_rop_{i}")
                model.add(below >= qty[i] - s.comfortable)
                objective.append(self._penalty[i] * below)
        model.add(sum(qty.values()) == self.target)
        if max_sources is not None:
            model.add(sum(use.values()) <= max_sources)
        for chosen in excluded:
            if not chosen <= use.keys():
                continue  # a set using a filtered-out source cannot recur anyway
            model.add_bool_or([use[i].Not() if i in chosen else use[i] for i in use])
        model.minimize(sum(objective))

        solver = _solver()
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return tuple((i, int(solver.value(var))) for i, var in sorted(qty.items()) if solver.value(var) > 0)


_local = threading.local()


def _solver() -> cp_model.CpSolver:
    """One CpSolver per thread: constructing one costs about a millisecond, as much as a solve."""
    solver: cp_model.CpSolver | None = getattr(_local, "solver", None)
    if solver is None:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1  # deterministic, and parallelism only adds overhead at this size
        params.random_seed = 0
        params.cp_model_presolve = False  # presolve costs ~6 ms; these models solve faster raw
        params.max_time_in_seconds = _SOLVER_TIME_LIMIT_S
        _local.solver = solver
    return solver


def _prepare(
    candidates: Sequence[SourceCandidate], costs: CostModel, scale: UnitScale, transit: TransitRules
) -> list[_Source]:
    codes = [c.location_code for c in candidates]
    if len(set(codes)) != len(codes):
        raise ValueError("source location codes must be unique")
    prepared: list[_Source] = []
    for candidate in sorted(candidates, key=lambda c: c.location_code):
        usable = scale.floor(candidate.usable)
        if usable <= 0:
            continue
        km, kind = candidate.distance_km, candidate.kind
        hours = candidate.transit_hours
        if hours is None:
            hours = transit.hours(km, kind)
        prepared.append(
            _Source(
                index=len(prepared),
                candidate=candidate,
                usable=usable,
                comfortable=min(usable, scale.floor(candidate.comfortable)),
                minutes=hours_to_minutes(hours),
                fixed_cost=costs.shipment_fixed_cost(km, kind),
                unit_cost=costs.unit_freight(km, kind) + costs.handling_cost_per_unit,
                below_rop_penalty=costs.below_reorder_point_penalty_per_unit,
            )
        )
    return prepared


def _fewest_sources(sources: Sequence[_Source], target: int) -> int:
    """Lower bound on shipments: the largest donors first."""
    covered = 0
    for count, units in enumerate(sorted((s.usable for s in sources), reverse=True), start=1):
        covered += units
        if covered >= target:
            return count
    return len(sources)


def _earliest_arrival(sources: Sequence[_Source], target: int) -> int:
    """Earliest moment by which enough stock can have arrived, taking the quickest sources first."""
    covered = 0
    for source in sorted(sources, key=lambda s: s.minutes):
        covered += source.usable
        if covered >= target:
            return source.minutes
    return max(s.minutes for s in sources)


@dataclass(frozen=True, slots=True)
class _Draft:
    legs: tuple[TransferLeg, ...]
    quantity: Decimal
    costs: CostBreakdown
    total: Decimal
    minutes: int


def _draft(allocation: _Allocation, sources: Sequence[_Source], costs: CostModel, scale: UnitScale) -> _Draft:
    """Recompute exact Decimal costs from the solver's quantities; solver costs are only for ranking."""
    legs: list[TransferLeg] = []
    units_total = sum(units for _, units in allocation)
    minutes = max(sources[i].minutes for i, _ in allocation)
    for i, units in allocation:
        s = sources[i]
        quantity = scale.to_quantity(units)
        below = scale.to_quantity(max(0, units - s.comfortable))
        freight = s.unit_cost - costs.handling_cost_per_unit
        transport = money(s.fixed_cost + freight * quantity)
        handling = money(costs.handling_cost_per_unit * quantity)
        depletion = money(s.below_rop_penalty * below)
        legs.append(
            TransferLeg(
                source=s.candidate,
                quantity=quantity,
                distance_km=s.candidate.distance_km,
                transport_cost=transport,
                handling_cost=handling,
                depletion_cost=depletion,
                cost=transport + handling + depletion,
                arrival_hours=money(Decimal(s.minutes) / 60),
                arrival_day=arrival_day(s.minutes),
                below_reorder_point=below,
            )
        )
    quantity = scale.to_quantity(units_total)
    waiting = money(costs.waiting_cost_per_unit_day * quantity * minutes / MINUTES_PER_DAY)
    breakdown = CostBreakdown(
        transport=sum((leg.transport_cost for leg in legs), Decimal(0)),
        handling=sum((leg.handling_cost for leg in legs), Decimal(0)),
        depletion=sum((leg.depletion_cost for leg in legs), Decimal(0)),
        waiting=waiting,
    )
    ordered = tuple(sorted(legs, key=lambda leg: (leg.distance_km, leg.source.location_code)))
    return _Draft(ordered, quantity, breakdown, breakdown.total, minutes)


def recommend_transfer(
    need_qty: Decimal | int | str,
    sources: Sequence[SourceCandidate],
    cost_model: CostModel = DEFAULT_COST_MODEL,
    max_options: int = 3,
    *,
    precision: int = 0,
    transit: TransitRules = DEFAULT_TRANSIT,
) -> list[TransferOption]:
    """Rank up to ``max_options`` distinct ways to cover ``need_qty`` from ``sources``.

    Never takes a source below its safety stock. When all usable stock together cannot cover the
    need, returns the single best partial option (everything spare) flagged ``partial``. Returns an
    empty list when the need is not positive or nobody has usable stock. ``precision`` is the
    number of decimal places the part is counted in (e.g. 1 for litres of oil to 0.1 l).
    """
    if max_options < 1:
        raise ValueError("max_options must be at least 1")
    need = to_decimal(need_qty)
    scale = UnitScale(precision)
    need_units = scale.exact(need)
    prepared = _prepare(sources, cost_model, scale, transit)
    if need_units <= 0 or not prepared:
        return []
    target = min(need_units, sum(s.usable for s in prepared))
    mip = _TransferMip(prepared, target, cost_model, scale)

    found: list[_Allocation] = []

    def remember(allocation: _Allocation | None) -> bool:
        if allocation is None:
            return False
        if allocation not in found:
            found.append(allocation)
        return True

    if not remember(mip.solve()):
        return []
    fewest = _fewest_sources(prepared, target)
    earliest = _earliest_arrival(prepared, target)
    if max_options > 1:
        if len(found[0]) > fewest:
            remember(mip.cheapest_single() if fewest == 1 else mip.solve(max_sources=fewest))
        if max(prepared[i].minutes for i, _ in found[0]) > earliest:
            remember(mip.solve(max_minutes=earliest))
        excluded = {frozenset(i for i, _ in allocation) for allocation in found}
        while len(found) < max_options:
            allocation = mip.solve(excluded=excluded)
            if not remember(allocation):
                break
            assert allocation is not None
            excluded.add(frozenset(i for i, _ in allocation))

    drafts = sorted(
        (_draft(allocation, prepared, cost_model, scale) for allocation in found),
        key=lambda d: (d.total, d.minutes, len(d.legs), tuple(leg.source.location_code for leg in d.legs)),
    )[:max_options]
    return _finalise(drafts, prepared, need, fewest, earliest)


def _finalise(
    drafts: Sequence[_Draft], prepared: Sequence[_Source], need: Decimal, fewest: int, earliest: int
) -> list[TransferOption]:
    cheapest = min(d.total for d in drafts)
    by_distance = sorted(prepared, key=lambda s: (s.candidate.distance_km, s.candidate.location_code))
    context = ExplainContext(
        need=need,
        cheapest_cost=cheapest,
        distance_rank={s.candidate.location_code: rank for rank, s in enumerate(by_distance, start=1)},
        earliest_minutes=earliest,
    )
    options: list[TransferOption] = []
    for rank, d in enumerate(drafts, start=1):
        strategies: list[Strategy] = []
        if d.total == cheapest:
            strategies.append(Strategy.CHEAPEST)
        if len(d.legs) == fewest:
            strategies.append(Strategy.FEWEST_SHIPMENTS)
        if d.minutes == earliest:
            strategies.append(Strategy.FASTEST)
        if not strategies:
            strategies.append(Strategy.ALTERNATIVE)
        explanation = explain_option(
            legs=d.legs,
            quantity=d.quantity,
            costs=d.costs,
            total=d.total,
            minutes=d.minutes,
            strategies=tuple(strategies),
            context=context,
        )
        options.append(
            TransferOption(
                rank=rank,
                legs=d.legs,
                need=need,
                quantity=d.quantity,
                costs=d.costs,
                total_cost=d.total,
                arrival_hours=money(Decimal(d.minutes) / 60),
                arrival_day=arrival_day(d.minutes),
                partial=d.quantity < need,
                shortfall=need - d.quantity,
                strategies=tuple(strategies),
                explanation=explanation,
            )
        )
    return options
