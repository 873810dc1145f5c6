"""The periodic jobs. Every one is safe to run twice or on several workers at once:

- procrastinate defers a periodic job once per slot (a unique row per task and timestamp), and a
  `queueing_lock` keeps at most one waiting job per task, so a slow job never piles up copies;
- `lock` serialises jobs that touch the same data (both alert evaluations);
- inside, each job is idempotent by itself: an advisory lock plus "already done today?" for the
  planning run, the alert engine's unique open-alert index, upserts for snapshots, and
  FOR UPDATE SKIP LOCKED / leases for the outbox. A job whose worker died is retried by
  `retry_stalled_jobs` and finds the work half done, not doubled."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as job_errors
from sqlalchemy import text

from domain.alerts.dispatch import dispatch_outbox
from domain.alerts.engine import evaluate_alerts
from domain.alerts.notify import DeliveryReport, DeliverySettings, deliver_due
from domain.analytics import snapshots
from domain.analytics.settings import business_today
from domain.principal import Principal
from integrations.jobs.app import app
from integrations.jobs.runtime import runtime

log = logging.getLogger("ims.jobs")

SYSTEM = Principal.system("jobs")
PLANNING_LOCK = 7_311_002
STALLED_AFTER_SECONDS = 60
BACKFILL_DAYS = 400


async def _defer_dispatch() -> None:
    """Ask for a dispatch now (low latency for fresh alerts); fine if one is already waiting."""
    try:
        await dispatch_outbox_job.defer_async()
    except job_errors.AlreadyEnqueued:
        pass


@app.periodic(cron="0 2 * * *")
@app.task(name="ims.planning.nightly", queue="planning", queueing_lock="ims.planning.nightly", lock="planning")
async def nightly_planning(timestamp: int | None = None) -> dict[str, Any]:
    """The daily planning run, once per business day."""
    from domain.planning.run import run_planning

    today = business_today()
    async with runtime().sessions() as session, session.begin():
        if not (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PLANNING_LOCK})).scalar():
            return {"skipped": "planning is running elsewhere"}
        done = (
            await session.execute(
                text("SELECT id FROM planning_run WHERE as_of = :d AND status = 'succeeded' LIMIT 1"), {"d": today}
            )
        ).scalar_one_or_none()
        if done is not None:
            return {"skipped": "already planned today", "run_id": done}
        summary = await run_planning(session, SYSTEM, today=today)
    return {"run_id": summary.run_id, "suggestions": summary.suggestions, "seconds": summary.seconds}


@app.periodic(cron="*/15 * * * *")
@app.task(name="ims.alerts.evaluate", queue="alerts", queueing_lock="ims.alerts.evaluate", lock="alerts")
async def evaluate_alerts_job(timestamp: int | None = None) -> dict[str, Any]:
    """Every rule over everything (catches time-driven conditions: dead stock, late suppliers)."""
    result = await evaluate_alerts(runtime().engine, SYSTEM)
    if result.raised or result.resolved or result.escalated:
        await _defer_dispatch()
    return {"evaluation": result.evaluation_id, "raised": result.raised, "skipped": result.skipped}


@app.periodic(cron="* * * * *")
@app.task(name="ims.alerts.evaluate_changes", queue="alerts", queueing_lock="ims.alerts.changes", lock="alerts")
async def evaluate_changes_job(timestamp: int | None = None) -> dict[str, Any]:
    """Part-sites whose stock or levels changed since the last run (the event-driven path)."""
    result = await evaluate_alerts(runtime().engine, SYSTEM, changes_only=True)
    if result.raised or result.resolved or result.escalated:
        await _defer_dispatch()
    return {"evaluation": result.evaluation_id, "raised": result.raised, "part_sites": result.part_sites}


@app.periodic(cron="* * * * * */15")
@app.task(name="ims.outbox.dispatch", queue="outbox", queueing_lock="ims.outbox.dispatch")
async def dispatch_outbox_job(timestamp: int | None = None) -> dict[str, Any]:
    """Fan out new outbox events, then send what is due (a few batches per run)."""
    rt = runtime()
    fanned = await dispatch_outbox(rt.sessions)
    settings = DeliverySettings()
    total = DeliveryReport()
    async with rt.channels() as channels:
        for _ in range(10):
            report = await deliver_due(rt.sessions, channels, settings)
            total.sent, total.retried, total.dead = (
                total.sent + report.sent,
                total.retried + report.retried,
                total.dead + report.dead,
            )
            if report.sent + report.retried + report.dead < settings.batch:
                break
    return {"events": fanned.dispatched, "sent": total.sent, "retried": total.retried, "dead": total.dead}


@app.periodic(cron="*/5 * * * *")
@app.task(name="ims.kpi.refresh", queue="analytics", queueing_lock="ims.kpi.refresh")
async def refresh_kpis_job(timestamp: int | None = None) -> dict[str, Any]:
    async with runtime().sessions() as session, session.begin():
        sites = await snapshots.refresh_today(session)
    return {"sites": sites}


@app.periodic(cron="20 0 * * *")
@app.task(name="ims.kpi.finalise", queue="analytics", queueing_lock="ims.kpi.finalise")
async def finalise_kpis_job(timestamp: int | None = None) -> dict[str, Any]:
    """Close the last days' flows; the first run back-fills a year of history."""
    async with runtime().sessions() as session, session.begin():
        oldest = (await session.execute(text("SELECT min(day) FROM kpi_site_day"))).scalar()
        today = business_today()
        start = today - timedelta(days=BACKFILL_DAYS) if oldest is None or oldest >= today - timedelta(days=3) else None
        rows = await snapshots.finalise_days(session, start=start)
    return {"rows": rows}


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@app.periodic(cron="0 3 1 * *")
@app.task(name="ims.vmi.month_end", queue="statements", queueing_lock="ims.vmi.month_end", lock="statements")
async def month_end_statements_job(timestamp: int | None = None) -> dict[str, Any]:
    """VMI reconciliation statements of the month just closed; idempotent per supplier and month, so
    a retried or doubled run issues each statement once."""
    from domain.vmi.statements import generate_month_end_statements

    month = _previous_month(business_today())
    async with runtime().sessions() as session, session.begin():
        result = await generate_month_end_statements(session, SYSTEM, month)
    return {"month": month.isoformat(), "result": str(result)}


@app.periodic(cron="* * * * *")
@app.task(name="ims.jobs.retry_stalled", queue="maintenance", queueing_lock="ims.jobs.retry_stalled")
async def retry_stalled_jobs(timestamp: int | None = None, seconds: float = STALLED_AFTER_SECONDS) -> int:
    """Jobs whose worker stopped sending heartbeats (killed, host lost) go back to the queue."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in stalled:
        log.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


TASKS: dict[str, Any] = {
    "planning": nightly_planning,
    "alerts": evaluate_alerts_job,
    "alerts-changes": evaluate_changes_job,
    "outbox": dispatch_outbox_job,
    "kpi-refresh": refresh_kpis_job,
    "kpi-finalise": finalise_kpis_job,
    "month-end": month_end_statements_job,
    "retry-stalled": retry_stalled_jobs,
}


@app.periodic(cron="0 1 * * 1")
@app.task(name="ims.counting.weekly", queue="counting", queueing_lock="ims.counting.weekly", lock="counting")
async def weekly_counts_job(timestamp: int | None = None) -> dict[str, Any]:
    """Monday's cycle and sample count plans for every site (skips sites already planned this week)."""
    from domain.counting.autoplan import schedule_weekly_counts

    async with runtime().sessions() as session, session.begin():
        result = await schedule_weekly_counts(session, SYSTEM, business_today())
    return {"created": len(result.created), "skipped": result.skipped, "empty": len(result.empty)}


TASKS["weekly-counts"] = weekly_counts_job


@app.periodic(cron="*/15 * * * *")
@app.task(name="ims.vmi.triggers", queue="vmi", queueing_lock="ims.vmi.triggers", lock="vmi")
async def vmi_triggers_job(timestamp: int | None = None) -> dict[str, Any]:
    """VMI parts below their minimum: draft a proposal and tell the supplier, once per open proposal
    (an agreement with an open proposal is skipped; agreements being edited are locked and skipped)."""
    from domain.vmi.triggers import evaluate_triggers

    async with runtime().sessions() as session, session.begin():
        report = await evaluate_triggers(session, SYSTEM)
    if report.notified:
        await _defer_dispatch()
    return {
        "evaluated": report.evaluated,
        "below_min": report.below_min,
        "drafted": report.drafted,
        "notified": report.notified,
        "failed": report.failed,
    }


TASKS["vmi-triggers"] = vmi_triggers_job


class OpsReportsNotSent(Exception):
    """Some daily reports could not be sent; the retry sends only those (the sent-log skips the rest)."""


# 07:00 in Asia/Shanghai (UTC+8, no daylight saving): procrastinate's cron runs in UTC.
@app.periodic(cron="0 23 * * *")
@app.task(
    name="ims.reports.ops_daily",
    queue="reports",
    queueing_lock="ims.reports.ops_daily",
    lock="ops_daily",
    retry=procrastinate.RetryStrategy(max_attempts=6, wait=600),
)
async def ops_daily_report_job(timestamp: int | None = None, day: str | None = None) -> dict[str, Any]:
    """Each store's operations report of the previous business day (or `day`, ISO) to its managers,
    one e-mail each however often the job runs (domain.reports.mailing keeps a sent-log)."""
    from domain.reports.mailing import previous_business_day, send_daily_reports
    from integrations.notifications.ops_report import SmtpOpsReportMailer
    from integrations.notifications.settings import get_notification_settings

    settings = get_notification_settings()
    if not settings.smtp_host:
        log.info("daily store reports: no SMTP server configured (IMS_SMTP_HOST); nothing sent")
        return {"skipped": "no SMTP server"}
    report_day = date.fromisoformat(day) if day else previous_business_day()
    run = await send_daily_reports(runtime().sessions, SmtpOpsReportMailer(settings), report_day)
    result = {"day": report_day.isoformat(), "sent": run.sent, "skipped": run.skipped, "failed": run.failed}
    if run.failed:
        raise OpsReportsNotSent(f"{result}: {'; '.join(run.errors[:5])}")
    return result


TASKS["ops-report"] = ops_daily_report_job
