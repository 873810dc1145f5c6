"""Tests for the transfer optimisation core: ranked single-need options and network rebalancing."""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.transfers.optimize import (
    DEFAULT_COST_MODEL,
    DEFAULT_TRANSIT,
    CostModel,
    Excess,
    ExcessReason,
    RebalancePlan,
    Shortage,
    ShortageTarget,
    SourceCandidate,
    SourceKind,
    StockPosition,
    Strategy,
    TransferOption,
    classify_positions,
    rebalance_plan,
    recommend_transfer,
)
from domain.transfers.synthetic import synthetic_network

D = Decimal


def store(code: str, usable: int, km: str, *, safety: int = 4, **kwargs: object) -> SourceCandidate:
    return SourceCandidate(code, f"Store {code}", D(usable + safety), D(safety), D(km), **kwargs)  # type: ignore[arg-type]


def brake_pad_sources() -> list[SourceCandidate]:
    """Beijing store 1 asks for 20 brake pads; usable stock is what sits above safety stock."""
    return [
        SourceCandidate("BJ02", "Beijing Store 2", D(20), D(5), D(8)),
        SourceCandidate("BJ03", "Beijing Store 3", D(40), D(10), D(15)),
        SourceCandidate("TJ01", "Tianjin Store", D(60), D(10), D(120)),
        SourceCandidate("CW01", "Central Warehouse", D(230), D(30), D(180), kind=SourceKind.WAREHOUSE),
    ]


def legs_of(option: TransferOption) -> list[tuple[str, Decimal]]:
    return [(leg.source.location_code, leg.quantity) for leg in option.legs]


# --- recommend_transfer -------------------------------------------------------------------------


def test_brake_pad_example_ranks_split_then_single_store_then_warehouse() -> None:
    options = recommend_transfer(20, brake_pad_sources(), DEFAULT_COST_MODEL, max_options=3)

    assert [legs_of(o) for o in options] == [
        [("BJ02", D(15)), ("BJ03", D(5))],
        [("BJ03", D(20))],
        [("CW01", D(20))],
    ]
    assert [o.rank for o in options] == [1, 2, 3]
    assert [o.total_cost for o in options] == [D("273.25"), D("286.25"), D("360.00")]
    assert [o.arrival_day for o in options] == [0, 0, 1]
    assert [o.shipments for o in options] == [2, 1, 1]
    assert not any(o.partial for o in options)

    cheapest, single, warehouse = options
    assert Strategy.CHEAPEST in cheapest.strategies
    assert Strategy.FEWEST_SHIPMENTS in single.strategies
    assert cheapest.costs.transport == D("234.50")
    assert cheapest.costs.waiting == D("18.75")
    assert cheapest.explanation.summary.startswith("Cheapest")
    assert "15 from Beijing Store 2 (8 km) and 5 from Beijing Store 3 (15 km)" in cheapest.explanation.summary
    assert "nearest source with spare stock" in cheapest.explanation.text
    assert "¥13.00 more than the cheapest" in single.explanation.text
    assert "daily run" in warehouse.explanation.summary
    assert "next day" in warehouse.explanation.summary
    codes = [reason.code for reason in cheapest.explanation.reasons]
    assert codes == ["strategy", "source", "source", "cost", "arrival"]
    source_facts = cheapest.explanation.reasons[1].facts
    assert source_facts["location_code"] == "BJ02"
    assert source_facts["distance_rank"] == 1
    assert source_facts["quantity"] == D(15)


def test_naive_per_shipment_costs_would_not_split() -> None:
    """Documents why the default model has a per-unit-km charge: without it one van wins."""
    naive = CostModel(freight_per_unit_km=D(0), waiting_cost_per_unit_day=D(0), warehouse_run_cost_per_unit=D(100))
    options = recommend_transfer(20, brake_pad_sources(), naive)
    assert legs_of(options[0]) == [("BJ03", D(20))]


def test_small_need_goes_on_the_daily_run_with_a_same_day_alternative() -> None:
    """Two units are not worth a van trip unless speed matters, so both trade-offs are offered."""
    sources = [store("A", 10, "15"), SourceCandidate("W", "Warehouse", D(90), D(10), D(180), SourceKind.WAREHOUSE)]
    cheap, fast, *_ = recommend_transfer(2, sources)
    assert legs_of(cheap) == [("W", D(2))] and cheap.arrival_day == 1
    assert legs_of(fast) == [("A", D(2))] and fast.arrival_day == 0
    assert Strategy.CHEAPEST in cheap.strategies and Strategy.FASTEST not in cheap.strategies
    assert Strategy.FASTEST in fast.strategies and Strategy.CHEAPEST not in fast.strategies
    assert cheap.total_cost < fast.total_cost


def test_partial_cover_takes_everything_spare_and_reports_shortfall() -> None:
    sources = [store("A", 5, "10"), store("B", 7, "20"), store("C", 0, "5")]
    options = recommend_transfer(30, sources)

    assert len(options) == 1
    (option,) = options
    assert option.partial
    assert option.quantity == D(12)
    assert option.shortfall == D(18)
    assert sorted(legs_of(option)) == [("A", D(5)), ("B", D(7))]
    assert option.explanation.summary.startswith("Partial cover, 18 short.")
    assert option.explanation.reasons[-1].code == "partial"


@pytest.mark.parametrize(
    ("need", "sources"),
    [
        (5, []),
        (5, [store("A", 0, "3"), SourceCandidate("B", "Store B", D(2), D(6), D(4))]),
        (0, [store("A", 10, "3")]),
    ],
)
def test_nothing_to_recommend(need: int, sources: list[SourceCandidate]) -> None:
    assert recommend_transfer(need, sources) == []


def test_max_options_one_returns_only_the_cheapest() -> None:
    options = recommend_transfer(20, brake_pad_sources(), max_options=1)
    assert [legs_of(o) for o in options] == [[("BJ02", D(15)), ("BJ03", D(5))]]


def test_fractional_units_are_scaled_and_never_exceed_usable() -> None:
    sources = [
        SourceCandidate("A", "Store A", D("3.75"), D("1"), D(5)),  # usable 2.75 → 2.7 at 1 decimal
        SourceCandidate("B", "Store B", D("10"), D("2"), D(9)),
    ]
    options = recommend_transfer(D("4.5"), sources, precision=1)
    assert options
    for option in options:
        assert option.quantity == D("4.5")
        for leg in option.legs:
            assert leg.quantity <= leg.source.usable
            assert leg.quantity == leg.quantity.quantize(D("0.1"))
    with pytest.raises(ValueError, match="decimal places"):
        recommend_transfer(D("4.55"), sources, precision=1)


def test_reorder_point_penalty_prefers_comfortable_stock() -> None:
    """Two identical donors; taking from B would push it below its reorder point."""
    a = store("A", 10, "10", reorder_point=D(4))
    b = store("B", 10, "10", reorder_point=D(14))
    (best, *_) = recommend_transfer(6, [a, b])
    assert legs_of(best) == [("A", D(6))]

    (forced,) = recommend_transfer(6, [b], max_options=1)
    assert forced.legs[0].below_reorder_point == D(6)
    assert forced.costs.depletion == D(6) * DEFAULT_COST_MODEL.below_reorder_point_penalty_per_unit
    assert "below its reorder point" in forced.explanation.text


def test_known_transit_time_overrides_the_distance_rule() -> None:
    slow = store("A", 10, "5", transit_hours=D(30))
    (option,) = recommend_transfer(3, [slow], max_options=1)
    assert option.arrival_hours == D("30.00")
    assert option.arrival_day == 1


def test_transit_rules_follow_dealer_practice() -> None:
    rules = DEFAULT_TRANSIT
    assert rules.hours(D(15), SourceKind.STORE) == D("1.5")  # same city by van: 1 h + 15 km at 30 km/h
    assert rules.hours(D(120), SourceKind.STORE) == D(24)
    assert rules.hours(D(800), SourceKind.STORE) == D(48)
    assert rules.hours(D(5), SourceKind.WAREHOUSE) == D(24)  # daily run, whatever the distance


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        recommend_transfer(3, [store("A", 5, "3"), store("A", 5, "4")])
    with pytest.raises(ValueError, match="max_options"):
        recommend_transfer(3, [store("A", 5, "3")], max_options=0)
    with pytest.raises(ValueError, match="negative"):
        SourceCandidate("A", "Store A", D(-1), D(0), D(3))
    with pytest.raises(ValueError, match="negative"):
        CostModel(cost_per_km=-1)  # type: ignore[arg-type]


def _oracle_min_cost(need: int, sources: list[SourceCandidate], costs: CostModel) -> Decimal:
    """Brute force over source subsets; within a subset, fill the cheapest marginal units first."""
    usable = [s for s in sources if s.usable >= 1]
    target = min(need, int(sum(s.usable for s in usable)))
    best: Decimal | None = None
    for size in range(1, len(usable) + 1):
        for subset in itertools.combinations(usable, size):
            if sum(int(s.usable) for s in subset) < target or target < size:
                continue
            marginal: list[Decimal] = []
            total = D(0)
            for s in subset:
                unit = costs.unit_freight(s.distance_km, s.kind) + costs.handling_cost_per_unit
                total += costs.shipment_fixed_cost(s.distance_km, s.kind) + unit  # one unit each
                comfortable = int(s.comfortable)
                for k in range(2, int(s.usable) + 1):
                    extra = costs.below_reorder_point_penalty_per_unit if k > comfortable else D(0)
                    marginal.append(unit + extra)
                if comfortable < 1:
                    total += costs.below_reorder_point_penalty_per_unit
            total += sum(sorted(marginal)[: target - size], D(0))
            hours = max(DEFAULT_TRANSIT.hours(s.distance_km, s.kind) for s in subset)
            minutes = int((hours * 60).to_integral_value())
            total += costs.waiting_cost_per_unit_day * target * minutes / 1440
            best = total if best is None or total < best else best
    assert best is not None
    return best


@st.composite
def instances(draw: st.DrawFn) -> tuple[int, list[SourceCandidate]]:
    count = draw(st.integers(min_value=1, max_value=5))
    sources = []
    for i in range(count):
        safety = draw(st.integers(0, 5))
        available = draw(st.integers(0, 30))
        km = draw(st.sampled_from(["2", "8", "15", "40", "90", "250", "600"]))
        kind = SourceKind.WAREHOUSE if draw(st.integers(0, 4)) == 0 else SourceKind.STORE
        rop = draw(st.one_of(st.none(), st.integers(0, 25).map(D)))
        sources.append(SourceCandidate(f"L{i}", f"Location {i}", D(available), D(safety), D(km), kind, None, rop))
    return draw(st.integers(1, 60)), sources


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_options_respect_safety_stock_and_are_consistent(instance: tuple[int, list[SourceCandidate]]) -> None:
    need, sources = instance
    options = recommend_transfer(need, sources)
    total_usable = sum(s.usable for s in sources)
    if total_usable == 0:
        assert options == []
        return
    assert 1 <= len(options) <= 3
    seen = set()
    for rank, option in enumerate(options, start=1):
        assert option.rank == rank
        codes = option.source_codes
        assert len(set(codes)) == len(codes)
        for leg in option.legs:
            assert 0 < leg.quantity <= leg.source.usable
            assert leg.source.available - leg.quantity >= leg.source.safety_stock
        assert option.quantity == sum(leg.quantity for leg in option.legs)
        if option.partial:
            assert total_usable < need
            assert option.quantity == total_usable
            assert option.shortfall == need - total_usable
            assert len(options) == 1
        else:
            assert option.quantity == need
            assert option.shortfall == 0
        assert option.total_cost == option.costs.total
        assert option.total_cost == sum(leg.cost for leg in option.legs) + option.costs.waiting
        key = frozenset(legs_of(option))
        assert key not in seen
        seen.add(key)
    keys = [(o.total_cost, o.arrival_hours) for o in options]
    assert keys == sorted(keys)
    # The first option is the true optimum (legs are rounded to cents, so allow a few cents).
    assert abs(options[0].total_cost - _oracle_min_cost(need, sources, DEFAULT_COST_MODEL)) <= D("0.05")


def test_same_input_same_options() -> None:
    first = recommend_transfer(20, brake_pad_sources())
    assert recommend_transfer(20, list(reversed(brake_pad_sources()))) == first


# --- classify_positions ------------------------------------------------------------------------


def test_classify_positions_finds_excess_dead_stock_and_needs() -> None:
    positions = [
        StockPosition("P1", "A", D(30), D(4), D(8), max_stock=D(20)),  # 10 above max
        StockPosition("P1", "B", D(3), D(2), D(8), max_stock=D(20), inbound=D(2)),  # 3 below ROP
        StockPosition("P1", "C", D(9), D(3), D(8), max_stock=D(20), days_since_movement=200),  # dead
        StockPosition("P1", "D", D(10), D(3), D(8), max_stock=D(20)),  # fine
        StockPosition("P1", "E", D(6), D(3), D(8), max_stock=D(20), inbound=D(20)),  # only on-hand moves
    ]
    excess, shortages = classify_positions(positions)
    assert excess == [
        Excess("P1", "A", D(10), ExcessReason.ABOVE_MAX),
        Excess("P1", "C", D(6), ExcessReason.DEAD_STOCK),
        Excess("P1", "E", D(3), ExcessReason.ABOVE_MAX),
    ]
    assert shortages == [Shortage("P1", "B", D(3))]

    _, to_max = classify_positions(positions, target=ShortageTarget.MAX_STOCK)
    assert to_max == [Shortage("P1", "B", D(15))]


# --- rebalance_plan ----------------------------------------------------------------------------

TINY_DISTANCES = {
    ("A", "B"): D(10),
    ("A", "C"): D(25),
    ("B", "C"): D(18),
    ("WH", "A"): D(150),
    ("WH", "B"): D(160),
    ("WH", "C"): D(170),
}


def _check_plan(plan: RebalancePlan, excess: list[Excess], shortages: list[Shortage], step: Decimal = D(1)) -> None:
    """Invariants every plan must satisfy, whatever the heuristic did (needs round up to ``step``)."""
    shipped: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    received: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lane in plan.lanes:
        assert lane.source != lane.destination
        assert lane.quantity == sum(t.quantity for t in lane.transfers)
        assert lane.total_cost == lane.fixed_cost + lane.variable_cost
        assert lane.total_cost == sum(t.cost_share for t in lane.transfers)
        if lane.daily_run:
            assert lane.fixed_cost == 0
        for t in lane.transfers:
            assert (t.source, t.destination) == (lane.source, lane.destination)
            assert t.quantity > 0
            shipped[(t.part, t.source)] += t.quantity
            received[(t.part, t.destination)] += t.quantity
    available = {(e.part, e.location): e.quantity for e in excess}
    needed = {(s.part, s.location): s.quantity for s in shortages}
    for key, quantity in shipped.items():
        assert quantity <= available[key]
    unmet = {(u.part, u.location): u.quantity for u in plan.unmet}
    for key, quantity in needed.items():
        assert 0 <= received.get(key, D(0)) + unmet.get(key, D(0)) - quantity < step
    assert plan.units_moved == sum(shipped.values(), D(0))
    assert plan.unmet_need == sum(unmet.values(), D(0))
    assert plan.total_cost == sum((lane.total_cost for lane in plan.lanes), D(0))
    assert plan.shipments == len(plan.lanes)
    assert len(plan.transfers) == sum(len(lane.transfers) for lane in plan.lanes)


def test_tiny_network_covers_every_shortage_the_excess_can_cover() -> None:
    excess = [Excess("X", "A", D(10)), Excess("Y", "WH", D(5)), Excess("Z", "A", D(2))]
    shortages = [
        Shortage("X", "B", D(4)),
        Shortage("X", "C", D(3)),
        Shortage("Y", "C", D(2)),
        Shortage("Z", "B", D(5)),  # only 2 spare anywhere
        Shortage("Q", "C", D(1)),  # nobody has Q
    ]
    plan = rebalance_plan(excess, shortages, TINY_DISTANCES, warehouses={"WH"})
    _check_plan(plan, excess, shortages)

    moves = sorted((t.part, t.source, t.destination, t.quantity) for t in plan.transfers)
    assert moves == [
        ("X", "A", "B", D(4)),
        ("X", "A", "C", D(3)),
        ("Y", "WH", "C", D(2)),
        ("Z", "A", "B", D(2)),
    ]
    assert sorted((u.part, u.location, u.quantity) for u in plan.unmet) == [("Q", "C", D(1)), ("Z", "B", D(3))]
    assert plan.units_moved == D(11)
    assert plan.shipments == 3
    (ab,) = [lane for lane in plan.lanes if (lane.source, lane.destination) == ("A", "B")]
    # One van A→B carries X and Z and pays its ¥30 + 10 km × ¥2.5 once; per unit ¥6 freight + ¥1.
    assert ab.fixed_cost == D("55.00")
    assert ab.variable_cost == D("42.00")
    assert sorted(t.cost_share for t in ab.transfers) == [D("32.33"), D("64.67")]
    (wh,) = [lane for lane in plan.lanes if lane.source == "WH"]
    assert wh.daily_run and wh.total_cost == D("6.00")


def test_lane_consolidation_beats_solving_each_part_alone() -> None:
    """X is cheapest from A alone, but B must ship Y anyway, so X should ride along from B."""
    distances = {("A", "D"): D(10), ("B", "D"): D(12), ("A", "B"): D(5)}
    excess = [Excess("X", "A", D(5)), Excess("X", "B", D(5)), Excess("Y", "B", D(5))]
    shortages = [Shortage("X", "D", D(5)), Shortage("Y", "D", D(5))]

    per_part = [
        rebalance_plan([e for e in excess if e.part == part], [s for s in shortages if s.part == part], distances)
        for part in ("X", "Y")
    ]
    joint = rebalance_plan(excess, shortages, distances)
    _check_plan(joint, excess, shortages)

    assert [(lane.source, lane.destination) for p in per_part for lane in p.lanes] == [("A", "D"), ("B", "D")]
    assert joint.shipments == 1 < sum(p.shipments for p in per_part)
    assert joint.total_cost < sum((p.total_cost for p in per_part), D(0))
    assert joint.unmet_need == 0


def test_rebalance_handles_fractional_units() -> None:
    excess = [Excess("OIL", "A", D("2.75")), Excess("OIL", "C", D("0.4"))]
    shortages = [Shortage("OIL", "B", D("3.05"))]
    plan = rebalance_plan(excess, shortages, TINY_DISTANCES, precision=1)
    _check_plan(plan, excess, shortages, step=D("0.1"))
    assert plan.units_moved == D("3.1")  # 2.7 spare at A (2.75 rounded down) + 0.4 at C
    assert plan.unmet_need == D(0)  # the need rounds up to 3.1 and is fully covered


def test_lanes_without_a_distance_are_not_used() -> None:
    excess = [Excess("X", "A", D(5))]
    shortages = [Shortage("X", "B", D(2))]
    plan = rebalance_plan(excess, shortages, {("A", "C"): D(3)})
    assert plan.lanes == ()
    assert plan.unmet_need == D(2)


def test_rebalance_rejects_contradictory_input() -> None:
    with pytest.raises(ValueError, match="both"):
        rebalance_plan([Excess("X", "A", D(1))], [Shortage("X", "A", D(1))], TINY_DISTANCES)
    with pytest.raises(ValueError, match="duplicate"):
        rebalance_plan([Excess("X", "A", D(1)), Excess("X", "A", D(2))], [], TINY_DISTANCES)


def test_empty_rebalance() -> None:
    plan = rebalance_plan([Excess("X", "A", D(3))], [], TINY_DISTANCES)
    assert plan == RebalancePlan((), (), D(0), D(0), D(0), 0)


def test_mid_size_synthetic_network_covers_what_excess_can_cover() -> None:
    network = synthetic_network(seed=7, n_parts=300, n_locations=12, imbalance=0.25)
    excess, shortages = network.classify()
    assert excess and shortages
    plan = rebalance_plan(excess, shortages, network.distances, warehouses=network.warehouses)
    _check_plan(plan, excess, shortages)

    spare: dict[str, Decimal] = defaultdict(Decimal)
    short: dict[str, Decimal] = defaultdict(Decimal)
    for e in excess:
        spare[e.part] += e.quantity
    for s in shortages:
        short[s.part] += s.quantity
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for t in plan.transfers:
        moved[t.part] += t.quantity
    for part, need in short.items():
        assert moved[part] == min(need, spare[part]), part

    again = rebalance_plan(excess, shortages, network.distances, warehouses=network.warehouses)
    assert again == plan


def test_synthetic_network_is_reproducible_and_realistically_unbalanced() -> None:
    a = synthetic_network(seed=3, n_parts=200, n_locations=26)
    b = synthetic_network(seed=3, n_parts=200, n_locations=26)
    assert a == b
    assert len(a.locations) == 26 and a.warehouses == {"WH"}
    assert len(a.positions) == 200 * 26
    assert len(a.distances) == 26 * 25
    excess, shortages = a.classify()
    share = (len(excess) + len(shortages)) / len(a.positions)
    assert 0.10 <= share <= 0.20
