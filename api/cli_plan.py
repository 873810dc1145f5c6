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
