"""Plain JSON webhooks, signed like every IMS webhook (integrations.signing): `X-IMS-Timestamp`
and `X-IMS-Signature: sha256=HMAC(secret, "<timestamp>." + body)`, plus `X-IMS-Delivery` (stable
across retries, for the receiver's deduplication) and `X-IMS-Topic`. Any 2xx is success."""

from __future__ import annotations

import json

import httpx

from domain.alerts.notify import DeliveryError, OutgoingMessage
from integrations.signing import signed_headers


def webhook_body(message: OutgoingMessage) -> bytes:
    return json.dumps(
        {
            "id": message.id,
            "topic": message.topic,
            "severity": message.severity,
            "subject": message.subject,
            "text": message.body,
            "data": message.data,
            "createdAt": message.created_at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


class WebhookChannel:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, message: OutgoingMessage) -> None:
        body = webhook_body(message)
        headers = {"Content-Type": "application/json", "X-IMS-Delivery": str(message.id), "X-IMS-Topic": message.topic}
        if message.secret:
            headers.update(signed_headers(message.secret, body))
        try:
            response = await self.client.post(message.address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook: HTTP {response.status_code}")
