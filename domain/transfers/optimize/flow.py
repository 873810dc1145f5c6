"""Fixed-charge multi-part flow heuristics behind :func:`rebalance_plan`.

Exact formulation: a multi-commodity fixed-charge transportation problem. Every unit pays its
lane's per-unit price, every lane that carries anything pays the shipment cost once however many
parts ride on it, and unmet need pays a large penalty. That shared lane cost is what a network plan
gains over fixing shortages part by part, and it makes the problem a MIP far too large to solve
exactly in seconds at 2,500 parts × 26 locations.

1. Dynamic slope scaling (Kim & Pardalos, 1999): price each lane's fixed cost as a per-unit
   surcharge ``fixed / flow`` using what the lane carried in the previous round, and solve all
   parts at once as one OR-tools min-cost flow (parts are disjoint components of a single graph, so
   a round is one C++ call). Busy lanes get cheaper, so parts drift onto lanes open anyway.
2. Local search on the best round, re-solving small groups of parts with lanes that others keep
   open priced as sunk: close each open lane (its parts re-routed without it), open each idle
   lane (every part that could use it re-solved as if it were paid for), then re-solve each part
   alone. A move is kept only if the true plan cost drops, so the result is never worse than step
   1; on instances small enough to solve exactly (CP-SAT, 100 parts × 12 locations) this closes
   the slope-scaling gap from about 5 % to under 0.5 % of transport cost on average.

Everything runs in a fixed order with a fixed number of rounds and sweeps: same input, same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Arc costs handed to the min-cost flow are integers in fen (1/100 yuan) per part unit.
_FEN = 100
_EPSILON = 1e-6


@dataclass
class FlowNetwork:
    """All parts in one graph: one node per (part, location), real arcs grouped by part.

    Nodes and real arcs of part ``p`` are the contiguous ranges ``part_nodes[p]:part_nodes[p+1]``
    and ``part_arcs[p]:part_arcs[p+1]``. After the ``n_real`` real arcs comes one slack arc per
    node (excess → slack is free: stock stays; slack → need pays the unmet penalty); the slack node
    is the last node.
    """

    tails: npt.NDArray[np.int32]
    heads: npt.NDArray[np.int32]
    capacities: IntArray
    arc_lane: IntArray  # lane of each real arc
    supplies: IntArray  # per node including the slack node
    part_nodes: IntArray
    part_arcs: IntArray
    lane_fixed: FloatArray  # yuan per shipment
    lane_unit: FloatArray  # yuan per part unit
    penalty_unit: float  # yuan per part unit of unmet need
    factor: int  # solver units per part unit
    arc_part: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.arc_part = np.repeat(np.arange(len(self.part_arcs) - 1), np.diff(self.part_arcs))

    @property
    def n_real(self) -> int:
        return len(self.arc_lane)

    @property
    def n_nodes(self) -> int:
        return len(self.supplies) - 1

    def slack_costs(self) -> IntArray:
        return np.where(self.supplies[:-1] < 0, round(self.penalty_unit * _FEN), 0).astype(np.int64)

    def solve(self, lane_price: FloatArray) -> IntArray:
        """Min-cost flow of every part at once with the given per-unit lane prices."""
        real = np.rint(lane_price[self.arc_lane] * _FEN).astype(np.int64)
        costs = np.concatenate([real, self.slack_costs()])
        return _solve(self.tails, self.heads, self.capacities, costs, self.supplies)

    def lane_flows(self, flows: IntArray) -> IntArray:
        loads = np.bincount(self.arc_lane, weights=flows[: self.n_real], minlength=len(self.lane_fixed))
        return loads.astype(np.int64)

    def unmet(self, flows: IntArray) -> IntArray:
        """Units of each need node left uncovered (zero for excess nodes)."""
        return np.where(self.supplies[:-1] < 0, flows[self.n_real :], 0)

    def cost(self, flows: IntArray) -> float:
        """True plan cost in yuan: fixed cost per open lane, per-unit prices, unmet penalty."""
        loads = self.lane_flows(flows)
        variable = float(self.lane_unit @ loads) + self.penalty_unit * float(self.unmet(flows).sum())
        return float(self.lane_fixed[loads > 0].sum()) + variable / self.factor


def _solve(
    tails: npt.NDArray[np.int32],
    heads: npt.NDArray[np.int32],
    caps: IntArray,
    costs: IntArray,
    supplies: IntArray,
) -> IntArray:
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return np.asarray(smcf.flows(arcs), dtype=np.int64)


def slope_scaling(network: FlowNetwork, max_rounds: int) -> IntArray:
    """Best flows over the slope-scaling rounds (stops early once lane loads repeat)."""
    capacity = network.lane_flows(network.capacities) / network.factor
    slope = network.lane_unit + np.divide(network.lane_fixed, capacity, out=np.zeros_like(capacity), where=capacity > 0)
    best = network.solve(slope)
    best_cost = network.cost(best)
    previous = network.lane_flows(best)
    for _ in range(max_rounds):
        carried = previous / network.factor
        used = carried > 0
        slope = slope.copy()
        slope[used] = network.lane_unit[used] + network.lane_fixed[used] / carried[used]
        flows = network.solve(slope)
        cost = network.cost(flows)
        if cost < best_cost - _EPSILON:
            best, best_cost = flows, cost
        loads = network.lane_flows(flows)
        if np.array_equal(loads, previous):
            break
        previous = loads
    return best


class LocalSearch:
    """Re-solves small groups of parts against everyone else's lanes, keeping only improvements.

    A move is retried in a later sweep only if the load of a lane it touches changed since it was
    last tried; otherwise the re-solve would provably return the same answer.
    """

    def __init__(self, network: FlowNetwork, flows: IntArray) -> None:
        self.net = network
        self.flows = flows.copy()
        self.loads = network.lane_flows(flows)
        self._local = np.full(network.n_nodes, -1, dtype=np.int32)
        self._slack_costs = network.slack_costs()
        self._clock = 1
        self._changed = np.zeros(len(network.lane_fixed), dtype=np.int64)
        self._tried: dict[tuple[str, int], int] = {}
        by_lane = np.argsort(network.arc_lane, kind="stable")
        bounds = np.searchsorted(network.arc_lane[by_lane], np.arange(len(network.lane_fixed) + 1))
        self._lane_arcs = [by_lane[bounds[k] : bounds[k + 1]] for k in range(len(network.lane_fixed))]

    def run(self, sweeps: int) -> IntArray:
        for _ in range(sweeps):
            improved = self._close_lanes()
            improved = self._open_lanes() or improved
            improved = self._reoptimise_parts() or improved
            if not improved:
                break
        return self.flows

    def _close_lanes(self) -> bool:
        net = self.net
        candidates = np.flatnonzero((self.loads > 0) & (net.lane_fixed > 0))
        improved = False
        for lane in sorted(candidates.tolist(), key=lambda k: (int(self.loads[k]), k)):
            if self.loads[lane] == 0:
                continue
            arcs = self._lane_arcs[lane]
            parts = np.unique(net.arc_part[arcs[self.flows[arcs] > 0]])
            improved = self._try(("close", lane), parts.tolist(), forbidden=lane) or improved
        return improved

    def _open_lanes(self) -> bool:
        """Try each idle lane as if already paid for, re-solving every part that could use it."""
        net = self.net
        idle = np.flatnonzero((self.loads == 0) & (net.lane_fixed > 0))
        improved = False
        for lane in idle.tolist():
            parts = np.unique(net.arc_part[self._lane_arcs[lane]])
            if len(parts):
                improved = self._try(("open", lane), parts.tolist(), opened=lane) or improved
        return improved

    def _reoptimise_parts(self) -> bool:
        improved = False
        for part in range(len(self.net.part_arcs) - 1):
            if self.net.part_arcs[part + 1] > self.net.part_arcs[part]:
                improved = self._try(("part", part), [part]) or improved
        return improved

    def _try(self, move: tuple[str, int], parts: Sequence[int], *, forbidden: int = -1, opened: int = -1) -> bool:
        """Re-solve ``parts`` with one lane shut or priced as open; commit if the plan gets cheaper."""
        net = self.net
        arcs = np.concatenate([np.arange(net.part_arcs[p], net.part_arcs[p + 1]) for p in parts])
        lanes = net.arc_lane[arcs]
        touched, lane_pos = np.unique(lanes, return_inverse=True)
        last_try = self._tried.get(move)
        self._tried[move] = self._clock
        if last_try is not None and self._changed[touched].max() < last_try:
            return False
        nodes = np.concatenate([np.arange(net.part_nodes[p], net.part_nodes[p + 1]) for p in parts])
        old = self.flows[arcs]
        before = self.loads[touched]
        residual = before - _per_lane(lane_pos, old, len(touched))

        # Lanes others keep open are sunk: only the per-unit price. A closed lane is priced as if
        # this arc alone filled it, which is optimistic; the exact cost check below decides.
        caps = net.capacities[arcs].copy()
        caps[lanes == forbidden] = 0
        sunk = (residual[lane_pos] > 0) | (lanes == opened)
        surcharge = net.lane_fixed[lanes] * net.factor / np.maximum(caps, 1)
        price = net.lane_unit[lanes] + np.where(sunk, 0.0, surcharge)
        local = self._local
        local[nodes] = np.arange(len(nodes), dtype=np.int32)
        slack = len(nodes)
        supplies = net.supplies[nodes]
        is_need = supplies < 0
        tails = np.concatenate([local[net.tails[arcs]], np.where(is_need, slack, np.arange(slack))])
        heads = np.concatenate([local[net.heads[arcs]], np.where(is_need, np.arange(slack), slack)])
        new_all = _solve(
            tails.astype(np.int32),
            heads.astype(np.int32),
            np.concatenate([caps, np.abs(supplies)]),
            np.concatenate([np.rint(price * _FEN).astype(np.int64), self._slack_costs[nodes]]),
            np.append(supplies, -supplies.sum()),
        )
        local[nodes] = -1
        new = new_all[: len(arcs)]
        new_unmet = int(new_all[len(arcs) :][is_need].sum())
        old_unmet = int(self.flows[net.n_real + nodes][is_need].sum())

        after = residual + _per_lane(lane_pos, new, len(touched))
        switched = (after > 0).astype(np.float64) - (before > 0)
        unmet_change = net.penalty_unit * (new_unmet - old_unmet)
        variable = float(net.lane_unit[touched] @ (after - before)) + unmet_change
        delta = float(net.lane_fixed[touched] @ switched) + variable / net.factor
        if delta >= -_EPSILON:
            return False
        self.flows[arcs] = new
        self.flows[net.n_real + nodes] = new_all[len(arcs) :]
        self.loads[touched] = after
        self._changed[touched[after != before]] = self._clock
        self._clock += 1
        self._tried[move] = self._clock
        return True


def _per_lane(lane_pos: IntArray, flows: IntArray, n_lanes: int) -> IntArray:
    return np.bincount(lane_pos, weights=flows, minlength=n_lanes).astype(np.int64)
