"""SMS through a provider port (domain.alerts.notify.SmsProvider). The dev adapter only logs
(and keeps what it sent, for tests); a real gateway (Aliyun, Tencent Cloud) is one class with
`send_sms`, chosen where the channels are built."""

from __future__ import annotations

import logging

from domain.alerts.notify import OutgoingMessage, SmsProvider

log = logging.getLogger("ims.sms")
MAX_SMS = 300


class LoggingSmsProvider:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_sms(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)


class SmsChannel:
    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    async def send(self, message: OutgoingMessage) -> None:
        await self.provider.send_sms(message.address, message.subject[:MAX_SMS])
