"""E-mail over SMTP. The standard library client runs in a thread (a send is a few round trips);
the Message-ID is derived from the delivery id, so a message re-sent after a crash is recognised
as the same by mail clients."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from domain.alerts.notify import DeliveryError, OutgoingMessage
from integrations.notifications.settings import NotificationSettings


class SmtpChannel:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    def build(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.settings.smtp_from
        mail["To"] = message.address
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<ims-notification-{message.id}@ims.local>"
        mail["X-IMS-Delivery"] = str(message.id)
        mail.set_content(message.body)
        return mail

    def _send(self, mail: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        factory = smtplib.SMTP_SSL if s.smtp_ssl else smtplib.SMTP
        with factory(s.smtp_host, s.smtp_port, timeout=15) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(mail)

    async def send(self, message: OutgoingMessage) -> None:
        await self.send_mail(self.build(message))

    async def send_mail(self, mail: EmailMessage) -> None:
        """Send a message built elsewhere (the daily store report: HTML and text), same server and errors."""
        if "From" not in mail:
            mail["From"] = self.settings.smtp_from
        try:
            await asyncio.to_thread(self._send, mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc
