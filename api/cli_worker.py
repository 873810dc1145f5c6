"""`ims worker` (run the job queue) and `ims jobs` (run or enqueue one job, list the schedule)."""

from __future__ import annotations

import asyncio
import json
import logging

import typer
from rich.console import Console
from rich.table import Table

jobs_app = typer.Typer(help="Background jobs: run one now, enqueue one, show the schedule.")
console = Console(stderr=True)


def worker(
    concurrency: int = typer.Option(4, min=1, max=64, help="Jobs run at once by this worker."),
    queue: list[str] = typer.Option(None, "--queue", "-q", help="Only these queues (default: all)."),
) -> None:
    """Run the job worker: nightly planning, alert evaluation, KPI snapshots, outbox dispatch."""
    from api.cli import _database_url
    from api.observability import configure_logging
    from domain.settings import get_settings
    from integrations.jobs.worker import run_worker

    configure_logging(get_settings().log_level)
    url = _database_url()
    console.print(f"IMS worker started (concurrency {concurrency}); Ctrl+C stops it after the running jobs.")
    asyncio.run(run_worker(url, concurrency=concurrency, queues=queue or None))


async def _run_now(url: str, name: str) -> object:
    from integrations.jobs import runtime
    from integrations.jobs.app import job_app
    from integrations.jobs.tasks import TASKS

    runtime.configure(url)
    try:
        async with job_app(url, max_connections=2):
            return await TASKS[name]()
    finally:
        await runtime.dispose()


@jobs_app.command("run")
def run(name: str = typer.Argument(..., help="planning, alerts, alerts-changes, outbox, kpi-refresh, ...")) -> None:
    """Run one job in this process now (what the worker would do), and print its result."""
    from api.cli import _database_url
    from integrations.jobs.tasks import TASKS

    if name not in TASKS:
        raise typer.BadParameter(f"unknown job {name!r}; one of {', '.join(TASKS)}")
    logging.basicConfig(level=logging.INFO)
    result = asyncio.run(_run_now(_database_url(), name))
    print(json.dumps(result, default=str, indent=2))


async def _defer(url: str, name: str) -> int | None:
    from procrastinate import exceptions

    from integrations.jobs.app import job_app
    from integrations.jobs.tasks import TASKS

    async with job_app(url, max_connections=2):
        try:
            return await TASKS[name].defer_async()
        except exceptions.AlreadyEnqueued:
            return None


@jobs_app.command("defer")
def defer(name: str = typer.Argument(..., help="Job to enqueue for the workers.")) -> None:
    """Enqueue one job for the workers."""
    from api.cli import _database_url
    from integrations.jobs.tasks import TASKS

    if name not in TASKS:
        raise typer.BadParameter(f"unknown job {name!r}; one of {', '.join(TASKS)}")
    job_id = asyncio.run(_defer(_database_url(), name))
    console.print(f"queued as job {job_id}" if job_id else "one is already waiting in the queue")


@jobs_app.command("schedule")
def schedule() -> None:
    """The periodic jobs and their cron expressions."""
    from integrations.jobs.app import app
    from integrations.jobs.tasks import TASKS

    names = {task.name: short for short, task in TASKS.items()}
    table = Table(title="Periodic jobs")
    for column in ("job", "task", "cron"):
        table.add_column(column)
    for periodic in app.periodic_registry.periodic_tasks.values():
        table.add_row(names.get(periodic.task.name, "?"), periodic.task.name, periodic.cron)
    console.print(table)
