"""``ims simulate``: replay the last months of demand under the IMS policy and the manual routine.

The command is the app's callback so it works both standalone (``python -m api.cli_simulate``) and
mounted as ``ims simulate`` with ``app.add_typer(simulate_app, name="simulate")``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from domain.planning.sim_inputs import SimInputs, from_demo, from_monthly_csv, run_policies
from domain.planning.simulate import SimulationResult
from domain.planning.tradeoff import TradeoffPoint, plot_tradeoff, sweep_service_targets

simulate_app = typer.Typer(help="Policy simulator: IMS replenishment vs the manual routine.", add_completion=False)

SWEEP_LEVELS = (0.8, 0.9, 0.95, 0.98, 0.99)


class PolicyChoice(StrEnum):
    ims = "ims"
    naive = "naive"
    both = "both"


def load_inputs(data: str, months: int, seed: int = 0) -> SimInputs:
    """``demo`` builds the demo dataset; anything else is a monthly long-format CSV path."""
    if data == "demo":
        from domain.demo.generate import generate

        return from_demo(generate())
    path = Path(data)
    if not path.is_file():
        raise typer.BadParameter(f"{data}: not 'demo' and not a file", param_hint="--data")
    try:
        return from_monthly_csv(path, seed=seed, months_replay=months)
    except ValueError as exc:  # DemandFileError names line, column and value
        raise typer.BadParameter(str(exc), param_hint="--data") from None


def _table(results: dict[str, SimulationResult]) -> Table:
    table = Table(title="Policy simulation")
    table.add_column("metric")
    for name in results:
        table.add_column(name, justify="right")
    rows = results[next(iter(results))].metrics().keys()
    for key in rows:
        cells = []
        for res in results.values():
            v = res.metrics()[key]
            cells.append(f"{v:,.0f}" if key.endswith("value") or key == "orders" else f"{v:.3f}")
        table.add_row(key, *cells)
    return table


@simulate_app.callback(invoke_without_command=True)
def simulate_command(
    policy: PolicyChoice = typer.Option(PolicyChoice.both, help="Which policy to replay."),
    months: int = typer.Option(12, min=1, help="Months replayed at the end of the data."),
    data: str = typer.Option("demo", help="'demo' or a CSV with series_id,period,quantity (monthly)."),
    chart: Path | None = typer.Option(None, help="Write a fill-rate vs inventory PNG (service sweep)."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON only."),
    seed: int = typer.Option(0, help="Seed for lead-time draws and CSV day spreading."),
) -> None:
    """Replay demand day by day and compare fill rate, turnover and dead stock."""
    err = Console(stderr=True)
    inputs = load_inputs(data, months, seed)
    names = ["ims", "naive"] if policy is PolicyChoice.both else [policy.value]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), console=err, transient=as_json
    ) as bar:
        tasks = {n: bar.add_task(f"simulating {n}", total=1) for n in names}

        def tick(name: str, done: int, total: int) -> None:
            bar.update(tasks[name], completed=done, total=total)

        results = run_policies(inputs, months, names, seed=seed, progress=tick)
        if chart is not None:
            start = inputs.replay_start(months)
            sweep_task = bar.add_task("service sweep", total=len(SWEEP_LEVELS))
            points = []
            for level in SWEEP_LEVELS:
                points += sweep_service_targets(
                    inputs.demand,
                    (level,),
                    info=inputs.info,
                    start_day=start,
                    start_date=inputs.start_date,
                    opening_stock=inputs.opening_stock,
                    warmup=inputs.naive if inputs.warmup else None,
                    seed=seed,
                )
                bar.advance(sweep_task)
    if chart is not None:
        naive = results.get("naive") or run_policies(inputs, months, ["naive"], seed=seed)["naive"]
        plot_tradeoff(points, chart, TradeoffPoint(0.0, naive.fill_rate, naive.avg_inventory_value))
    if as_json:
        typer.echo(json.dumps({n: r.metrics() for n, r in results.items()}))
        return
    Console().print(_table(results))
    if chart is not None:
        Console().print(f"chart written to {chart}")


if __name__ == "__main__":
    simulate_app()
