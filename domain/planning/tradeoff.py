"""Service-level sweep of the IMS policy and the fill-rate vs inventory chart.

The sweep answers "what does each extra point of fill rate cost in stock?"; the chart puts the manual
routine on the same axes so the gap is visible at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from numpy.typing import ArrayLike

from domain.planning.demand_profile import DemandHistory
from domain.planning.planners import ImsPlanner
from domain.planning.policy import ServiceTargets
from domain.planning.simulate import simulate


@dataclass(frozen=True)
class TradeoffPoint:
    """One point of the service/inventory trade-off curve."""

    target: float
    fill_rate: float
    avg_inventory_value: float


def sweep_service_targets(
    demand: ArrayLike | DemandHistory,
    levels: Sequence[float] = (0.8, 0.85, 0.9, 0.95, 0.98, 0.99),
    base: ImsPlanner | None = None,
    **sim_kwargs: object,
) -> list[TradeoffPoint]:
    """Run the IMS policy with one uniform service target per level (same data, same seed)."""
    planner = base or ImsPlanner()
    points = []
    for level in levels:
        p = replace(planner, targets=ServiceTargets.uniform(level, planner.targets.kind))
        res = simulate(demand, p, **sim_kwargs)  # type: ignore[arg-type]
        points.append(TradeoffPoint(level, res.fill_rate, res.avg_inventory_value))
    return points


def plot_tradeoff(
    points: Sequence[TradeoffPoint],
    path: str | Path,
    baseline: TradeoffPoint | None = None,
    title: str = "Service vs inventory: IMS policy sweep",
) -> Path:
    """PNG of fill rate against average inventory value, with the manual routine as a marked point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(7, 4.5))
    pts = sorted(points, key=lambda p: p.avg_inventory_value)
    ax.plot([p.avg_inventory_value for p in pts], [p.fill_rate for p in pts], "o-", label="IMS policy")
    for p in pts:
        ax.annotate(
            f"{p.target:.0%}",
            (p.avg_inventory_value, p.fill_rate),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=8,
        )
    if baseline is not None:
        ax.plot([baseline.avg_inventory_value], [baseline.fill_rate], "rX", markersize=11, label="manual (naive)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:,.0f}"))
    ax.set_xlabel("average inventory value (million CNY, at cost)")
    ax.set_ylabel("fill rate (units served / demanded)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    out = Path(path)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
