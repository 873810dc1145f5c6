"""The procrastinate application. One module-level App (tasks bind to it once); `job_app(url)`
points it at a database for the duration of a worker or a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate

from domain.db import sync_url

app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),
    import_paths=["integrations.jobs.tasks"],
    # A periodic job missed by more than this (worker down) is skipped until its next slot,
    # so a night without workers does not replay every missed minute in the morning.
    periodic_defaults={"max_delay": 600},
)


@asynccontextmanager
async def job_app(url: str, max_connections: int = 6) -> AsyncIterator[procrastinate.App]:
    connector = procrastinate.PsycopgConnector(
        conninfo=sync_url(url), min_size=1, max_size=max_connections, kwargs={"application_name": "ims-worker"}
    )
    with app.replace_connector(connector):
        async with app.open_async():
            yield app
