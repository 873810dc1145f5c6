"""Pure optimisation core for inter-store transfers (no I/O, no database).

* :func:`recommend_transfer` ranks a few explained ways to cover one urgent need at one store.
* :func:`rebalance_plan` moves surplus to shortages across the whole network, consolidating parts
  that travel the same lane so each lane pays its shipment cost once.

See :class:`CostModel` for the cost terms and why the defaults are what they are.
"""

from domain.transfers.optimize.model import (
    DEFAULT_COST_MODEL,
    DEFAULT_TRANSIT,
    CostBreakdown,
    CostModel,
    Explanation,
    Reason,
    SourceCandidate,
    SourceKind,
    Strategy,
    TransferLeg,
    TransferOption,
    TransitRules,
    UnitScale,
)
from domain.transfers.optimize.rebalance import (
    Excess,
    ExcessReason,
    LaneShipment,
    ProposedTransfer,
    RebalancePlan,
    Shortage,
    ShortageTarget,
    StockPosition,
    UnmetNeed,
    classify_positions,
    rebalance_plan,
)
from domain.transfers.optimize.recommend import recommend_transfer

__all__ = [
    "DEFAULT_COST_MODEL",
    "DEFAULT_TRANSIT",
    "CostBreakdown",
    "CostModel",
    "Excess",
    "ExcessReason",
    "Explanation",
    "LaneShipment",
    "ProposedTransfer",
    "Reason",
    "RebalancePlan",
    "Shortage",
    "ShortageTarget",
    "SourceCandidate",
    "SourceKind",
    "StockPosition",
    "Strategy",
    "TransferLeg",
    "TransferOption",
    "TransitRules",
    "UnitScale",
    "UnmetNeed",
    "classify_positions",
    "rebalance_plan",
    "recommend_transfer",
]
