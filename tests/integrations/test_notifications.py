"""Notification channels against real servers: an aiosmtpd SMTP server and a small Starlette app
under uvicorn that checks DingTalk's signature, WeCom's robot key and the JSON webhook HMAC the
way those services do. From an alert to delivered messages; a channel down keeps the message
queued until it comes back."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.alerts import service
from domain.alerts.dispatch import dispatch_outbox
from domain.alerts.engine import evaluate_alerts
from domain.alerts.notify import DeliverySettings, deliver_due
from domain.principal import Principal
from integrations.notifications import open_channels
from integrations.notifications.settings import NotificationSettings
from integrations.signing import SignatureError, verify
from tests.domain.alerts.helpers import rows, set_policy, user

DING_TOKEN, DING_SECRET = "ding-token-1", "SEC0123456789abcdef"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
HOOK_SECRET = "hook-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    dingtalk: list[dict[str, Any]] = field(default_factory=list)
    wecom: list[dict[str, Any]] = field(default_factory=list)
    webhook: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _receiver(received: Received) -> Starlette:
    async def dingtalk(request: Request) -> JSONResponse:
        q = request.query_params
        if q.get("access_token") != DING_TOKEN:
            return JSONResponse({"errcode": 300001, "errmsg": "token is not exist"})
        timestamp = q.get("timestamp", "0")
        expected = base64.b64encode(
            hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
        ).decode()
        if abs(time.time() * 1000 - int(timestamp)) > 3600_000 or q.get("sign") != expected:
            received.refused.append("dingtalk")
            return JSONResponse({"errcode": 310000, "errmsg": "sign not match"})
        received.dingtalk.append(await request.json())
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def wecom(request: Request) -> JSONResponse:
        if request.query_params.get("key") != WECOM_KEY:
            received.refused.append("wecom")
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url"})
        received.wecom.append(await request.json())
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def webhook(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            verify(HOOK_SECRET, dict(request.headers), body)
        except SignatureError as error:
            received.refused.append(f"webhook: {error}")
            return JSONResponse({"error": str(error)}, status_code=401)
        received.webhook.append((dict(request.headers), json.loads(body)))
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/robot/send", dingtalk, methods=["POST"]),
            Route("/cgi-bin/webhook/send", wecom, methods=["POST"]),
            Route("/hook", webhook, methods=["POST"]),
        ]
    )


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, Received]]:
    received = Received()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(_receiver(received), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}", received
    server.should_exit = True
    await task


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Any:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


async def _targets(sessions, base: str, ding_secret: str = DING_SECRET) -> None:  # type: ignore[no-untyped-def]
    admin = await user(sessions, "admin")
    async with sessions() as s, s.begin():
        for channel, address, secret in (
            ("email", "buyers@ims.test", None),
            ("dingtalk", f"{base}/robot/send?access_token={DING_TOKEN}", ding_secret),
            ("wecom", f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}", None),
            ("webhook", f"{base}/hook", HOOK_SECRET),
            ("sms", "13800000000", None),
        ):
            await service.save_target(
                s,
                admin,
                service.TargetInput(name=channel, channel=channel, address=address, function="buyer", secret=secret),
            )


async def _alert(engine, sessions) -> None:  # type: ignore[no-untyped-def]
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await evaluate_alerts(engine, Principal.system("test"))
    assert (await dispatch_outbox(sessions)).dispatched == 1


async def test_an_alert_reaches_every_channel(engine, sessions, receiver, smtp) -> None:
    base, received = receiver
    controller, mailbox = smtp
    await _targets(sessions, base)
    await _alert(engine, sessions)
    settings = NotificationSettings(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_from="IMS <ims@ims.test>")
    async with open_channels(settings) as channels:
        report = await deliver_due(sessions, channels)
        sms = channels["sms"].provider  # type: ignore[attr-defined]
    assert (report.sent, report.retried, report.errors) == (5, 0, [])

    ((mail_from, rcpt, raw),) = mailbox.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail_from == "ims@ims.test" and rcpt == ["buyers@ims.test"]
    assert mail["Subject"] == "[IMS][紧急] 缺货 Stockout: 1 新告警"
    assert mail["Message-ID"].startswith("<ims-notification-") and "BRK-0001-A @ S-BJ01" in mail.get_content()

    (ding,) = received.dingtalk
    assert ding["msgtype"] == "markdown" and "BRK-0001-A @ S-BJ01" in ding["markdown"]["text"]
    (wecom,) = received.wecom
    assert wecom["msgtype"] == "markdown" and "BRK-0001-A" in wecom["markdown"]["content"]
    ((headers, body),) = received.webhook
    assert body["topic"] == "alert.raised" and body["data"]["rule"] == "stockout" and body["data"]["count"] == 1
    assert headers["x-ims-delivery"] == str(body["id"])
    assert sms.sent and sms.sent[0][0] == "13800000000"
    assert received.refused == []


async def test_a_channel_down_keeps_the_message_until_it_is_back(engine, sessions, receiver, smtp) -> None:
    base, received = receiver
    controller, mailbox = smtp
    await _targets(sessions, base, ding_secret="wrong-secret")
    await _alert(engine, sessions)
    down = NotificationSettings(smtp_host="127.0.0.1", smtp_port=_free_port())  # nothing listens there
    fast = DeliverySettings(max_attempts=3, backoff_seconds=0.0)
    async with open_channels(down) as channels:
        first = await deliver_due(sessions, channels, fast)
    assert (first.sent, first.retried) == (3, 2)  # e-mail and DingTalk (bad signature) wait
    assert received.refused == ["dingtalk"] and "errcode 310000" in " ".join(first.errors)
    waiting = await rows(sessions, "SELECT channel, attempts, last_error FROM notification WHERE status = 'pending'")
    assert sorted(w["channel"] for w in waiting) == ["dingtalk", "email"]

    # SMTP is back; DingTalk's secret is fixed by the administrator.
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE notification_target SET secret = :s WHERE channel = 'dingtalk'"), {"s": DING_SECRET}
        )
    up = NotificationSettings(smtp_host="127.0.0.1", smtp_port=controller.port)
    async with open_channels(up) as channels:
        second = await deliver_due(sessions, channels, fast)
    assert (second.sent, second.retried, second.dead) == (2, 0, 0)
    assert len(mailbox.messages) == 1 and len(received.dingtalk) == 1
    assert await rows(sessions, "SELECT count(*) AS n FROM notification WHERE status <> 'sent'") == [{"n": 0}]
