"""The below-min trigger: a draft proposal and one message per supplier contact and webhook — once,
however often the job runs while the proposal is open — delivered through real SMTP and HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from email import message_from_bytes, policy
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.alerts.notify import deliver_due
from domain.integration.models import IntegrationPartner
from domain.vmi import proposals
from domain.vmi.proposals import ProposalLineInput
from domain.vmi.triggers import evaluate_triggers
from integrations.notifications import open_channels
from integrations.notifications.settings import NotificationSettings
from integrations.signing import verify
from tests.domain.vmi.helpers import SYSTEM, make_agreement, scalar, supplier_ids, supplier_user

PARTNER_SECRET = "sup01-shared-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture
async def supplier_system() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """The supplier's own system: accepts only webhooks signed with the partner secret."""
    received: list[dict[str, Any]] = []

    async def hook(request: Request) -> JSONResponse:
        body = await request.body()
        verify(PARTNER_SECRET, dict(request.headers), body)
        received.append(json.loads(body))
        return JSONResponse({"ok": True})

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=[Route("/vmi", hook, methods=["POST"])]), port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}/vmi", received
    server.should_exit = True
    await task


async def _run(sessions):  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        return await evaluate_triggers(s, SYSTEM)


async def test_below_min_drafts_and_notifies_once(sessions, smtp, supplier_system) -> None:
    a, _ = await supplier_ids(sessions)
    controller, mailbox = smtp
    url, received = supplier_system
    async with sessions() as s, s.begin():
        s.add(IntegrationPartner(code="supplier:sup-01", secret=PARTNER_SECRET, url=url))
    # S-BJ01 holds 0 BRK-0001-A (below 20) and 50 FLT-0001-C (above its min 10): one trigger.
    low = await make_agreement(sessions)
    await make_agreement(sessions, part="FLT-0001-C", min_qty="10", max_qty="80")

    first = await _run(sessions)
    assert (first.evaluated, first.below_min, first.notified, first.failed) == (2, 1, 2, [])
    (number,) = first.drafted
    async with sessions() as s:
        (proposal,) = (await proposals.list_proposals(s, supplier_user(a, "a")))[0]
        view = await proposals.get_proposal(s, supplier_user(a, "a"), proposal.id)
    assert view is not None and proposal.number == number and proposal.origin == "trigger"
    assert [(x.agreement_id, x.quantity) for x in view.lines] == [(low.id, 60)]

    # The job runs again (and again) while the proposal is open: nothing new.
    for _ in range(2):
        again = await _run(sessions)
        assert (again.below_min, again.already_open, again.drafted, again.notified) == (1, 1, [], 0)
    assert await scalar(sessions, "SELECT count(*) FROM vmi_proposal") == 1
    assert await scalar(sessions, "SELECT count(*) FROM notification") == 2
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE topic = 'vmi.replenishment_needed'") == 1

    settings = NotificationSettings(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_from="IMS <ims@ims.test>")
    async with open_channels(settings) as channels:
        report = await deliver_due(sessions, channels)
    assert (report.sent, report.errors) == (2, [])
    ((mail_from, rcpt, raw),) = mailbox.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail_from == "ims@ims.test" and rcpt == ["vmi@sup01.example"]
    assert mail["Subject"] == f"[IMS] 补货提醒 Replenishment needed: BRK-0001-A @ S-BJ01 ({number})"
    content = mail.get_content()
    assert "前刹车片" in content and "最低/最高 Min/max: 20 / 60" in content and "建议补货 Suggested: 60 SET" in content
    (hook,) = received
    assert hook["topic"] == "vmi.replenishment_needed"
    assert hook["data"]["proposal"] == number and hook["data"]["suggestedQuantity"] == "60"

    # Once that proposal is closed and the part is still below its minimum, the next run tells again.
    async with sessions() as s, s.begin():
        await proposals.cancel_proposal(s, supplier_user(a, "a"), proposal.id, "wrong quantity")
    later = await _run(sessions)
    assert len(later.drafted) == 1 and later.notified == 2


async def test_no_trigger_once_the_order_is_placed(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    supplier = supplier_user(a, "a")
    agreement = await make_agreement(sessions)
    first = await _run(sessions)
    async with sessions() as s:
        (proposal,) = (await proposals.list_proposals(s, supplier))[0]
    async with sessions() as s, s.begin():
        await proposals.update_proposal(s, supplier, proposal.id, lines=[ProposalLineInput(agreement.id, Decimal(30))])
        result = await proposals.submit_proposal(s, supplier, proposal.id)
    assert result.auto_approved and first.notified == 1  # the contact's e-mail; no webhook configured
    # Position is now 30 on order: at or above the minimum, nothing to trigger.
    after = await _run(sessions)
    assert (after.below_min, after.drafted) == (0, [])
