"""Notification channel adapters (domain.alerts.notify.Channel): SMTP e-mail, DingTalk and WeCom
chat robots, signed JSON webhooks and SMS through a provider. `open_channels` builds the set the
settings enable, sharing one HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from domain.alerts.notify import Channel
from integrations.notifications.dingtalk import DingTalkChannel
from integrations.notifications.settings import NotificationSettings, get_notification_settings
from integrations.notifications.sms import LoggingSmsProvider, SmsChannel
from integrations.notifications.smtp import SmtpChannel
from integrations.notifications.webhook import WebhookChannel
from integrations.notifications.wecom import WeComChannel


@asynccontextmanager
async def open_channels(settings: NotificationSettings | None = None) -> AsyncIterator[dict[str, Channel]]:
    settings = settings or get_notification_settings()
    async with httpx.AsyncClient(timeout=settings.http_timeout, follow_redirects=False) as client:
        channels: dict[str, Channel] = {
            "dingtalk": DingTalkChannel(client),
            "wecom": WeComChannel(client),
            "webhook": WebhookChannel(client),
            "sms": SmsChannel(LoggingSmsProvider()),
        }
        if settings.smtp_host:
            channels["email"] = SmtpChannel(settings)
        yield channels
