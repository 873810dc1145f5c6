"""Telling a supplier something: queued messages on the existing notification queue
(`notification` rows, sent with retries by domain.alerts.notify.deliver_due), in the transaction
that decided to tell — so a message exists exactly when its cause committed.

Recipients: every e-mail contact of the supplier (`supplier_contact`), and the supplier's webhook
when its integration partner (`supplier:<code>`) has a URL. The webhook is signed with the
partner's shared secret through a dedicated notification target (no function, no topics: routing
never picks it for anything else), refreshed from the partner each time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integration.service import get_partner


@dataclass(frozen=True)
class Message:
    topic: str
    subject: str
    body: str
    markdown: str
    data: dict[str, Any]
    severity: str = "normal"


_QUEUE = text(
    """
    INSERT INTO notification (event_id, topic, channel, recipient, target_id, address, severity, subject,
                              body, markdown, data)
    VALUES (:e, :t, :c, :r, :target, :a, :s, :subject, :body, :md, CAST(:data AS jsonb))
    ON CONFLICT (event_id, channel, recipient) DO NOTHING RETURNING id
    """
)


def partner_code(supplier_code: str) -> str:
    return f"supplier:{supplier_code.strip().lower()}"


async def _webhook_target(session: AsyncSession, supplier_code: str) -> tuple[int, str] | None:
    partner = await get_partner(session, partner_code(supplier_code))
    if partner is None or not partner.url:
        return None
    name = f"VMI webhook {partner.code}"
    found = (
        await session.execute(
            text("SELECT id FROM notification_target WHERE name = :n AND function IS NULL ORDER BY id LIMIT 1"),
            {"n": name},
        )
    ).scalar_one_or_none()
    if found is None:
        found = (
            await session.execute(
                text(
                    """
                    INSERT INTO notification_target (name, function, location_id, channel, address, secret,
                                                     min_severity, rules, topics, active, created_by)
                    VALUES (:n, NULL, NULL, 'webhook', :a, :secret, 'low', NULL, NULL, true, 'system:vmi')
                    RETURNING id
                    """
                ),
                {"n": name, "a": partner.url, "secret": partner.secret},
            )
        ).scalar_one()
    else:
        await session.execute(
            text("UPDATE notification_target SET address = :a, secret = :secret, active = true WHERE id = :id"),
            {"a": partner.url, "secret": partner.secret, "id": found},
        )
    return int(found), partner.url


async def notify_supplier(session: AsyncSession, event_id: int, supplier_id: int, message: Message) -> int:
    """Queue the message to the supplier's contacts and webhook; returns how many were queued
    (0 on a replay of the same event: idempotent on event × channel × recipient)."""
    supplier_code = (
        await session.execute(text("SELECT code FROM supplier WHERE id = :s"), {"s": supplier_id})
    ).scalar_one()
    recipients: list[tuple[str, str, str, int | None]] = []
    contacts = await session.execute(
        text(
            "SELECT id, email FROM supplier_contact WHERE supplier_id = :s AND email IS NOT NULL AND email <> '' "
            "ORDER BY id"
        ),
        {"s": supplier_id},
    )
    recipients += [(f"contact:{c.id}", "email", c.email.strip(), None) for c in contacts]
    hook = await _webhook_target(session, supplier_code)
    if hook is not None:
        hook_id, url = hook
        recipients.append((f"target:{hook_id}", "webhook", url, hook_id))
    queued = 0
    for key, channel, address, target_id in recipients:
        row = await session.execute(
            _QUEUE,
            {
                "e": event_id,
                "t": message.topic,
                "c": channel,
                "r": key,
                "target": target_id,
                "a": address,
                "s": message.severity,
                "subject": message.subject,
                "body": message.body,
                "md": message.markdown,
                "data": json.dumps(message.data, ensure_ascii=False, default=str),
            },
        )
        queued += 0 if row.scalar_one_or_none() is None else 1
    return queued
