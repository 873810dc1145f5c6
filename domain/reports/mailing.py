"""The morning e-mail of the daily operations report to each store's managers.

Recipients are the active users holding the store-manager role on the store (or on a subtree
containing it) who have an e-mail address. Each store × day × address is claimed in the sent-log
before sending and marked sent after, each step in its own short transaction, so a job that is
retried, or runs on two workers at once, sends every manager one e-mail. A failed send is marked
failed and taken again by the next run; a claim left by a worker that died mid-send is taken
again once stale. The domain only knows the port (`OpsReportMailer`); integrations/ renders and
sends the message (SMTP)."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.analytics.settings import AnalyticsSettings, business_now, get_analytics_settings
from domain.org.models import Location
from domain.reports.ops_daily import OpsReport, build_report

log = logging.getLogger("ims.reports")

STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    name: str
    address: str


class OpsReportMailer(Protocol):
    """Sends one report to one person; raises on failure (the sent-log records it, the next run retries)."""

    async def send_ops_report(self, recipient: Recipient, report: OpsReport, message_id: str) -> None: ...


def message_id(report: OpsReport, address: str) -> str:
    """Stable across retries, so a rare second copy is recognised as the same message."""
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"<ims-ops-{report.store_code.lower()}-{report.day:%Y%m%d}-{digest}@ims.local>"


_RECIPIENTS = text(
    """
    SELECT DISTINCT ON (s.id, lower(u.email)) s.id AS store_id, u.id AS user_id, u.username,
           u.display_name, u.email
      FROM location s
      JOIN location l ON s.path = l.path OR s.path LIKE l.path || '/%'
      JOIN role_assignment ra ON ra.location_id = l.id AND ra.role = 'store_manager'
      JOIN app_user u ON u.id = ra.user_id AND u.active AND coalesce(u.email, '') <> ''
     WHERE s.kind = 'store' AND s.active
     ORDER BY s.id, lower(u.email), u.id
    """
)


async def recipients_by_store(session: AsyncSession) -> dict[int, list[Recipient]]:
    found: dict[int, list[Recipient]] = defaultdict(list)
    for r in await session.execute(_RECIPIENTS):
        found[r.store_id].append(Recipient(r.user_id, r.username, r.display_name, r.email.strip()))
    return found


_CLAIM = text(
    """
    INSERT INTO ops_report_delivery (store_id, day, address, user_id, status, attempts, claimed_at)
    VALUES (:store, :day, :address, :user_id, 'sending', 1, now())
    ON CONFLICT (store_id, day, address) DO UPDATE
       SET status = 'sending', attempts = ops_report_delivery.attempts + 1, claimed_at = now(), last_error = NULL
     WHERE ops_report_delivery.status = 'failed'
        OR (ops_report_delivery.status = 'sending'
            AND ops_report_delivery.claimed_at < now() - CAST(:stale AS interval))
    RETURNING id
    """
)
_SENT = text("UPDATE ops_report_delivery SET status = 'sent', sent_at = now() WHERE id = :id")
_FAILED = text("UPDATE ops_report_delivery SET status = 'failed', last_error = :error WHERE id = :id")


@dataclass
class MailRun:
    day: date
    sent: int = 0
    skipped: int = 0  # sent before (or being sent by another worker right now)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


async def send_daily_reports(
    sessions: async_sessionmaker[AsyncSession],
    mailer: OpsReportMailer,
    day: date,
    *,
    store_codes: Sequence[str] | None = None,
    settings: AnalyticsSettings | None = None,
    stale_after: timedelta = STALE_CLAIM,
) -> MailRun:
    """Send `day`'s report of every store (or the ones named) to its managers, once each."""
    settings = settings or get_analytics_settings()
    run = MailRun(day)
    async with sessions() as session:
        recipients = await recipients_by_store(session)
        stmt = select(Location).where(Location.id.in_(list(recipients))).order_by(Location.code)
        if store_codes is not None:
            stmt = stmt.where(Location.code.in_([c.strip().upper() for c in store_codes]))
        stores = list((await session.execute(stmt)).scalars())
    for store in stores:
        claimed: list[tuple[int, Recipient]] = []
        for person in recipients[store.id]:
            async with sessions() as session, session.begin():
                row = (
                    await session.execute(
                        _CLAIM,
                        {
                            "store": store.id,
                            "day": day,
                            "address": person.address,
                            "user_id": person.user_id,
                            "stale": stale_after,
                        },
                    )
                ).scalar_one_or_none()
            if row is None:
                run.skipped += 1
            else:
                claimed.append((row, person))
        if not claimed:
            continue
        try:
            async with sessions() as session:
                report = await build_report(session, store, day, settings, business_now(settings))
        except Exception as error:  # a broken report must not stop the other stores' mail
            log.exception("daily report of %s for %s could not be built", store.code, day)
            await _mark_failed(sessions, [delivery for delivery, _ in claimed], f"report: {error}")
            run.failed += len(claimed)
            run.errors.append(f"{store.code}: {error}")
            continue
        for delivery, person in claimed:
            try:
                await mailer.send_ops_report(person, report, message_id(report, person.address))
            except Exception as error:  # any channel failure: record it, retry on the next run
                log.warning("daily report of %s to %s failed: %s", store.code, person.address, error)
                await _mark_failed(sessions, [delivery], str(error)[:2000])
                run.failed += 1
                run.errors.append(f"{store.code} → {person.address}: {error}")
                continue
            async with sessions() as session, session.begin():
                await session.execute(_SENT, {"id": delivery})
            run.sent += 1
    return run


async def _mark_failed(sessions: async_sessionmaker[AsyncSession], ids: list[int], error: str) -> None:
    async with sessions() as session, session.begin():
        for delivery in ids:
            await session.execute(_FAILED, {"id": delivery, "error": error})


def previous_business_day(settings: AnalyticsSettings | None = None) -> date:
    """The day a morning run reports on."""
    return business_now(settings).date() - timedelta(days=1)
