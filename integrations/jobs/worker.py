"""Running a worker: `ims worker` in its own process, or inside the API process (`ims serve
--worker`) as a background task of the ASGI lifespan."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from procrastinate.app import WorkerOptions

from integrations.jobs import runtime
from integrations.jobs.app import job_app

log = logging.getLogger("ims.jobs")


async def run_worker(
    url: str,
    *,
    concurrency: int = 4,
    queues: Sequence[str] | None = None,
    wait: bool = True,
    install_signal_handlers: bool = True,
    name: str = "ims-worker",
    heartbeat_seconds: float = 10,
    channels: runtime.ChannelFactory | None = None,
) -> None:
    """Process jobs until stopped (or, with `wait=False`, until the queues are empty)."""
    import integrations.jobs.tasks  # noqa: F401  (registers the tasks and their schedules)

    runtime.configure(url, channels)
    options: WorkerOptions = {
        "name": name,
        "concurrency": concurrency,
        "wait": wait,
        "install_signal_handlers": install_signal_handlers,
        "delete_jobs": "successful",
        "update_heartbeat_interval": heartbeat_seconds,
        "stalled_worker_timeout": max(30.0, 3 * heartbeat_seconds),
        "listen_notify": True,
    }
    if queues:  # default: every queue
        options["queues"] = list(queues)
    try:
        async with job_app(url, max_connections=concurrency + 3) as app:
            await app.run_worker_async(**options)
    finally:
        await runtime.dispose()
