"""The outbox dispatcher: reads undispatched `outbox_event` rows (domain.events) in id order,
hands each to the handler of its topic inside a savepoint, and stamps `dispatched_at` in the same
transaction as the handler's writes — so an event is handled exactly once even with several
workers (rows are claimed FOR UPDATE SKIP LOCKED) or a worker killed half-way (its transaction
rolls back and the rows are claimed again).

Handlers only write to the database (inbox rows, queued notifications); talking to the outside
world happens later in domain.alerts.notify.deliver_due, so a slow channel never holds an outbox
lock. A handler that raises leaves its event undispatched with `attempts` + 1; after
MAX_ATTEMPTS it is skipped (and listed by `stuck_events`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.alerts.notify import fan_out_alert_event, fan_out_topic_event

log = logging.getLogger("ims.outbox")

MAX_ATTEMPTS = 10
Handler = Callable[[AsyncSession, int, str, Mapping[str, Any]], Awaitable[object]]


def handler_for(topic: str) -> Handler:
    """Alerts are routed by role and location; every other topic goes to subscribed webhooks."""
    return fan_out_alert_event if topic.startswith("alert.") else fan_out_topic_event


@dataclass
class DispatchReport:
    dispatched: int = 0
    failed: int = 0
    batches: int = 0


_CLAIM = text(
    """
    SELECT id, topic, payload FROM outbox_event
     WHERE dispatched_at IS NULL AND attempts < :max AND id <> ALL(CAST(:skip AS bigint[]))
     ORDER BY id LIMIT :n
       FOR UPDATE SKIP LOCKED
    """
)


async def dispatch_outbox(
    sessions: async_sessionmaker[AsyncSession], *, batch: int = 50, max_batches: int = 20
) -> DispatchReport:
    report = DispatchReport()
    skip: list[int] = []  # failed in this run: retried by the next run, not in a tight loop
    for _ in range(max_batches):
        failed: list[int] = []
        async with sessions() as session, session.begin():
            rows = list(await session.execute(_CLAIM, {"max": MAX_ATTEMPTS, "n": batch, "skip": skip}))
            if not rows:
                break
            report.batches += 1
            done: list[int] = []
            for row in rows:
                try:
                    async with session.begin_nested():
                        await handler_for(row.topic)(session, row.id, row.topic, row.payload or {})
                    done.append(row.id)
                except Exception:
                    log.exception("outbox event %s (%s) failed", row.id, row.topic)
                    failed.append(row.id)
            if done:
                await session.execute(
                    text("UPDATE outbox_event SET dispatched_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))"),
                    {"ids": done},
                )
            if failed:
                await session.execute(
                    text("UPDATE outbox_event SET attempts = attempts + 1 WHERE id = ANY(CAST(:ids AS bigint[]))"),
                    {"ids": failed},
                )
        report.dispatched += len(done)
        report.failed += len(failed)
        skip.extend(failed)
        if len(rows) < batch:
            break
    return report


async def stuck_events(session: AsyncSession, limit: int = 100) -> list[dict[str, Any]]:
    rows = await session.execute(
        text(
            "SELECT id, topic, attempts, created_at FROM outbox_event "
            "WHERE dispatched_at IS NULL AND attempts >= :max ORDER BY id LIMIT :n"
        ),
        {"max": MAX_ATTEMPTS, "n": limit},
    )
    return [dict(r._mapping) for r in rows]
