"""Human-readable and structured explanations of transfer options.

Parts advisers accept a recommendation faster when it says why a store was picked, what it costs
and when the parts arrive, so every option carries English sentences plus the same facts as data
(for UIs that render or translate them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.transfers.optimize.model import (
    CostBreakdown,
    Explanation,
    Reason,
    SourceCandidate,
    SourceKind,
    Strategy,
    TransferLeg,
    arrival_day,
    arrival_label,
    format_quantity,
    hours_to_minutes,
)


@dataclass(frozen=True, slots=True)
class ExplainContext:
    """What an option is compared against: the other options and the whole candidate list."""

    need: Decimal
    cheapest_cost: Decimal
    distance_rank: dict[str, int]
    earliest_minutes: int


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def _km(value: Decimal) -> str:
    return f"{format_quantity(value)} km"


def _nearest(rank: int) -> str:
    if rank == 1:
        return "nearest"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10 if rank % 100 not in (11, 12, 13) else 0, "th")
    return f"{rank}{suffix}-nearest"


def _leg_phrase(leg: TransferLeg) -> str:
    source = leg.source
    qty = format_quantity(leg.quantity)
    if source.kind is SourceKind.WAREHOUSE:
        return f"{qty} from {source.location_name} on the daily run"
    return f"{qty} from {source.location_name} ({_km(leg.distance_km)})"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _headline(strategies: tuple[Strategy, ...], shipments: int) -> str:
    labels: list[str] = []
    for strategy in strategies:
        if strategy is Strategy.CHEAPEST:
            labels.append("cheapest")
        elif strategy is Strategy.FEWEST_SHIPMENTS:
            labels.append("single shipment" if shipments == 1 else f"fewest shipments ({shipments})")
        elif strategy is Strategy.FASTEST:
            labels.append("fastest")
        else:
            labels.append("alternative")
    text = _join(labels)
    return text[:1].upper() + text[1:]


def _source_reason(leg: TransferLeg, context: ExplainContext) -> Reason:
    source: SourceCandidate = leg.source
    qty, usable = format_quantity(leg.quantity), format_quantity(source.usable)
    rank = context.distance_rank[source.location_code]
    if source.kind is SourceKind.WAREHOUSE:
        why = f"{source.location_name} ships on its daily run, so there is no van trip to pay for"
    else:
        where = _km(leg.distance_km)
        why = f"{source.location_name} is the {_nearest(rank)} source with spare stock ({where})"
    spare = f"it can spare {usable} above its safety stock of {format_quantity(source.safety_stock)}"
    if leg.quantity == source.usable and source.usable < context.need:
        gives = f"and gives all {qty}"
    else:
        gives = f"and gives {qty}"
    sentence = f"{why}; {spare} {gives}"
    if leg.below_reorder_point > 0:
        sentence += f", {format_quantity(leg.below_reorder_point)} of them from below its reorder point"
    facts: dict[str, str | int | Decimal] = {
        "location_code": source.location_code,
        "location_name": source.location_name,
        "kind": source.kind.value,
        "quantity": leg.quantity,
        "usable": source.usable,
        "safety_stock": source.safety_stock,
        "distance_km": leg.distance_km,
        "distance_rank": rank,
        "leg_cost": leg.cost,
        "arrival_hours": leg.arrival_hours,
        "below_reorder_point": leg.below_reorder_point,
    }
    return Reason("source", sentence + ".", facts)


def _strategy_reason(
    strategies: tuple[Strategy, ...], total: Decimal, shipments: int, minutes: int, context: ExplainContext
) -> Reason:
    sentences: list[str] = []
    if Strategy.CHEAPEST in strategies:
        sentences.append("Lowest total cost of every combination of sources.")
    else:
        sentences.append(f"Costs {_yuan(total - context.cheapest_cost)} more than the cheapest option.")
    if Strategy.FEWEST_SHIPMENTS in strategies:
        plural = "shipment" if shipments == 1 else "shipments"
        sentences.append(f"Needs only {shipments} {plural}, the fewest that can cover the need.")
    if Strategy.FASTEST in strategies:
        sentences.append("No combination of sources arrives earlier.")
    elif arrival_day(minutes) > arrival_day(context.earliest_minutes):
        sentences.append(
            f"Arrives {arrival_label(minutes)}, whereas the fastest option arrives "
            f"{arrival_label(context.earliest_minutes)}."
        )
    if Strategy.ALTERNATIVE in strategies:
        sentences.append("Next-cheapest choice of sources not already offered above.")
    facts: dict[str, str | int | Decimal] = {
        "strategies": ",".join(s.value for s in strategies),
        "extra_cost_vs_cheapest": total - context.cheapest_cost,
    }
    return Reason("strategy", " ".join(sentences), facts)


def _cost_reason(costs: CostBreakdown, total: Decimal, shipments: int) -> Reason:
    plural = "shipment" if shipments == 1 else "shipments"
    parts = [
        f"transport {_yuan(costs.transport)} ({shipments} {plural})",
        f"handling {_yuan(costs.handling)}",
        f"waiting {_yuan(costs.waiting)}",
    ]
    if costs.depletion > 0:
        parts.append(f"reorder-point penalty {_yuan(costs.depletion)}")
    facts: dict[str, str | int | Decimal] = {
        "total": total,
        "transport": costs.transport,
        "handling": costs.handling,
        "waiting": costs.waiting,
        "depletion": costs.depletion,
        "shipments": shipments,
    }
    return Reason("cost", f"Cost {_yuan(total)}: {', '.join(parts)}.", facts)


def _arrival_reason(legs: tuple[TransferLeg, ...], minutes: int) -> Reason:
    label = arrival_label(minutes)
    last = max(legs, key=lambda leg: (hours_to_minutes(leg.arrival_hours), leg.source.location_code))
    message = f"Arrives {label}"
    if len(legs) > 1:
        message += f"; the last leg is from {last.source.location_name}"
    facts: dict[str, str | int | Decimal] = {
        "arrival_minutes": minutes,
        "arrival_day": minutes // 1440,
        "last_leg": last.source.location_code,
    }
    return Reason("arrival", message + ".", facts)


def explain_option(
    *,
    legs: tuple[TransferLeg, ...],
    quantity: Decimal,
    costs: CostBreakdown,
    total: Decimal,
    minutes: int,
    strategies: tuple[Strategy, ...],
    context: ExplainContext,
) -> Explanation:
    """Build the sentence and reasons for one option; pure function of its inputs for testability."""
    shortfall = context.need - quantity
    summary = (
        f"{_headline(strategies, len(legs))}: {_join([_leg_phrase(leg) for leg in legs])} "
        f"for {_yuan(total)}, arriving {arrival_label(minutes)}."
    )
    reasons = [_strategy_reason(strategies, total, len(legs), minutes, context)]
    reasons.extend(_source_reason(leg, context) for leg in legs)
    reasons.append(_cost_reason(costs, total, len(legs)))
    reasons.append(_arrival_reason(legs, minutes))
    if shortfall > 0:
        summary = f"Partial cover, {format_quantity(shortfall)} short. " + summary
        reasons.append(
            Reason(
                "partial",
                f"Only {format_quantity(quantity)} of the {format_quantity(context.need)} needed can be "
                f"spared across all sources without breaching safety stock; "
                f"{format_quantity(shortfall)} remain short.",
                {"need": context.need, "covered": quantity, "shortfall": shortfall},
            )
        )
    return Explanation(summary, tuple(reasons))
