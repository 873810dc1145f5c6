"""Network-wide rebalancing: move surplus to shortages, sharing each lane's shipment cost across parts.

This module turns stock positions into excess and needs, prices the lanes, and turns solver flows
back into Decimal transfers grouped by lane; the heuristics themselves live in
:mod:`domain.transfers.optimize.flow`.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from domain.transfers.optimize.flow import FlowNetwork, LocalSearch, slope_scaling
from domain.transfers.optimize.model import (
    DEFAULT_COST_MODEL,
    CostModel,
    SourceKind,
    UnitScale,
    money,
    to_decimal,
)


class ShortageTarget(enum.StrEnum):
    """How far to fill a location that fell below its reorder point."""

    REORDER_POINT = "reorder_point"
    MAX_STOCK = "max_stock"


class ExcessReason(enum.StrEnum):
    ABOVE_MAX = "above_max"
    DEAD_STOCK = "dead_stock"


@dataclass(frozen=True, slots=True)
class StockPosition:
    """One part at one location, as the planner sees it; ``inbound`` is stock already on its way."""

    part: str
    location: str
    on_hand: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    max_stock: Decimal | None = None
    days_since_movement: int | None = None
    inbound: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Excess:
    part: str
    location: str
    quantity: Decimal
    reason: ExcessReason = ExcessReason.ABOVE_MAX


@dataclass(frozen=True, slots=True)
class Shortage:
    part: str
    location: str
    quantity: Decimal


def classify_positions(
    positions: Iterable[StockPosition],
    *,
    target: ShortageTarget = ShortageTarget.REORDER_POINT,
    dead_stock_days: int = 180,
) -> tuple[list[Excess], list[Shortage]]:
    """Split positions into movable surplus and needs, the inputs of :func:`rebalance_plan`.

    Dead stock (no movement for ``dead_stock_days``) is movable down to safety stock and is never
    treated as short: nobody is asking for it there. Otherwise a location holding more than its
    max stock (counting inbound) can release the surplus, never dipping below safety stock, and a
    location whose on-hand plus inbound is below its reorder point needs enough to reach ``target``
    (its max stock, or the reorder point if no max is set).
    """
    excess: list[Excess] = []
    shortages: list[Shortage] = []
    zero = Decimal(0)
    for p in positions:
        on_hand, inbound = to_decimal(p.on_hand), to_decimal(p.inbound)
        safety, rop = to_decimal(p.safety_stock), to_decimal(p.reorder_point)
        movable = max(zero, on_hand - safety)
        if p.days_since_movement is not None and p.days_since_movement >= dead_stock_days:
            if movable > 0:
                excess.append(Excess(p.part, p.location, movable, ExcessReason.DEAD_STOCK))
            continue
        position = on_hand + inbound
        if p.max_stock is not None and position > p.max_stock:
            surplus = min(position - to_decimal(p.max_stock), movable)
            if surplus > 0:
                excess.append(Excess(p.part, p.location, surplus, ExcessReason.ABOVE_MAX))
        elif position < rop:
            level = rop
            if target is ShortageTarget.MAX_STOCK and p.max_stock is not None:
                level = max(rop, to_decimal(p.max_stock))
            shortages.append(Shortage(p.part, p.location, level - position))
    return excess, shortages


@dataclass(frozen=True, slots=True)
class ProposedTransfer:
    part: str
    source: str
    destination: str
    quantity: Decimal
    cost_share: Decimal


@dataclass(frozen=True, slots=True)
class LaneShipment:
    """Everything going from one location to another in one shipment (or on the daily run)."""

    source: str
    destination: str
    distance_km: Decimal
    daily_run: bool
    quantity: Decimal
    fixed_cost: Decimal
    variable_cost: Decimal
    total_cost: Decimal
    transfers: tuple[ProposedTransfer, ...]


@dataclass(frozen=True, slots=True)
class UnmetNeed:
    part: str
    location: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class RebalancePlan:
    """Transfers grouped by lane; ``total_cost`` is transport and handling (no penalties)."""

    lanes: tuple[LaneShipment, ...]
    unmet: tuple[UnmetNeed, ...]
    units_moved: Decimal
    unmet_need: Decimal
    total_cost: Decimal
    shipments: int

    @property
    def transfers(self) -> tuple[ProposedTransfer, ...]:
        return tuple(t for lane in self.lanes for t in lane.transfers)


def _distance(distances: Mapping[tuple[str, str], Decimal | float | int], a: str, b: str) -> Decimal | None:
    value = distances.get((a, b))
    if value is None:
        value = distances.get((b, a))
    return None if value is None else to_decimal(value)


def _index_units(
    rows: Iterable[Excess] | Iterable[Shortage], scale: UnitScale, *, need: bool, label: str
) -> dict[tuple[str, str], int]:
    units: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.part, row.location)
        if key in units:
            raise ValueError(f"duplicate {label} for part {row.part} at {row.location}")
        quantity = to_decimal(row.quantity)
        if quantity < 0:
            raise ValueError(f"negative {label} for part {row.part} at {row.location}")
        units[key] = scale.ceil(quantity) if need else scale.floor(quantity)
    return units


class _Lanes:
    """Lazily prices the (source, destination) lanes that some part could actually use."""

    def __init__(
        self,
        locations: Sequence[str],
        distances: Mapping[tuple[str, str], Decimal | float | int],
        cost_model: CostModel,
        warehouses: Collection[str],
    ) -> None:
        self.locations = locations
        self.n = len(locations)
        self._index = {code: i for i, code in enumerate(locations)}
        self._distances = distances
        self._costs = cost_model
        self._warehouses = set(warehouses)
        self._unusable: set[int] = set()
        self.distance: dict[int, Decimal] = {}
        self.fixed: dict[int, Decimal] = {}
        self.unit: dict[int, Decimal] = {}
        self.daily_run: dict[int, bool] = {}

    def lane(self, src: str, dst: str) -> int | None:
        lane = self._index[src] * self.n + self._index[dst]
        if lane in self.distance:
            return lane
        if lane in self._unusable:
            return None
        km = _distance(self._distances, src, dst)
        if km is None:
            self._unusable.add(lane)
            return None
        daily_run = src in self._warehouses or dst in self._warehouses
        kind = SourceKind.WAREHOUSE if daily_run else SourceKind.STORE
        self.distance[lane] = km
        self.fixed[lane] = self._costs.shipment_fixed_cost(km, kind)
        self.unit[lane] = self._costs.unit_freight(km, kind) + self._costs.handling_cost_per_unit
        self.daily_run[lane] = daily_run
        return lane

    def endpoints(self, lane: int) -> tuple[str, str]:
        return self.locations[lane // self.n], self.locations[lane % self.n]

    def as_arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        fixed = np.zeros(max(1, self.n * self.n), dtype=np.float64)
        unit = np.zeros_like(fixed)
        for lane, value in self.fixed.items():
            fixed[lane] = float(value)
            unit[lane] = float(self.unit[lane])
        return fixed, unit


def _build_network(
    supply: Mapping[tuple[str, str], int],
    demand: Mapping[tuple[str, str], int],
    lanes: _Lanes,
    penalty: Decimal,
    scale: UnitScale,
) -> tuple[FlowNetwork, list[tuple[str, str]]]:
    """One node per (part, location) with stock to give or a need, one arc per usable pairing."""
    by_part_supply: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (part, loc), units in sorted(supply.items()):
        if units > 0:
            by_part_supply[part].append((loc, units))
    by_part_demand: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (part, loc), units in sorted(demand.items()):
        if units > 0:
            by_part_demand[part].append((loc, units))

    node_supply: list[int] = []
    node_key: list[tuple[str, str]] = []
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    arc_lane: list[int] = []
    part_nodes = [0]
    part_arcs = [0]
    for part in sorted(by_part_demand):
        dest_nodes = []
        for loc, units in by_part_demand[part]:
            dest_nodes.append((loc, units, len(node_supply)))
            node_supply.append(-units)
            node_key.append((part, loc))
        for src, available in by_part_supply.get(part, []):
            src_node = len(node_supply)
            node_supply.append(available)
            node_key.append((part, src))
            for dst, needed, dst_node in dest_nodes:
                lane = lanes.lane(src, dst)
                if lane is None:
                    continue
                tails.append(src_node)
                heads.append(dst_node)
                caps.append(min(available, needed))
                arc_lane.append(lane)
        part_nodes.append(len(node_supply))
        part_arcs.append(len(tails))
    slack = len(node_supply)
    for node, units in enumerate(node_supply):
        tails.append(node if units > 0 else slack)
        heads.append(slack if units > 0 else node)
        caps.append(abs(units))
    node_supply.append(-sum(node_supply))
    lane_fixed, lane_unit = lanes.as_arrays()
    network = FlowNetwork(
        tails=np.asarray(tails, dtype=np.int32),
        heads=np.asarray(heads, dtype=np.int32),
        capacities=np.asarray(caps, dtype=np.int64),
        arc_lane=np.asarray(arc_lane, dtype=np.int64),
        supplies=np.asarray(node_supply, dtype=np.int64),
        part_nodes=np.asarray(part_nodes, dtype=np.int64),
        part_arcs=np.asarray(part_arcs, dtype=np.int64),
        lane_fixed=lane_fixed,
        lane_unit=lane_unit,
        penalty_unit=float(penalty),
        factor=scale.factor,
    )
    return network, node_key


def rebalance_plan(
    excess: Sequence[Excess],
    shortages: Sequence[Shortage],
    distances: Mapping[tuple[str, str], Decimal | float | int],
    cost_model: CostModel = DEFAULT_COST_MODEL,
    *,
    warehouses: Collection[str] = (),
    precision: int = 0,
    max_rounds: int = 8,
    sweeps: int = 3,
) -> RebalancePlan:
    """Plan transfers from excess to shortages, minimising transport cost plus unmet-need penalty.

    ``distances`` holds km per (from, to) pair; a missing pair falls back to (to, from), and a pair
    missing both ways is not a usable lane. Lanes touching a warehouse ride its daily run (no
    shipment or per-km cost, only the per-unit run fee). Each (part, location) may appear at most
    once across both inputs; needs round up and excess rounds down to ``precision`` decimals.
    ``max_rounds`` (slope scaling) and ``sweeps`` (local search) trade time for plan cost; see
    :mod:`domain.transfers.optimize.flow`. Same input, same plan.
    """
    scale = UnitScale(precision)
    supply = _index_units(excess, scale, need=False, label="excess")
    demand = _index_units(shortages, scale, need=True, label="shortage")
    clash = supply.keys() & demand.keys()
    if clash:
        part, location = min(clash)
        raise ValueError(f"part {part} at {location} is listed both as excess and as shortage")
    if not any(demand.values()):
        return RebalancePlan((), (), Decimal(0), Decimal(0), Decimal(0), 0)

    locations = sorted({loc for _, loc in supply} | {loc for _, loc in demand})
    lanes = _Lanes(locations, distances, cost_model, warehouses)
    penalty = cost_model.unmet_penalty_per_unit
    network, node_key = _build_network(supply, demand, lanes, penalty, scale)
    if network.n_real:
        flows = slope_scaling(network, max_rounds)
        flows = LocalSearch(network, flows).run(sweeps)
    else:  # no usable lane at all: the solve just books every need as unmet
        flows = network.solve(network.lane_unit)
    return _build_plan(network, flows, node_key, lanes, scale)


def _build_plan(
    network: FlowNetwork,
    flows: npt.NDArray[np.int64],
    node_key: Sequence[tuple[str, str]],
    lanes: _Lanes,
    scale: UnitScale,
) -> RebalancePlan:
    """Turn arc flows into Decimal transfers whose cost shares add up exactly to each lane's cost."""
    per_lane: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for arc in np.flatnonzero(flows[: network.n_real]):
        part, _ = node_key[network.tails[arc]]
        per_lane[int(network.arc_lane[arc])].append((part, int(flows[arc])))

    shipments: list[LaneShipment] = []
    for lane in sorted(per_lane, key=lanes.endpoints):
        src, dst = lanes.endpoints(lane)
        items = sorted(per_lane[lane])
        units = sum(u for _, u in items)
        quantity = scale.to_quantity(units)
        unit_cost, fixed_cost = lanes.unit[lane], lanes.fixed[lane]
        fixed = money(fixed_cost)
        variable = money(unit_cost * quantity)
        total = fixed + variable
        shares = [money(unit_cost * scale.to_quantity(u) + fixed_cost * u / units) for _, u in items]
        # Hand the rounding remainder to the largest transfer so shares add up to the lane total.
        biggest = max(range(len(items)), key=lambda k: (items[k][1], -k))
        shares[biggest] += total - sum(shares, Decimal(0))
        transfers = tuple(
            ProposedTransfer(part, src, dst, scale.to_quantity(u), share)
            for (part, u), share in zip(items, shares, strict=True)
        )
        shipments.append(
            LaneShipment(
                source=src,
                destination=dst,
                distance_km=lanes.distance[lane],
                daily_run=lanes.daily_run[lane],
                quantity=quantity,
                fixed_cost=fixed,
                variable_cost=variable,
                total_cost=total,
                transfers=transfers,
            )
        )

    unmet = tuple(
        UnmetNeed(*node_key[node], scale.to_quantity(int(units)))
        for node, units in enumerate(network.unmet(flows))
        if units > 0
    )
    return RebalancePlan(
        lanes=tuple(shipments),
        unmet=tuple(sorted(unmet, key=lambda u: (u.part, u.location))),
        units_moved=sum((lane.quantity for lane in shipments), Decimal(0)),
        unmet_need=sum((u.quantity for u in unmet), Decimal(0)),
        total_cost=sum((lane.total_cost for lane in shipments), Decimal(0)),
        shipments=len(shipments),
    )
