"""Notifications: the channel ports, the fan-out of outbox events into per-recipient messages, and
the delivery loop with retries, exponential backoff and a dead-letter status.

Nothing is lost when a channel is down: an alert's outbox event commits with the alert; the
fan-out writes the in-app inbox row and one `notification` row per external recipient in one
transaction (idempotent on event × channel × recipient); delivery claims due rows with a lease,
sends, and records the outcome. A worker that dies mid-send leaves a lease that expires, so the
message is sent again (at least once; receivers deduplicate on the delivery id, which is also the
e-mail Message-ID and the webhook `X-IMS-Delivery` header)."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.alerts.engine import load_rules
from domain.alerts.models import Severity
from domain.alerts.routing import IN_APP, AlertRow, Recipient, recipients_for
from domain.alerts.rules import RULES, describe

log = logging.getLogger("ims.notify")

INBOX_CHANNEL = "ims_inbox"
DIGEST_LINES = 20


# --- ports ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingMessage:
    id: int  # the delivery id: stable across retries
    channel: str
    address: str
    secret: str | None
    severity: str
    topic: str
    subject: str
    body: str
    markdown: str
    data: dict[str, Any]
    created_at: datetime


class DeliveryError(Exception):
    """The channel refused or could not be reached; the message will be retried."""


class Channel(Protocol):
    """One way out (SMTP, a chat robot, a webhook, SMS). `send` raises on failure; it must not
    retry itself (the queue does, with backoff) and should time out in seconds."""

    async def send(self, message: OutgoingMessage) -> None: ...


class SmsProvider(Protocol):
    async def send_sms(self, phone: str, text: str) -> None: ...


# --- rendering -----------------------------------------------------------------------------------

_KIND_ZH = {"raised": "新告警", "resolved": "已恢复", "escalated": "升级(未确认)"}
_SEVERITY_ZH = {"urgent": "紧急", "high": "高", "normal": "中", "low": "低"}


@dataclass(frozen=True)
class Digest:
    subject: str
    body: str
    markdown: str


def render_digest(rule: str, kind: str, severity: str, alerts: Sequence[AlertRow]) -> Digest:
    """One message per recipient and event: the first lines in full, then a count of the rest."""
    definition = RULES.get(rule)
    title = f"{definition.title_zh} {definition.title}" if definition else rule
    n = len(alerts)
    subject = f"[IMS][{_SEVERITY_ZH.get(severity, severity)}] {title}: {n} {_KIND_ZH.get(kind, kind)}"
    lines = [describe(a.rule, a.details, a.part_code, a.location_code) for a in alerts[:DIGEST_LINES]]
    if n > DIGEST_LINES:
        lines.append(f"… 另有 {n - DIGEST_LINES} 条 / and {n - DIGEST_LINES} more")
    body = subject + "\n\n" + "\n".join(lines)
    markdown = f"### {subject}\n\n" + "\n".join(f"- {line}" for line in lines)
    return Digest(subject, body, markdown)


# --- fan-out -------------------------------------------------------------------------------------

_STAMP = {"raised": "raised_in", "resolved": "resolved_in", "escalated": "escalated_in"}
_STILL = {"raised": "a.resolved_at IS NULL", "resolved": "true", "escalated": "a.status = 'open'"}


async def _batch_alerts(session: AsyncSession, kind: str, rule: str, evaluation_id: int) -> list[AlertRow]:
    rows = await session.execute(
        text(
            f"""
            SELECT a.id, a.rule, a.severity, a.status, a.details, a.supplier_id, p.code AS part_code,
                   p.name_zh AS part_name, l.code AS location_code, l.path AS location_path, s.code AS supplier_code
              FROM alert a
              LEFT JOIN part p ON p.id = a.part_id
              LEFT JOIN location l ON l.id = a.location_id
              LEFT JOIN supplier s ON s.id = a.supplier_id
             WHERE a.{_STAMP[kind]} = :e AND a.rule = :r AND {_STILL[kind]}
             ORDER BY a.id
            """
        ),
        {"e": evaluation_id, "r": rule},
    )
    return [
        AlertRow(
            id=r.id,
            rule=r.rule,
            severity=r.severity,
            status=r.status,
            part_code=r.part_code,
            part_name=r.part_name,
            location_code=r.location_code,
            location_path=r.location_path,
            supplier_id=r.supplier_id,
            supplier_code=r.supplier_code,
            details=dict(r.details or {}),
        )
        for r in rows
    ]


@dataclass
class FanOut:
    in_app: int = 0
    external: int = 0


async def fan_out_alert_event(session: AsyncSession, event_id: int, topic: str, payload: Mapping[str, Any]) -> FanOut:
    """Turn one `alert.raised|resolved|escalated` event into inbox rows and queued messages."""
    kind = str(payload.get("kind") or topic.removeprefix("alert."))
    rule = str(payload["rule"])
    alerts = await _batch_alerts(session, kind, rule, int(payload["evaluation_id"]))
    if not alerts:
        return FanOut()
    config = (await load_rules(session)).get(rule)
    if config is None:
        return FanOut()
    severity = Severity(str(payload.get("severity") or config.severity.value))
    functions = config.escalate_to if kind == "escalated" else config.recipients
    recipients = await recipients_for(session, alerts, functions, rule, severity, in_app_only=kind == "resolved")
    result = FanOut()
    for recipient, rows in recipients.items():
        digest = render_digest(rule, kind, severity.value, rows)
        ids = [a.id for a in rows]
        if recipient.channel == IN_APP and recipient.user_id is not None:
            result.in_app += await _inbox(
                session, recipient.user_id, event_id, topic, rule, severity.value, digest, ids
            )
        else:
            data = {"rule": rule, "kind": kind, "count": len(rows), "alertIds": ids[:200]}
            result.external += await _queue(session, event_id, topic, recipient, severity.value, digest, data)
    return result


async def fan_out_topic_event(session: AsyncSession, event_id: int, topic: str, payload: Mapping[str, Any]) -> FanOut:
    """Any other outbox topic goes to the JSON webhooks that subscribed to it (shell patterns)."""
    targets = await session.execute(
        text("SELECT id, channel, address, topics FROM notification_target WHERE active AND topics IS NOT NULL")
    )
    result = FanOut()
    for t in targets:
        if not any(fnmatch.fnmatchcase(topic, pattern) for pattern in t.topics):
            continue
        digest = Digest(subject=topic, body=json.dumps(dict(payload), ensure_ascii=False), markdown=f"**{topic}**")
        recipient = Recipient(f"target:{t.id}", t.channel, t.address, target_id=t.id)
        result.external += await _queue(session, event_id, topic, recipient, Severity.LOW.value, digest, dict(payload))
    return result


async def _inbox(
    session: AsyncSession,
    user_id: int,
    event_id: int,
    topic: str,
    rule: str,
    severity: str,
    digest: Digest,
    alert_ids: list[int],
) -> int:
    row = (
        await session.execute(
            text(
                """
                INSERT INTO user_notification (user_id, event_id, topic, rule, severity, title, body, alert_ids)
                VALUES (:u, :e, :t, :r, :s, :title, :body, :ids)
                ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id
                """
            ),
            {
                "u": user_id,
                "e": event_id,
                "t": topic,
                "r": rule,
                "s": severity,
                "title": digest.subject,
                "body": digest.body,
                "ids": alert_ids,
            },
        )
    ).scalar_one_or_none()
    if row is None:
        return 0
    # Delivered at commit to every API process listening (the GraphQL subscription).
    await session.execute(
        text("SELECT pg_notify(:c, :p)"), {"c": INBOX_CHANNEL, "p": json.dumps({"user_id": user_id, "id": row})}
    )
    return 1


async def _queue(
    session: AsyncSession,
    event_id: int,
    topic: str,
    recipient: Recipient,
    severity: str,
    digest: Digest,
    data: dict[str, Any],
) -> int:
    row = (
        await session.execute(
            text(
                """
                INSERT INTO notification (event_id, topic, channel, recipient, target_id, address, severity, subject,
                                          body, markdown, data)
                VALUES (:e, :t, :c, :r, :target, :a, :s, :subject, :body, :md, CAST(:data AS jsonb))
                ON CONFLICT (event_id, channel, recipient) DO NOTHING RETURNING id
                """
            ),
            {
                "e": event_id,
                "t": topic,
                "c": recipient.channel,
                "r": recipient.key,
                "target": recipient.target_id,
                "a": recipient.address,
                "s": severity,
                "subject": digest.subject,
                "body": digest.body,
                "md": digest.markdown,
                "data": json.dumps(data, ensure_ascii=False, default=str),
            },
        )
    ).scalar_one_or_none()
    return 0 if row is None else 1


# --- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 6 * 3600.0
    lease_seconds: float = 120.0
    batch: int = 50
    concurrency: int = 8


def backoff(attempts: int, settings: DeliverySettings, jitter: float | None = None) -> timedelta:
    """Exponential: 30 s, 1 min, 2 min, … capped at 6 h, ±20 % jitter so a recovering channel is
    not hit by every queued message in the same second."""
    base = min(settings.backoff_seconds * 2 ** max(attempts - 1, 0), settings.backoff_cap_seconds)
    factor = 1 + (random.uniform(-0.2, 0.2) if jitter is None else jitter)
    return timedelta(seconds=base * factor)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


_CLAIM_SQL = """
    WITH due AS (
        SELECT id FROM notification
         WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at, id
         LIMIT :n FOR UPDATE SKIP LOCKED
    )
    UPDATE notification n SET locked_until = now() + make_interval(secs => CAST(:lease AS float8)),
                              attempts = n.attempts + 1
      FROM due WHERE n.id = due.id
    RETURNING n.id, n.channel, n.address, n.severity, n.topic, n.subject, n.body, n.markdown, n.data, n.created_at,
              n.attempts, (SELECT secret FROM notification_target t WHERE t.id = n.target_id) AS secret
"""


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    channels: Mapping[str, Channel],
    settings: DeliverySettings | None = None,
) -> DeliveryReport:
    """Send what is due, one batch; safe with any number of workers (SKIP LOCKED + lease)."""
    settings = settings or DeliverySettings()
    async with sessions() as session, session.begin():
        claimed = list(await session.execute(text(_CLAIM_SQL), {"n": settings.batch, "lease": settings.lease_seconds}))
    report = DeliveryReport()
    if not claimed:
        return report
    gate = asyncio.Semaphore(settings.concurrency)

    async def one(row: Any) -> None:
        message = OutgoingMessage(
            id=row.id,
            channel=row.channel,
            address=row.address,
            secret=row.secret,
            severity=row.severity,
            topic=row.topic,
            subject=row.subject,
            body=row.body,
            markdown=row.markdown,
            data=dict(row.data or {}),
            created_at=row.created_at,
        )
        error: str | None = None
        async with gate:
            channel = channels.get(row.channel)
            try:
                if channel is None:
                    raise DeliveryError(f"no adapter configured for channel {row.channel!r}")
                await channel.send(message)
            except Exception as exc:  # a channel's failure is data for the retry policy
                error = f"{type(exc).__name__}: {exc}"[:1000]
        await _record(sessions, row.id, row.attempts, error, settings, report)

    await asyncio.gather(*(one(row) for row in claimed))
    return report


async def _record(
    sessions: async_sessionmaker[AsyncSession],
    notification_id: int,
    attempts: int,
    error: str | None,
    settings: DeliverySettings,
    report: DeliveryReport,
) -> None:
    async with sessions() as session, session.begin():
        if error is None:
            await session.execute(
                text("UPDATE notification SET status = 'sent', sent_at = now(), locked_until = NULL WHERE id = :id"),
                {"id": notification_id},
            )
            report.sent += 1
            return
        report.errors.append(error)
        if attempts >= settings.max_attempts:
            await session.execute(
                text("UPDATE notification SET status = 'dead', locked_until = NULL, last_error = :e WHERE id = :id"),
                {"id": notification_id, "e": error},
            )
            report.dead += 1
            log.warning("notification %s dead after %s attempts: %s", notification_id, attempts, error)
            return
        await session.execute(
            text(
                "UPDATE notification SET locked_until = NULL, last_error = :e, next_attempt_at = now() + :delay "
                "WHERE id = :id"
            ),
            {"id": notification_id, "e": error, "delay": backoff(attempts, settings)},
        )
        report.retried += 1
