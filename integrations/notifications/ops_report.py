"""The daily operations report as an e-mail (domain.reports.mailing.OpsReportMailer over SMTP):
a bilingual (zh-CN / English) HTML part and a plain-text part rendered from the same figures."""

from __future__ import annotations

from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.quantities import tidy
from domain.reports.mailing import Recipient
from domain.reports.ops_daily import MOVEMENT_KINDS, MOVEMENT_TITLES, OpsReport
from integrations.notifications.settings import NotificationSettings
from integrations.notifications.smtp import SmtpChannel

_TEMPLATES = Path(__file__).parent / "templates"
_SEVERITY = {"urgent": "紧急 urgent", "high": "高 high", "normal": "中 normal", "low": "低 low"}


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _qty(value: Decimal) -> str:
    return f"{tidy(value):,f}"


def _pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(money=_money, qty=_qty, pct=_pct)


def subject(report: OpsReport) -> str:
    return f"[IMS] 门店日报 Daily report · {report.store_code} {report.store_name_zh} · {report.day:%Y-%m-%d}"


def render(report: OpsReport, recipient: Recipient) -> tuple[str, str]:
    """(text, html) of one report for one person."""
    context = {
        "r": report,
        "recipient": recipient,
        "movements": [(kind, *MOVEMENT_TITLES[kind], report.movement(kind)) for kind in MOVEMENT_KINDS],
        "severity": _SEVERITY,
    }
    return _env.get_template("ops_daily.txt").render(context), _env.get_template("ops_daily.html").render(context)


def build_mail(report: OpsReport, recipient: Recipient, message_id: str, sender: str) -> EmailMessage:
    text, html = render(report, recipient)
    mail = EmailMessage()
    mail["Subject"] = subject(report)
    mail["From"] = sender
    mail["To"] = formataddr((recipient.name, recipient.address))
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id
    mail["X-IMS-Report"] = f"ops-daily {report.store_code} {report.day:%Y-%m-%d}"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


class SmtpOpsReportMailer:
    """Sends each report through the configured SMTP server (IMS_SMTP_*)."""

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self.channel = SmtpChannel(settings)

    async def send_ops_report(self, recipient: Recipient, report: OpsReport, message_id: str) -> None:
        await self.channel.send_mail(build_mail(report, recipient, message_id, self.settings.smtp_from))
