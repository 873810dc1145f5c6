"""The job queue against the test database: a procrastinate worker runs the jobs; a worker killed
in the middle of an alert evaluation leaves a stalled job that is retried without any duplicate
alert or event; the queueing lock keeps one waiting copy of a job; month-end is a no-op until
the VMI module exists."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from procrastinate import exceptions as job_errors

from integrations.jobs import runtime
from integrations.jobs.app import job_app
from integrations.jobs.tasks import evaluate_alerts_job, retry_stalled_jobs
from integrations.jobs.worker import run_worker
from tests.domain.alerts.helpers import rows, scalar, set_policy

ROOT = Path(__file__).resolve().parents[2]


async def _jobs(db_url: str) -> list[tuple[str, str]]:
    async with job_app(db_url, max_connections=2) as app:
        return [(j.task_name, j.status) for j in await app.job_manager.list_jobs_async()]


async def test_a_worker_evaluates_alerts_and_dispatches_the_outbox(db_url, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    async with job_app(db_url, max_connections=2):
        job_id = await evaluate_alerts_job.defer_async()
        try:
            await evaluate_alerts_job.defer_async()
            raise AssertionError("a second waiting evaluation should be refused by the queueing lock")
        except job_errors.AlreadyEnqueued:
            pass
    # One job at a time: the evaluation defers a dispatch, which the same run then picks up.
    await run_worker(db_url, concurrency=1, wait=False, install_signal_handlers=False)

    assert await scalar(sessions, "SELECT count(*) FROM alert WHERE rule = 'stockout'") == 1
    # The evaluation deferred a dispatch, which fanned the event out to the in-app inboxes.
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE dispatched_at IS NULL") == 0
    assert await scalar(sessions, "SELECT count(*) FROM user_notification") == 3
    jobs = await _jobs(db_url)
    assert ("ims.alerts.evaluate", "succeeded") not in jobs  # successful jobs are deleted
    assert all(status != "failed" for _, status in jobs) and job_id


async def test_a_job_killed_midway_is_retried_without_duplicates(db_url, sessions, tmp_path) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")  # stockout
    await set_policy(sessions, "BRK-0001-A", "WH", "10", "20", "120")  # overstock (200 > 120)
    async with job_app(db_url, max_connections=2):
        await evaluate_alerts_job.defer_async()

    marker = tmp_path / "hanging"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = str(ROOT / "tests/integrations/job_worker_script.py")
    worker = await asyncio.create_subprocess_exec(
        sys.executable, script, db_url, str(marker), "overstock", cwd=ROOT, env=env
    )
    try:
        for _ in range(600):
            if marker.exists() or worker.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert marker.exists(), "the worker never reached the overstock rule"
        # Stockout and imminent-stockout committed; overstock not yet.
        assert await scalar(sessions, "SELECT count(*) FROM alert WHERE rule = 'stockout'") == 1
        assert await scalar(sessions, "SELECT count(*) FROM alert WHERE rule = 'overstock'") == 0
    finally:
        worker.kill()  # SIGKILL: no graceful shutdown, like a lost host
        await worker.wait()
    assert ("ims.alerts.evaluate", "doing") in await _jobs(db_url)

    await asyncio.sleep(1.5)  # its heartbeat is now stale
    runtime.configure(db_url)
    try:
        async with job_app(db_url, max_connections=2):
            assert await retry_stalled_jobs(seconds=1) == 1
    finally:
        await runtime.dispose()
    await run_worker(db_url, concurrency=1, queues=["alerts"], wait=False, install_signal_handlers=False)

    counts = await rows(sessions, "SELECT rule, count(*) AS n FROM alert GROUP BY rule ORDER BY rule")
    assert counts == [{"rule": "overstock", "n": 1}, {"rule": "stockout", "n": 1}]
    events = await rows(
        sessions, "SELECT payload->>'rule' AS rule, count(*) AS n FROM outbox_event GROUP BY 1 ORDER BY 1"
    )
    assert events == [{"rule": "overstock", "n": 1}, {"rule": "stockout", "n": 1}]
    # The killed run is marked failed by the next one (the periodic incremental run may add more).
    statuses = {
        r["status"]: r["n"]
        for r in await rows(sessions, "SELECT status, count(*) AS n FROM alert_evaluation GROUP BY 1")
    }
    assert statuses["failed"] == 1 and statuses["succeeded"] >= 1 and "running" not in statuses
