"""A worker process for tests/integrations/test_jobs.py that stops dead in the middle of an alert
evaluation: after the first rules have committed, it writes a marker file and hangs until the
test kills it (SIGKILL, like a lost host)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import integrations.jobs.tasks as tasks
from domain.alerts import engine
from integrations.jobs.worker import run_worker


def main(url: str, marker: str, hang_at: str) -> None:
    original = engine.evaluate_alerts

    async def hanging(*args, **kwargs):  # type: ignore[no-untyped-def]
        async def before_rule(code: str) -> None:
            if code == hang_at:
                await asyncio.to_thread(Path(marker).write_text, "hanging")
                await asyncio.sleep(3600)

        return await original(*args, before_rule=before_rule, **kwargs)

    tasks.evaluate_alerts = hanging  # type: ignore[assignment]
    asyncio.run(run_worker(url, concurrency=1, queues=["alerts"], heartbeat_seconds=0.5))


if __name__ == "__main__":
    main(*sys.argv[1:4])
