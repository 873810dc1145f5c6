"""Value types and the cost model shared by the transfer recommender and the network rebalancer.

Everything is a frozen dataclass so results can be cached, compared and passed between threads
without defensive copies. Quantities and money are :class:`~decimal.Decimal` at the boundary (parts
such as oil are sold in fractional units and money must not drift); the solvers work on integer
units obtained through :class:`UnitScale`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MINUTES_PER_DAY = 1440


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """Coerce caller-friendly numbers to Decimal; floats go through ``repr`` to avoid binary noise."""
    if isinstance(value, bool):
        raise TypeError("booleans are not quantities")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def money(value: Decimal) -> Decimal:
    """Round to the cent the way invoices do, so reported totals add up to what people see."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_quantity(value: Decimal) -> str:
    """Render ``15``, not ``15.00`` or ``1.5E+1``, in explanations."""
    return format(value.normalize(), "f")


def _coerce_decimal_fields(instance: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(instance, name)
        if value is not None:
            object.__setattr__(instance, name, to_decimal(value))


@dataclass(frozen=True, slots=True)
class UnitScale:
    """Maps Decimal quantities to the integer units the solvers need.

    ``precision`` is the number of decimal places a part is counted in (0 for pieces, 1 or 2 for
    litres or metres); one solver unit is ``10 ** -precision`` of the part's unit.
    """

    precision: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.precision <= 4:
            raise ValueError("precision must be between 0 and 4 decimal places")

    @property
    def factor(self) -> int:
        return 10**self.precision

    def floor(self, quantity: Decimal) -> int:
        """Round down: used for stock we may take, so we never promise more than exists."""
        return int((quantity * self.factor).to_integral_value(rounding=ROUND_FLOOR))

    def ceil(self, quantity: Decimal) -> int:
        """Round up: used for needs, so a fractional need is fully covered."""
        return int((quantity * self.factor).to_integral_value(rounding=ROUND_CEILING))

    def exact(self, quantity: Decimal) -> int:
        """Reject needs finer than the precision instead of silently changing what was asked for."""
        scaled = quantity * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {quantity} has more than {self.precision} decimal places")
        return int(scaled)

    def to_quantity(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.precision)


class SourceKind(enum.StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"


@dataclass(frozen=True, slots=True)
class CostModel:
    """Generalised cost (yuan) of moving parts, used for ranking and for network plans.

    Terms and why they exist:

    * ``fixed_cost_per_shipment`` + ``cost_per_km`` × distance: dispatching a van or courier
      between two stores (driver time, fuel, paperwork), paid once per shipment however much rides.
    * ``freight_per_unit_km`` × distance × quantity: the group's internal freight charge-back,
      allocated per unit-km the way dealer groups bill shuttle costs to the receiving store. It is
      what makes "take what the nearest store can spare, top up from the next" the cheapest plan.
    * ``handling_cost_per_unit``: picking, packing and booking each unit in and out.
    * ``warehouse_run_cost_per_unit``: the central warehouse ships on its scheduled daily run,
      which runs anyway, so it has no per-shipment or per-km cost, only a per-unit run fee.
    * ``waiting_cost_per_unit_day`` × units × days until the last leg arrives: a car on the lift
      or a customer waiting; this is why the cheap daily run does not win urgent needs.
    * ``below_reorder_point_penalty_per_unit``: every unit taken from between a donor's reorder
      point and its safety stock brings its own replenishment forward (only applies when the
      donor's reorder point is known; safety stock itself is never touched).
    * ``unmet_penalty_per_unit``: network plans only; large so coverage beats transport savings.

    The defaults reproduce the reference case (store 1 needs 20 brake pads; store 2 can spare 15 at
    8 km, store 3 30 at 15 km, Tianjin 50 at 120 km, the warehouse 200 at 180 km) with the ranking
    split 15 + 5 < 20 from store 3 < 20 from the warehouse:

    * 15 + 5: 2 × ¥30 + (8 + 15) km × ¥2.5 + (15 × 8 + 5 × 15) unit-km × ¥0.6 + 20 × ¥1 = ¥254.50;
      20 from store 3: ¥30 + 15 × ¥2.5 + 300 × ¥0.6 + ¥20 = ¥267.50. Splitting saves 105 unit-km
      and costs one extra ¥50 van trip, so it pays whenever the unit-km rate exceeds ¥0.48.
      Both arrive the same day (~1.5 h), adding the same ¥18.75 waiting cost.
    * Warehouse: 20 × (¥1 + ¥2) + one day of waiting 20 × ¥15 = ¥360, third but cheaper than
      courier freight from Tianjin (¥1,790 + ¥300). Per-shipment costs alone (the naive model)
      would rank "20 from store 3" first, and a depletion penalty alone cannot help either, because
      the reference answer drains store 2 down to its safety stock.
    """

    cost_per_km: Decimal = Decimal("2.5")
    fixed_cost_per_shipment: Decimal = Decimal("30")
    freight_per_unit_km: Decimal = Decimal("0.6")
    handling_cost_per_unit: Decimal = Decimal("1")
    warehouse_run_cost_per_unit: Decimal = Decimal("2")
    waiting_cost_per_unit_day: Decimal = Decimal("15")
    below_reorder_point_penalty_per_unit: Decimal = Decimal("5")
    unmet_penalty_per_unit: Decimal = Decimal("10000")

    def __post_init__(self) -> None:
        names = tuple(f.name for f in fields(self))
        _coerce_decimal_fields(self, names)
        for name in names:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    def shipment_fixed_cost(self, distance_km: Decimal, kind: SourceKind) -> Decimal:
        """Cost paid once per shipment; zero on the warehouse's daily run, which runs regardless."""
        if kind is SourceKind.WAREHOUSE:
            return Decimal(0)
        return self.fixed_cost_per_shipment + self.cost_per_km * distance_km

    def unit_freight(self, distance_km: Decimal, kind: SourceKind) -> Decimal:
        """Per-unit transport cost (excluding handling) for one leg."""
        if kind is SourceKind.WAREHOUSE:
            return self.warehouse_run_cost_per_unit
        return self.freight_per_unit_km * distance_km


DEFAULT_COST_MODEL = CostModel()


@dataclass(frozen=True, slots=True)
class TransitRules:
    """How long a leg takes when the caller does not know: dealer-group practice, not routing.

    Same city (≤ ``same_city_km``) goes by van the same day: ``dispatch_hours`` to pick and load
    plus driving at ``van_speed_kmh``. Up to ``next_day_max_km`` is next-day courier, farther is
    two days, and the central warehouse always ships on its daily run (next day).
    """

    same_city_km: Decimal = Decimal("50")
    van_speed_kmh: Decimal = Decimal("30")
    dispatch_hours: Decimal = Decimal("1")
    next_day_max_km: Decimal = Decimal("300")
    next_day_hours: Decimal = Decimal("24")
    far_hours: Decimal = Decimal("48")
    warehouse_run_hours: Decimal = Decimal("24")

    def __post_init__(self) -> None:
        _coerce_decimal_fields(self, tuple(f.name for f in fields(self)))
        if self.van_speed_kmh <= 0:
            raise ValueError("van_speed_kmh must be positive")

    def hours(self, distance_km: Decimal, kind: SourceKind) -> Decimal:
        if kind is SourceKind.WAREHOUSE:
            return self.warehouse_run_hours
        if distance_km <= self.same_city_km:
            return self.dispatch_hours + distance_km / self.van_speed_kmh
        if distance_km <= self.next_day_max_km:
            return self.next_day_hours
        return self.far_hours


DEFAULT_TRANSIT = TransitRules()


def hours_to_minutes(hours: Decimal) -> int:
    """Solvers compare arrival times as whole minutes; finer precision means nothing for vans."""
    return int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))


def arrival_day(minutes: int) -> int:
    """0 = today, 1 = next day, ...; what a service adviser tells the customer."""
    return minutes // MINUTES_PER_DAY


def arrival_label(minutes: int) -> str:
    day = arrival_day(minutes)
    if day == 0:
        return f"today (in about {minutes / 60:.1f} h)"
    if day == 1:
        return "next day"
    return f"in {day} days"


@dataclass(frozen=True, slots=True)
class SourceCandidate:
    """A location that could give stock to the requesting one, as seen from that destination.

    ``transit_hours`` overrides :class:`TransitRules` when the caller knows better (e.g. a booked
    courier); ``reorder_point`` is optional and only feeds the below-reorder-point penalty.
    """

    location_code: str
    location_name: str
    available: Decimal
    safety_stock: Decimal
    distance_km: Decimal
    kind: SourceKind = SourceKind.STORE
    transit_hours: Decimal | None = None
    reorder_point: Decimal | None = None

    def __post_init__(self) -> None:
        _coerce_decimal_fields(self, ("available", "safety_stock", "distance_km", "transit_hours", "reorder_point"))
        object.__setattr__(self, "kind", SourceKind(self.kind))
        if not self.location_code:
            raise ValueError("location_code must not be empty")
        for name in ("available", "safety_stock", "distance_km", "transit_hours"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative ({self.location_code})")

    @property
    def usable(self) -> Decimal:
        """Stock we may take: never below the source's own safety stock."""
        return max(Decimal(0), self.available - self.safety_stock)

    @property
    def comfortable(self) -> Decimal:
        """Part of ``usable`` that can go without pushing the source below its reorder point."""
        if self.reorder_point is None:
            return self.usable
        floor = max(self.reorder_point, self.safety_stock)
        return min(self.usable, max(Decimal(0), self.available - floor))


@dataclass(frozen=True, slots=True)
class TransferLeg:
    """One shipment of an option. ``cost`` excludes waiting, which belongs to the whole option."""

    source: SourceCandidate
    quantity: Decimal
    distance_km: Decimal
    transport_cost: Decimal
    handling_cost: Decimal
    depletion_cost: Decimal
    cost: Decimal
    arrival_hours: Decimal
    arrival_day: int
    below_reorder_point: Decimal


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    transport: Decimal
    handling: Decimal
    depletion: Decimal
    waiting: Decimal

    @property
    def total(self) -> Decimal:
        return self.transport + self.handling + self.depletion + self.waiting


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine-readable reason behind an option, so UIs can render or translate it themselves."""

    code: str
    message: str
    facts: Mapping[str, str | int | Decimal] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Explanation:
    summary: str
    reasons: tuple[Reason, ...]

    @property
    def text(self) -> str:
        """Summary followed by every reason, for logs, e-mails and plain-text clients."""
        return " ".join([self.summary, *(reason.message for reason in self.reasons)])


class Strategy(enum.StrEnum):
    """Which generator produced an option; several may produce the same one."""

    CHEAPEST = "cheapest"
    FEWEST_SHIPMENTS = "fewest_shipments"
    FASTEST = "fastest"
    ALTERNATIVE = "alternative"


@dataclass(frozen=True, slots=True)
class TransferOption:
    """A complete way of covering a need; options are ranked by ``total_cost`` then arrival."""

    rank: int
    legs: tuple[TransferLeg, ...]
    need: Decimal
    quantity: Decimal
    costs: CostBreakdown
    total_cost: Decimal
    arrival_hours: Decimal
    arrival_day: int
    partial: bool
    shortfall: Decimal
    strategies: tuple[Strategy, ...]
    explanation: Explanation

    @property
    def shipments(self) -> int:
        return len(self.legs)

    @property
    def source_codes(self) -> tuple[str, ...]:
        return tuple(leg.source.location_code for leg in self.legs)
