"""The pure selection rules: ABC cadence, random samples, assignment and the tolerance rule."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.counting import schedule
from domain.counting.schedule import SkuLocation
from domain.counting.tolerance import Tolerance

TODAY = date(2026, 11, 25)
CADENCE = schedule.DEFAULT_CADENCE_MONTHS


def _items(n: int, abc: str | None, last: date | None = None) -> list[SkuLocation]:
    return [SkuLocation(i, 1000 + i % 7, abc, last, f"L{i % 7:02d} P{i:05d}") for i in range(n)]


def test_cadence_days() -> None:
    assert [schedule.interval_days(m) for m in (1, 3, 6)] == [30, 91, 183]


def test_counted_items_fall_due_one_interval_after_their_last_count() -> None:
    last = TODAY - timedelta(days=20)
    a, b = SkuLocation(1, 1, "A", last), SkuLocation(2, 1, "B", last)
    assert schedule.cycle_due_on(a, TODAY, CADENCE) == last + timedelta(days=30)
    assert schedule.cycle_due_on(b, TODAY, CADENCE) == last + timedelta(days=91)
    chosen = schedule.select_cycle([a, b], TODAY, 14, CADENCE)
    assert [s.item for s in chosen] == [a]
    overdue = SkuLocation(3, 1, "C", TODAY - timedelta(days=400))
    assert schedule.select_cycle([overdue], TODAY, 1, CADENCE)[0].due_on == TODAY


def test_each_class_is_counted_once_per_interval_spread_evenly() -> None:
    """Over one interval every never-counted SKU-location comes due exactly once, evenly spread."""
    for abc, days in (("A", 30), ("B", 91), ("C", 183)):
        items = _items(3000, abc)
        seen: Counter[int] = Counter()
        weekly = []
        day = TODAY
        while day < TODAY + timedelta(days=days):
            window = min(7, (TODAY + timedelta(days=days) - day).days)
            picked = schedule.select_cycle(items, day, window, CADENCE)
            seen.update(s.item.part_id for s in picked)
            if window == 7:
                weekly.append(len(picked))
            day += timedelta(days=window)
        assert set(seen.values()) == {1} and len(seen) == 3000, abc
        expected = 3000 * 7 / days
        assert all(abs(n - expected) < expected * 0.35 for n in weekly), (abc, weekly)


def test_unclassified_parts_follow_class_c_and_walk_order() -> None:
    items = [SkuLocation(i, 1, None, TODAY - timedelta(days=183), f"B{9 - i}") for i in range(5)]
    chosen = schedule.select_cycle(items, TODAY, 1, CADENCE)
    assert [s.item.sort_key for s in chosen] == sorted(i.sort_key for i in items)


def test_cadence_is_configurable_and_validated() -> None:
    assert schedule.validate_cadence({"a": 2}) == {"A": 2, "B": 3, "C": 6}
    for bad in ({"D": 1}, {"A": 0}, {"B": 25}):
        with pytest.raises(ValueError):
            schedule.validate_cadence(bad)


def test_sample_is_the_requested_share_and_reproducible() -> None:
    items = _items(500, "A")
    first = schedule.select_sample(items, Decimal("0.05"), seed=7)
    assert len(first) == 25
    assert schedule.select_sample(list(reversed(items)), Decimal("0.05"), seed=7) == first
    assert schedule.select_sample(items, Decimal("0.05"), seed=8) != first
    assert len(schedule.select_sample(items, Decimal("0.10"), seed=7)) == 50
    assert len(schedule.select_sample(items[:3], Decimal("0.05"), seed=7)) == 1
    assert schedule.select_sample([], Decimal("0.05"), seed=7) == []
    assert [i.sort_key for i in first] == sorted(i.sort_key for i in first)


def test_sample_is_uniform() -> None:
    items = _items(100, "B")
    hits: Counter[int] = Counter()
    for seed in range(2000):
        hits.update(i.part_id for i in schedule.select_sample(items, Decimal("0.1"), seed))
    assert min(hits.values()) > 140 and max(hits.values()) < 260  # mean 200


def test_assignment_is_contiguous_and_balanced() -> None:
    assert schedule.assign(5, ["li", "wang"]) == ["li", "li", "li", "wang", "wang"]
    assert schedule.assign(2, []) == [None, None]
    assert schedule.assign(0, ["li"]) == []


def test_tolerance_percentage_or_value() -> None:
    rule = Tolerance(pct=Decimal("0.05"), value=Decimal("500"))
    assert rule.within(Decimal(0), Decimal(0), Decimal(100))
    assert rule.within(Decimal(-2), Decimal(40), Decimal(10))  # exactly 5%
    assert not rule.within(Decimal(-3), Decimal(40), Decimal(10))  # 7.5%
    assert not rule.within(Decimal(1), Decimal(0), Decimal(1))  # found where the books say none
    assert not rule.within(Decimal(-3), Decimal(100), Decimal(200))  # 3% but CNY 600
