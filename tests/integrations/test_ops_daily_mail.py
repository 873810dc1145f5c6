"""The morning job e-mails each store's daily operations report to the store's managers through a
real SMTP server (aiosmtpd): one message per manager with an address, HTML and text, bilingual,
and never a second one when the job runs again or is retried after a failure."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from domain.analytics.settings import business_today
from domain.errors import DomainError
from domain.identity import service as identity
from domain.principal import Role
from domain.reports.mailing import send_daily_reports
from integrations.jobs import runtime
from integrations.jobs.tasks import OpsReportsNotSent, ops_daily_report_job
from integrations.notifications.ops_report import SmtpOpsReportMailer
from integrations.notifications.settings import NotificationSettings, get_notification_settings
from tests.domain.sales.helpers import SYSTEM, add_user, line, rows, sell, user
from tests.integrations.test_notifications import Mailbox, _free_port


@pytest.fixture
def smtp() -> Any:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
async def job_runtime(db_url: str) -> Any:
    runtime.configure(db_url)
    yield
    await runtime.dispose()
    get_notification_settings.cache_clear()


def _use_smtp(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("IMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMS_SMTP_PORT", str(port))
    monkeypatch.setenv("IMS_SMTP_FROM", "IMS <ims@ims.test>")
    get_notification_settings.cache_clear()


async def _managers(sessions) -> None:  # type: ignore[no-untyped-def]
    """Three managers with addresses (two at store 1, one at store 2); people who get nothing: a
    manager without an address, a deactivated one, a clerk and a regional manager."""
    async with sessions() as s, s.begin():
        for username, email in (
            ("manager.bj01", "li.na@store1.test"),
            ("staff.bj01", "staff@store1.test"),
            ("regional.north", "north@ims.test"),
        ):
            await identity.set_user_email(s, SYSTEM, username, email)
        with pytest.raises(DomainError) as refused:
            await identity.set_user_email(s, SYSTEM, "manager.bj01", "not an address")
        assert refused.value.field == ["email"]
    await add_user(sessions, "wang.bj01", Role.STORE_MANAGER, "S-BJ01", email="wang@store1.test")
    await add_user(sessions, "zhao.bj02", Role.STORE_MANAGER, "S-BJ02", email="zhao@store2.test")
    await add_user(sessions, "no.mail.bj01", Role.STORE_MANAGER, "S-BJ01")
    await add_user(sessions, "gone.bj01", Role.STORE_MANAGER, "S-BJ01", email="gone@store1.test")
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE app_user SET active = false WHERE username = 'gone.bj01'"))


def _parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


async def test_the_job_mails_each_manager_once(db_url, sessions, smtp, job_runtime, monkeypatch) -> None:
    controller, mailbox = smtp
    await _managers(sessions)
    staff = await user(sessions, "staff.bj01")
    sale = (await sell(sessions, staff, [line("FLT-0001-C", "2")], discount_pct=Decimal(5))).sale
    today = business_today()
    _use_smtp(monkeypatch, controller.port)

    first = await ops_daily_report_job(day=today.isoformat())
    assert first == {"day": today.isoformat(), "sent": 3, "skipped": 0, "failed": 0}
    delivered = sorted((rcpt[0], _parse(raw)) for _, rcpt, raw in mailbox.messages)
    assert [address for address, _ in delivered] == ["li.na@store1.test", "wang@store1.test", "zhao@store2.test"]

    mail = delivered[0][1]
    assert mail["Subject"] == f"[IMS] 门店日报 Daily report · S-BJ01 北京一店 · {today:%Y-%m-%d}"
    assert mail["From"] == "IMS <ims@ims.test>" and mail["Message-ID"].startswith("<ims-ops-s-bj01-")
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "柜台销售 Counter sales" in plain and f"revenue incl. VAT: {sale.total:,.2f} CNY" in plain
    assert "柜台销售出库 Counter sales out: 1 / 2 / 56.00" in plain
    assert "<strong>106.40</strong>" in html and "门店日报 Daily operations report" in html
    store2 = delivered[2][1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "S-BJ02 北京二店" in store2 and "销售单 sales: 0" in store2

    # The job runs again (a second worker, a manual run): nobody gets a second e-mail.
    again = await ops_daily_report_job(day=today.isoformat())
    assert (again["sent"], again["skipped"]) == (0, 3) and len(mailbox.messages) == 3
    sent = await rows(sessions, "SELECT address, status, attempts FROM ops_report_delivery ORDER BY address")
    assert [(r["address"], r["status"], r["attempts"]) for r in sent] == [
        ("li.na@store1.test", "sent", 1),
        ("wang@store1.test", "sent", 1),
        ("zhao@store2.test", "sent", 1),
    ]


async def test_a_failed_run_is_retried_without_duplicates(db_url, sessions, smtp, job_runtime, monkeypatch) -> None:
    controller, mailbox = smtp
    await _managers(sessions)
    yesterday = business_today() - timedelta(days=1)

    _use_smtp(monkeypatch, _free_port())  # nothing listens there: SMTP is down
    with pytest.raises(OpsReportsNotSent, match="'failed': 3"):
        await ops_daily_report_job(day=yesterday.isoformat())
    failed = await rows(sessions, "SELECT status, last_error FROM ops_report_delivery")
    assert {r["status"] for r in failed} == {"failed"} and all("SMTP" in r["last_error"] for r in failed)

    # A worker claimed one address a moment ago and is still sending: the retry leaves it alone;
    # a claim left long ago by a worker that died is taken again.
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE ops_report_delivery SET status = 'sending', claimed_at = now() WHERE address LIKE 'zhao%'")
        )
        await s.execute(
            text(
                "UPDATE ops_report_delivery SET status = 'sending', claimed_at = now() - interval '1 hour' "
                "WHERE address LIKE 'wang%'"
            )
        )
    _use_smtp(monkeypatch, controller.port)
    retried = await ops_daily_report_job(day=yesterday.isoformat())
    assert (retried["sent"], retried["skipped"], retried["failed"]) == (2, 1, 0)
    assert sorted(rcpt[0] for _, rcpt, _ in mailbox.messages) == ["li.na@store1.test", "wang@store1.test"]

    settings = NotificationSettings(smtp_host="127.0.0.1", smtp_port=controller.port)
    later = await send_daily_reports(sessions, SmtpOpsReportMailer(settings), yesterday)
    assert (later.sent, later.skipped) == (0, 3) and len(mailbox.messages) == 2
    attempts = await rows(sessions, "SELECT address, attempts FROM ops_report_delivery ORDER BY address")
    assert [r["attempts"] for r in attempts] == [2, 2, 1]


async def test_without_smtp_the_job_sends_nothing(db_url, job_runtime, monkeypatch) -> None:
    monkeypatch.delenv("IMS_SMTP_HOST", raising=False)
    get_notification_settings.cache_clear()
    assert await ops_daily_report_job() == {"skipped": "no SMTP server"}
