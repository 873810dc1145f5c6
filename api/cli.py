"""The `ims` command: serve, migrate, load demo data, export the schema, check the ledger."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="IMS — spare-parts inventory management.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


def _database_url() -> str:
    """Resolve once and export, so uvicorn workers and Alembic use the very same database."""
    from domain.db import resolve_database_url

    url = resolve_database_url()
    os.environ["DATABASE_URL"] = url
    return url


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from api.migrations import upgrade

    url = _database_url()
    with console.status("Migrating the database…"):
        upgrade(url)
    console.print("[green]Database is at the latest migration.[/green]")


async def _load_demo(url: str, seed: int, force: bool) -> dict[str, int] | None:
    from domain.db import create_engine, session_factory
    from domain.demo.generate import generate
    from domain.demo.load import STEPS, database_is_empty, load_demo

    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        if not await database_is_empty(sessions):
            if not force:
                return None
            raise typer.BadParameter("--force on a non-empty database is not supported; use a fresh database")
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("generating the demo company", total=len(STEPS) + 1)
            data = await asyncio.to_thread(generate, seed)
            progress.advance(task)

            def report(step: str, share: float) -> None:
                progress.update(task, description=f"loaded {step}", advance=share)

            return await load_demo(sessions, data, report)
    finally:
        await engine.dispose()


@app.command()
def demo(
    seed: int = typer.Option(42, help="Seed of the deterministic generator."),
    force: bool = typer.Option(False, help="Load even when the database already has data."),
) -> None:
    """Load the demo dataset (head office, 3 regions, 25 stores, warehouse, 2,500 parts, 24 months)."""
    from api.migrations import upgrade

    url = _database_url()
    upgrade(url)
    started = time.perf_counter()
    counts = asyncio.run(_load_demo(url, seed, force))
    if counts is None:
        console.print("[yellow]The database already holds data; demo not loaded.[/yellow]")
        return
    table = Table(title=f"Demo data loaded in {time.perf_counter() - started:.1f} s")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    console.print(table)
    _announce_demo_user(url)


def _announce_demo_user(url: str) -> None:
    """A fresh demo gets one HQ-operations user with a random password, shown once, so GraphiQL can
    be signed into at once (there are no default credentials)."""
    from api.cli_identity import create_demo_user

    username, password = asyncio.run(create_demo_user(url))
    console.print(f"Sign in to GraphiQL as [bold]{username}[/bold] / [bold]{password}[/bold] (shown once).")


@app.command()
def serve(
    demo_data: bool = typer.Option(False, "--demo", help="Load the demo dataset first if the database is empty."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (no shared in-process state)."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations before serving."),
    job_worker: bool | None = typer.Option(
        None,
        "--worker/--no-worker",
        help="Also run the job worker in the API process (default: on with --demo, off otherwise).",
    ),
) -> None:
    """Start the API server (GraphQL at /graphql)."""
    import uvicorn

    from api.migrations import upgrade

    url = _database_url()
    if migrate_first:
        with console.status("Migrating the database…"):
            upgrade(url)
    if demo_data:
        counts = asyncio.run(_load_demo(url, 42, False))
        if counts is not None:
            console.print(f"[green]Demo data loaded:[/green] {counts}")
            _announce_demo_user(url)
    run_jobs = demo_data if job_worker is None else job_worker
    if run_jobs:
        # Read by api.asgi in each server process: one in-process job worker per process.
        os.environ["IMS_INPROCESS_WORKER"] = "1"
        console.print("Job worker: running inside the server (planning, alerts, KPIs, notifications)")
    console.print(f"IMS listening on [bold]http://{host}:{port}[/bold] — GraphiQL at /graphql")
    uvicorn.run(
        "api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )


@app.command("export-schema")
def export_schema_cmd(
    output: Path = typer.Option(Path("schema.graphql"), "--output", "-o", help="Where to write ('-' for stdout)."),
) -> None:
    """Write the GraphQL schema (SDL) exported from the code."""
    from api.graphql.schema import export_schema

    sdl = export_schema()
    if str(output) == "-":
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")
        console.print(f"Schema written to {output}")


async def _check(url: str) -> list[tuple[str, str]]:
    from domain.db import create_engine, session_factory
    from domain.stock.check import check_ledger

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return [(v.rule, v.detail) for v in await check_ledger(session)]
    finally:
        await engine.dispose()


@app.command()
def check() -> None:
    """Verify every ledger invariant; exits 1 on any violation."""
    from domain.stock.check import RULES

    url = _database_url()
    with console.status("Checking the ledger…"):
        violations = asyncio.run(_check(url))
    table = Table(title="Ledger invariants")
    table.add_column("rule")
    table.add_column("result")
    broken = {rule for rule, _ in violations}
    for rule in RULES:
        table.add_row(rule, "[red]VIOLATED[/red]" if rule in broken else "[green]ok[/green]")
    console.print(table)
    for rule, detail in violations:
        console.print(f"[red]{rule}[/red]: {detail}")
    if violations:
        raise typer.Exit(1)


def _mount_optional() -> None:
    from api.cli_identity import client_app, keys_app, user_app

    app.add_typer(user_app, name="user")
    app.add_typer(client_app, name="client")
    app.add_typer(keys_app, name="keys")
    from api.cli_plan import plan_app

    app.add_typer(plan_app, name="plan")
    try:
        from api.cli_forecast import forecast_app

        app.add_typer(forecast_app, name="forecast", help="Forecast backtests on demand files.")
    except ImportError:  # pragma: no cover - module lands with the planning work
        pass
    try:
        from api.cli_simulate import simulate_app

        app.add_typer(simulate_app, name="simulate", help="Replay demand under a replenishment policy.")
    except ImportError:  # pragma: no cover
        pass
    try:
        from api.cli_worker import jobs_app, worker

        app.command("worker")(worker)
        app.add_typer(jobs_app, name="jobs")
    except ImportError:  # pragma: no cover
        pass
    try:
        from api.cli_data import mount

        mount(app)  # import / export / cleanup / exchange
    except ImportError:  # pragma: no cover
        pass


_mount_optional()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
