"""DingTalk custom robot (自定义机器人). The target address is the robot's webhook URL with its
access_token; with a signing secret ("加签") each request carries `timestamp` (ms) and
`sign` = URL-encoded base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")). The robot answers
HTTP 200 with `errcode` 0 on success, anything else is a failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote_plus

import httpx

from domain.alerts.notify import DeliveryError, OutgoingMessage

MAX_TEXT = 4000


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(url: str, secret: str | None, now: float | None = None) -> str:
    if not secret:
        return url
    timestamp = int((now if now is not None else time.time()) * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"


async def post_robot(client: httpx.AsyncClient, url: str, body: Mapping[str, object], name: str) -> None:
    try:
        response = await client.post(url, json=body)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{name}: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise DeliveryError(f"{name}: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryError(f"{name}: not a JSON answer") from None
    if answer.get("errcode") != 0:
        raise DeliveryError(f"{name}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")


class DingTalkChannel:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, message: OutgoingMessage) -> None:
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.subject[:64], "text": message.markdown[:MAX_TEXT]},
        }
        await post_robot(self.client, signed_url(message.address, message.secret), body, "DingTalk")
