"""Deliver outbox events to a partner's webhook, with retries and a dead-letter list.

The transactional outbox (`domain.events`) holds what happened; this dispatcher keeps its own
per-endpoint state in `outbound_delivery`, so it neither depends on nor disturbs any other consumer
of the outbox (the alerts/jobs dispatcher stamps `outbox_event.dispatched_at` for itself).

One `run_once` pass: (1) enqueue — matching events without a delivery row get one; (2) claim due
rows with `FOR UPDATE SKIP LOCKED` and lease them for a few minutes, then commit, so several
workers share the work and no transaction stays open during HTTP calls; (3) POST each signed body
and record the outcome. A failure is retried with exponential backoff; after `max_attempts` the
row turns `dead` and waits for `retry` (the dead-letter list). Delivery is at-least-once: the
receiver deduplicates on `X-IMS-Event-Id`. Events are sent in id order within a batch, but a
failing event does not hold back later ones."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.integration.service import get_partner
from integrations.signing import signed_headers

log = logging.getLogger("ims.erp")

ERP_ENDPOINT = "erp"
# What finance's ERP books: purchasing documents, goods received, stock issued/adjusted with cost,
# supplier statements, merges of part codes. Patterns are SQL LIKE.
ERP_TOPICS = (
    "purchase_order.%",
    "purchase_order_line.%",
    "goods_receipt.%",
    "receipt.%",
    "return_to_vendor.%",
    "stock.%",
    "work_order.issued%",
    "statement.%",
    "part.merged",
)
EVENT_ID_HEADER = "X-IMS-Event-Id"
TOPIC_HEADER = "X-IMS-Topic"


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


class HttpSender:
    """httpx with a short timeout; any transport error counts as a failed attempt."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(url, content=body, headers={**headers, "Content-Type": "application/json"})
            return response.status_code


@dataclass
class DispatchResult:
    enqueued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped_reason: str | None = None


_ENQUEUE = text(
    """
    INSERT INTO outbound_delivery (event_id, endpoint, topic, status, attempts, next_attempt_at)
    SELECT e.id, CAST(:endpoint AS varchar), e.topic, 'pending', 0, now()
      FROM outbox_event e
     WHERE e.id > coalesce((SELECT max(event_id) FROM outbound_delivery
                             WHERE endpoint = CAST(:endpoint AS varchar)), 0) - :lookback
       AND e.topic LIKE ANY(CAST(:topics AS text[]))
       AND NOT EXISTS (SELECT 1 FROM outbound_delivery d
                        WHERE d.event_id = e.id AND d.endpoint = CAST(:endpoint AS varchar))
     ORDER BY e.id
    ON CONFLICT DO NOTHING
    """
)

_CLAIM = text(
    """
    UPDATE outbound_delivery d SET next_attempt_at = now() + make_interval(secs => :lease)
      FROM (SELECT event_id FROM outbound_delivery
             WHERE endpoint = :endpoint AND status = 'pending' AND next_attempt_at <= now()
             ORDER BY event_id LIMIT :batch FOR UPDATE SKIP LOCKED) due, outbox_event e
     WHERE d.endpoint = :endpoint AND d.event_id = due.event_id AND e.id = d.event_id
    RETURNING d.event_id, d.attempts, e.topic, e.payload, e.created_at
    """
)

_DONE = text(
    """
    UPDATE outbound_delivery SET status = 'delivered', attempts = attempts + 1, delivered_at = now(),
           response_status = :status, last_error = NULL
     WHERE endpoint = :endpoint AND event_id = :event_id
    """
)

_FAILED = text(
    """
    UPDATE outbound_delivery
       SET attempts = attempts + 1, response_status = :status, last_error = :error,
           status = CASE WHEN attempts + 1 >= :max_attempts THEN 'dead' ELSE 'pending' END,
           next_attempt_at = now() + make_interval(secs => least(:cap, :base * power(2, attempts)))
     WHERE endpoint = :endpoint AND event_id = :event_id
    RETURNING status
    """
)


def event_body(event_id: int, topic: str, payload: Any, created_at: datetime) -> bytes:
    return json.dumps(
        {"id": event_id, "topic": topic, "occurredAt": created_at.isoformat(), "payload": payload},
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


class OutboxDispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        endpoint: str = ERP_ENDPOINT,
        topics: Sequence[str] = ERP_TOPICS,
        sender: Sender | None = None,
        max_attempts: int = 8,
        base_delay_seconds: float = 30.0,
        max_delay_seconds: float = 3600.0,
        batch: int = 100,
        lease_seconds: float = 300.0,
        lookback: int = 100_000,
    ) -> None:
        self.sessions = sessions
        self.endpoint = endpoint
        self.topics = list(topics)
        self.sender = sender or HttpSender()
        self.max_attempts = max_attempts
        self.base_delay = base_delay_seconds
        self.max_delay = max_delay_seconds
        self.batch = batch
        self.lease = lease_seconds
        self.lookback = lookback

    async def enqueue(self) -> int:
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                _ENQUEUE, {"endpoint": self.endpoint, "topics": self.topics, "lookback": self.lookback}
            )
            return result.rowcount or 0  # type: ignore[attr-defined]

    async def deliver_due(self) -> DispatchResult:
        result = DispatchResult()
        async with self.sessions() as session, session.begin():
            partner = await get_partner(session, self.endpoint)
            if partner is None or not partner.url:
                result.skipped_reason = f"partner {self.endpoint!r} has no active webhook URL"
                return result
            url, secret = partner.url, partner.secret
            claimed = list(
                await session.execute(_CLAIM, {"endpoint": self.endpoint, "batch": self.batch, "lease": self.lease})
            )
        for row in sorted(claimed, key=lambda r: r.event_id):
            body = event_body(row.event_id, row.topic, row.payload, row.created_at)
            headers = {**signed_headers(secret, body), EVENT_ID_HEADER: str(row.event_id), TOPIC_HEADER: row.topic}
            status: int | None = None
            error: str | None = None
            try:
                status = await self.sender.post(url, body, headers)
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except Exception as exc:  # a network failure is an attempt like any other
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with self.sessions() as session, session.begin():
                params = {"endpoint": self.endpoint, "event_id": row.event_id, "status": status}
                if error is None:
                    await session.execute(_DONE, params)
                    result.delivered += 1
                    continue
                outcome = (
                    await session.execute(
                        _FAILED,
                        {
                            **params,
                            "error": error,
                            "max_attempts": self.max_attempts,
                            "base": self.base_delay,
                            "cap": self.max_delay,
                        },
                    )
                ).scalar_one()
                if outcome == "dead":
                    result.dead += 1
                    log.warning(
                        "event %s to %s is dead after %s attempts: %s",
                        row.event_id,
                        self.endpoint,
                        self.max_attempts,
                        error,
                    )
                else:
                    result.failed += 1
        return result

    async def run_once(self) -> DispatchResult:
        enqueued = await self.enqueue()
        result = await self.deliver_due()
        result.enqueued = enqueued
        return result


@dataclass(frozen=True)
class DeadLetter:
    event_id: int
    topic: str
    attempts: int
    last_error: str | None
    response_status: int | None
    created_at: datetime


async def dead_letters(session: AsyncSession, endpoint: str = ERP_ENDPOINT, limit: int = 200) -> list[DeadLetter]:
    rows = await session.execute(
        text(
            """SELECT event_id, topic, attempts, last_error, response_status, created_at FROM outbound_delivery
                WHERE endpoint = :endpoint AND status = 'dead' ORDER BY event_id LIMIT :limit"""
        ),
        {"endpoint": endpoint, "limit": limit},
    )
    return [DeadLetter(**row._mapping) for row in rows]


async def retry_dead(session: AsyncSession, endpoint: str, event_ids: Sequence[int] | None = None) -> int:
    """Put dead deliveries back in the queue (all of them, or the given events)."""
    result = await session.execute(
        text(
            """UPDATE outbound_delivery SET status = 'pending', attempts = 0, next_attempt_at = now()
                WHERE endpoint = :endpoint AND status = 'dead'
                  AND (CAST(:ids AS bigint[]) IS NULL OR event_id = ANY(CAST(:ids AS bigint[])))"""
        ),
        {"endpoint": endpoint, "ids": list(event_ids) if event_ids is not None else None},
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
