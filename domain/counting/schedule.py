"""Which SKU-locations a count plan counts. Pure: no I/O, a seeded RNG, so a plan's task list can
be reproduced from its stored parameters.

Cycle counts follow the ABC cadence (A monthly, B quarterly, C every six months by default): a
SKU-location is due one interval after its last count. One never counted gets a stable phase
inside its interval (a hash of its key), so the first cycle spreads evenly over the interval
instead of landing entirely in the first week. Sample counts draw a random share of all
SKU-locations. Tasks are assigned to counters in contiguous walk-order chunks, so each counter
walks one stretch of shelves instead of criss-crossing the store."""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DEFAULT_CADENCE_MONTHS: Mapping[str, int] = {"A": 1, "B": 3, "C": 6}
DEFAULT_SAMPLE_FRACTION = Decimal("0.05")
DEFAULT_WINDOW_DAYS = 7
# Parts without an ABC class are counted like C parts.
UNCLASSIFIED = "C"


@dataclass(frozen=True)
class SkuLocation:
    part_id: int
    location_id: int
    abc_class: str | None = None
    last_counted_on: date | None = None
    # Walk order: location code then part code, so tasks follow the shelves.
    sort_key: str = ""


@dataclass(frozen=True)
class Selected:
    item: SkuLocation
    due_on: date


def validate_cadence(cadence: Mapping[str, int]) -> dict[str, int]:
    """A complete A/B/C cadence in whole months (1..24); raises ValueError otherwise."""
    merged = {**DEFAULT_CADENCE_MONTHS, **{k.upper(): v for k, v in cadence.items()}}
    if set(merged) != set(DEFAULT_CADENCE_MONTHS):
        raise ValueError("cadence classes must be A, B and C")
    for cls, months in merged.items():
        if not isinstance(months, int) or not 1 <= months <= 24:
            raise ValueError(f"cadence of class {cls} must be 1 to 24 months")
    return merged


def interval_days(months: int) -> int:
    return round(months * 365.25 / 12)


def _phase(item: SkuLocation, interval: int) -> int:
    return zlib.crc32(f"{item.part_id}:{item.location_id}".encode()) % interval


def cycle_due_on(item: SkuLocation, today: date, cadence: Mapping[str, int]) -> date:
    """The day this SKU-location is next due (earlier than today when overdue)."""
    interval = interval_days(cadence.get((item.abc_class or UNCLASSIFIED).upper(), cadence[UNCLASSIFIED]))
    if item.last_counted_on is not None:
        return item.last_counted_on + timedelta(days=interval)
    # Due on the days whose ordinal ≡ phase (mod interval): once per interval, the same day each time.
    return today + timedelta(days=(_phase(item, interval) - today.toordinal()) % interval)


def select_cycle(
    items: Sequence[SkuLocation], today: date, window_days: int, cadence: Mapping[str, int]
) -> list[Selected]:
    """SKU-locations due within [today, today + window_days), overdue ones included, in walk order."""
    horizon = today + timedelta(days=window_days)
    chosen = []
    for item in items:
        due = cycle_due_on(item, today, cadence)
        if due < horizon:
            chosen.append(Selected(item, max(due, today)))
    return sorted(chosen, key=lambda s: s.item.sort_key)


def sample_size(population: int, fraction: Decimal) -> int:
    if population == 0:
        return 0
    return min(population, max(1, math.ceil(population * fraction)))


def select_sample(items: Sequence[SkuLocation], fraction: Decimal, seed: int) -> list[SkuLocation]:
    """A uniform random `fraction` of the SKU-locations (at least one), reproducible from `seed`."""
    ordered = sorted(items, key=lambda i: (i.part_id, i.location_id))
    picked = random.Random(seed).sample(ordered, sample_size(len(ordered), fraction))
    return sorted(picked, key=lambda i: i.sort_key)


def assign(count: int, assignees: Sequence[str]) -> list[str | None]:
    """Split `count` walk-ordered tasks into contiguous, near-equal chunks, one per counter."""
    if not assignees:
        return [None] * count
    chunk, extra = divmod(count, len(assignees))
    result: list[str | None] = []
    for n, who in enumerate(assignees):
        result.extend([who] * (chunk + (1 if n < extra else 0)))
    return result
