"""`ims plan run`: the daily planning run from the command line, with progress."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

plan_app = typer.Typer(help="Demand planning: forecasts, stocking levels, replenishment suggestions.")
console = Console(stderr=True)


async def _run(url: str, as_of: date | None, progress: Progress) -> object:
    from domain.db import create_engine, session_factory
    from domain.planning.run import run_planning
    from domain.principal import Principal

    engine = create_engine(url)
    task = progress.add_task("planning", total=None)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await run_planning(
                session,
                Principal.system("planning"),
                today=as_of,
                progress=lambda step: progress.update(task, description=f"done: {step}"),
            )
    finally:
        await engine.dispose()


@plan_app.command("run")
def run(
    as_of: str | None = typer.Option(None, "--as-of", help="Plan as of this date (YYYY-MM-DD); default today."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Forecast every part × site, update stocking levels and write ranked suggestions."""
    from api.cli import _database_url

    day = date.fromisoformat(as_of) if as_of else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
        summary = asyncio.run(_run(_database_url(), day, progress))
    data = dict(summary.__dict__)
    data["as_of"] = str(data["as_of"])
    if as_json:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"Planning run {data['run_id']} as of {data['as_of']} — {data['seconds']} s")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("part × site series", f"{data['series']:,}")
    table.add_row("suggestions", f"{data['suggestions']:,}")
    for colour in ("red", "orange", "yellow", "green"):
        table.add_row(f"  {colour}", f"{data['by_priority'].get(colour, 0):,}")
    table.add_row("  served by warehouse transfer", f"{data['transfers']:,}")
    console.print(table)


async def _backfill(url: str, months: int, progress: Progress) -> int:
    from domain.db import create_engine, session_factory
    from domain.planning.accuracy import _month_start, snapshot_forecasts
    from domain.principal import Principal

    engine = create_engine(url)
    task = progress.add_task("backfilling forecasts", total=months)
    written = 0
    try:
        today = date.today()
        for back in range(months, 0, -1):
            async with session_factory(engine)() as session, session.begin():
                written += await snapshot_forecasts(session, Principal.system("planning"), _month_start(today, back))
            progress.advance(task)
    finally:
        await engine.dispose()
    return written


@plan_app.command("backfill")
def backfill(months: int = typer.Option(6, min=1, max=24, help="How many past months to forecast.")) -> None:
    """Forecast past months from the history before each (no peeking), so accuracy can be measured."""
    from api.cli import _database_url

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
        written = asyncio.run(_backfill(_database_url(), months, progress))
    console.print(f"{written:,} monthly forecasts recorded")


async def _accuracy(url: str, group_by: str, months: int) -> list[object]:
    from domain.db import create_engine, session_factory
    from domain.planning.accuracy import accuracy_report
    from domain.principal import Principal

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return list(await accuracy_report(session, Principal.system("planning"), group_by=group_by, months=months))
    finally:
        await engine.dispose()


@plan_app.command("accuracy")
def accuracy(
    by: str = typer.Option("class", help="Group by part, location, class or method."),
    months: int = typer.Option(6, min=1, max=36),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Forecast accuracy (MASE, RMSSE, bias; MAPE only where defined) over the last months."""
    from api.cli import _database_url
    from domain.planning.accuracy import MAPE_UNDEFINED

    rows = asyncio.run(_accuracy(_database_url(), by, months))
    if as_json:
        print(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Forecast accuracy by {by}, last {months} months")
    for column in ("key", "series", "MASE", "RMSSE", "bias", "MAPE", "worsening"):
        table.add_column(column, justify="left" if column == "key" else "right")

    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    for r in rows[:50]:
        table.add_row(
            r.key,
            str(r.series),
            fmt(r.mase),
            fmt(r.rmsse),
            fmt(r.bias),
            fmt(r.mape) if r.mape_defined else "undefined",
            str(r.worsening),
        )
    console.print(table)
    if any(not r.mape_defined for r in rows):
        console.print(f"[dim]{MAPE_UNDEFINED}[/dim]")
