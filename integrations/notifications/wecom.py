"""WeCom (企业微信) group robot. The robot is addressed by its webhook URL carrying the robot
`key` (…/cgi-bin/webhook/send?key=…): whoever holds the URL may post, there is no signature.
Markdown content is limited to 4096 bytes; the answer is `errcode` 0 on success."""

from __future__ import annotations

import httpx

from domain.alerts.notify import OutgoingMessage
from integrations.notifications.dingtalk import post_robot

MAX_BYTES = 4096


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


class WeComChannel:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, message: OutgoingMessage) -> None:
        body = {"msgtype": "markdown", "markdown": {"content": _clip(message.markdown, MAX_BYTES)}}
        await post_robot(self.client, message.address, body, "WeCom")
