"""``ims forecast``: backtest every forecasting method and the automatic choice on a demand file.

A callback keeps ``backtest`` a named subcommand, so the module works standalone
(``python -m api.cli_forecast backtest FILE --horizon 6``) and mounted as ``ims forecast``.
Progress and warnings go to stderr so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from domain.planning.forecast import MethodResult, backtest, default_methods
from integrations.demand_csv import DemandFileError, read_demand_csv

forecast_app = typer.Typer(
    help="Demand forecasting: compare methods on a demand file (series_id,period,quantity).",
    add_completion=False,
    no_args_is_help=True,
)

EXIT_BAD_INPUT = 2


@forecast_app.callback()
def _forecast() -> None:
    """Demand forecasting tools."""


def _fail(err: Console, message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _table(results: list[MethodResult], n_series: int, n_periods: int, horizon: int) -> Table:
    table = Table(title=f"Backtest: {n_series} series × {n_periods} periods, last {horizon} held out")
    table.add_column("method")
    for col in ("MASE", "RMSSE", "bias", "seconds"):
        table.add_column(col, justify="right")

    def best(key: str) -> float:
        vals = [abs(getattr(r, key)) for r in results if not math.isnan(getattr(r, key))]
        return min(vals) if vals else math.nan

    winners = {key: best(key) for key in ("MASE", "RMSSE", "bias", "seconds")}
    for r in results:
        cells = []
        for key, fmt in (("MASE", ".4f"), ("RMSSE", ".4f"), ("bias", "+.4f"), ("seconds", ".3f")):
            value = getattr(r, key)
            text = f"{value:{fmt}}"
            cells.append(f"[bold green]{text}[/bold green]" if abs(value) == winners[key] else text)
        name = f"[bold]{r.method}[/bold]" if r.method == "auto" else r.method
        table.add_row(name, *cells)
    table.caption = "green: best per column; bias: mean scaled error, + = over-forecast"
    return table


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


@forecast_app.command("backtest")
def backtest_command(
    file: Path = typer.Argument(..., help="Long CSV: series_id,period,quantity."),
    horizon: int = typer.Option(..., "--horizon", min=1, help="Periods held out as the test window."),
    season: int | None = typer.Option(None, "--season", min=2, help="Season length, e.g. 12 for months."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    fill_missing: bool = typer.Option(
        False, "--fill-missing", help="Treat missing periods as zero demand instead of skipping the series."
    ),
) -> None:
    """Hold out the last HORIZON periods, forecast them with every method and 'auto', and score."""
    out = Console()
    err = Console(stderr=True)
    try:
        data = read_demand_csv(file, fill_missing=fill_missing)
    except DemandFileError as exc:
        raise _fail(err, str(exc)) from None
    ids, Y = data.complete_series()
    skipped = data.incomplete_ids
    if skipped:
        sample = ", ".join(skipped[:3]) + (", …" if len(skipped) > 3 else "")
        err.print(
            f"[yellow]warning:[/yellow] skipped {len(skipped)} series with missing periods ({sample}); "
            "use --fill-missing to treat gaps as zero demand",
            highlight=False,
            soft_wrap=True,
        )
    if not ids:
        raise _fail(err, f"{file.name}: no series has a row for every period")
    if Y.shape[1] - horizon < 2:
        raise _fail(
            err, f"--horizon {horizon} leaves {Y.shape[1] - horizon} training periods; need at least 2"
        )

    steps = [*default_methods(season), "auto"]
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("backtest", total=len(steps))
        started = False

        def tick(method: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=f"fitting {method}")

        results = backtest(Y, horizon, season=season, progress=tick)
        progress.advance(task)

    if as_json:
        payload = [
            {
                "method": r.method,
                "MASE": _clean(r.MASE),
                "RMSSE": _clean(r.RMSSE),
                "bias": _clean(r.bias),
                "seconds": r.seconds,
            }
            for r in results
        ]
        typer.echo(json.dumps(payload, indent=2))
    else:
        out.print(_table(results, Y.shape[0], Y.shape[1], horizon))


if __name__ == "__main__":
    forecast_app()
