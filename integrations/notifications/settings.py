"""Channel settings from the environment (SMTP server, HTTP timeout). Without IMS_SMTP_HOST no
e-mail adapter is configured: e-mail notifications then wait in the queue and end as dead letters,
which the admin sees and retries once SMTP is set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class NotificationSettings:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "IMS <ims@localhost>"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    http_timeout: float = 10.0

    @classmethod
    def from_env(cls) -> NotificationSettings:
        def flag(name: str) -> bool:
            return os.environ.get(name, "").lower() in ("1", "true", "yes")

        return cls(
            smtp_host=os.environ.get("IMS_SMTP_HOST") or None,
            smtp_port=int(os.environ.get("IMS_SMTP_PORT", "25")),
            smtp_from=os.environ.get("IMS_SMTP_FROM", "IMS <ims@localhost>"),
            smtp_user=os.environ.get("IMS_SMTP_USER") or None,
            smtp_password=os.environ.get("IMS_SMTP_PASSWORD") or None,
            smtp_starttls=flag("IMS_SMTP_STARTTLS"),
            smtp_ssl=flag("IMS_SMTP_SSL"),
            http_timeout=float(os.environ.get("IMS_NOTIFY_HTTP_TIMEOUT", "10")),
        )


@lru_cache(maxsize=1)
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings.from_env()
