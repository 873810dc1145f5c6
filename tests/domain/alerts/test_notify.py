"""Routing by role and location, the outbox fan-out (idempotent), and delivery with retries,
exponential backoff and dead letters. Channels here are in-memory fakes; the real adapters talk to
real servers in tests/integrations/test_notifications.py."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from domain.alerts import service
from domain.alerts.dispatch import dispatch_outbox
from domain.alerts.engine import evaluate_alerts
from domain.alerts.notify import DeliveryError, DeliverySettings, OutgoingMessage, backoff, deliver_due
from domain.events import emit
from domain.principal import Principal
from tests.domain.alerts.helpers import ids, rows, scalar, set_policy, user
from tests.domain.purchasing.helpers import sent_order

SYSTEM = Principal.system("test")


class Recorder:
    """A channel that records what it was asked to send and fails the first `fail` times."""

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[OutgoingMessage] = []
        self.fail = fail

    async def send(self, message: OutgoingMessage) -> None:
        if self.fail:
            self.fail -= 1
            raise DeliveryError("channel down")
        self.sent.append(message)


async def _target(sessions, channel: str, address: str, function: str, location: str | None = None, **kw) -> int:  # type: ignore[no-untyped-def]
    admin = await user(sessions, "admin")
    async with sessions() as s, s.begin():
        saved = await service.save_target(
            s,
            admin,
            service.TargetInput(
                name=address, channel=channel, address=address, function=function, location_code=location, **kw
            ),
        )
    return saved.id


async def _inbox_users(sessions) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    found = await rows(
        sessions,
        "SELECT u.username, n.title FROM user_notification n JOIN app_user u ON u.id = n.user_id ORDER BY u.username",
    )
    result: dict[str, list[str]] = {}
    for r in found:
        result.setdefault(str(r["username"]), []).append(str(r["title"]))
    return result


async def test_stockout_goes_to_buyer_and_managers_of_the_store(engine, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")  # a stockout at S-BJ01 (North)
    await _target(sessions, "email", "buyers@ims.test", "buyer")
    await _target(sessions, "email", "shanghai@ims.test", "manager", "S-SH01")  # another region: not told
    await _target(sessions, "sms", "13800000000", "manager", "R-N", min_severity="urgent")
    await _target(sessions, "dingtalk", "https://robot.test/send", "finance")  # finance is not routed stockouts
    await evaluate_alerts(engine, SYSTEM)

    report = await dispatch_outbox(sessions)
    assert report.dispatched == 1
    inbox = await _inbox_users(sessions)
    # hq.ops is the buyer; the store's manager and the region's manager are managers. Not finance, not staff.
    assert sorted(inbox) == ["hq.ops", "manager.bj01", "regional.north"]
    assert "缺货 Stockout: 1 新告警" in inbox["manager.bj01"][0] and "[紧急]" in inbox["manager.bj01"][0]
    queued = await rows(sessions, "SELECT channel, address, subject, body FROM notification ORDER BY address")
    assert [(q["channel"], q["address"]) for q in queued] == [("sms", "13800000000"), ("email", "buyers@ims.test")]
    assert "BRK-0001-A @ S-BJ01" in str(queued[1]["body"])

    # Dispatching again changes nothing: the event is stamped, and rows are unique per recipient.
    assert (await dispatch_outbox(sessions)).dispatched == 0
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE outbox_event SET dispatched_at = NULL"))
    assert (await dispatch_outbox(sessions)).dispatched == 1
    assert await scalar(sessions, "SELECT count(*) FROM notification") == 2
    assert await scalar(sessions, "SELECT count(*) FROM user_notification") == 3


async def test_count_variance_goes_to_warehouse_lead_and_finance(engine, sessions) -> None:
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        # A store manager assigned on the warehouse is its warehouse lead.
        await s.execute(
            text("INSERT INTO role_assignment (user_id, role, location_id) VALUES (:u, 'store_manager', :l)"),
            {"u": found["manager.bj01"], "l": found["WH"]},
        )
        plan = (
            await s.execute(
                text(
                    "INSERT INTO count_plan (code, kind, status, name, location_id, due_on, recount_pct, "
                    "recount_value, max_recounts, assignees, created_by) "
                    "VALUES ('CP-W', 'cycle', 'open', 'w', :l, current_date, 0.02, 100, 1, '{}', 'test') RETURNING id"
                ),
                {"l": found["WH"]},
            )
        ).scalar_one()
        task = (
            await s.execute(
                text(
                    "INSERT INTO count_task (plan_id, part_id, location_id, due_on, status, attempts, expected_qty, "
                    "counted_qty, variance_qty) VALUES (:plan, :p, :l, current_date, 'counted', 1, 200, 180, -20) "
                    "RETURNING id"
                ),
                {"plan": plan, "p": found["BRK-0001-A"], "l": found["WH-A-01-01"]},
            )
        ).scalar_one()
        await s.execute(
            text(
                "INSERT INTO count_variance (task_id, plan_id, part_id, location_id, quantity, unit_cost, value, "
                "status) VALUES (:t, :plan, :p, :l, -20, 180, -3600, 'pending')"
            ),
            {"t": task, "plan": plan, "p": found["BRK-0001-A"], "l": found["WH-A-01-01"]},
        )
    await evaluate_alerts(engine, SYSTEM)
    await dispatch_outbox(sessions)
    assert sorted(await _inbox_users(sessions)) == ["finance", "manager.bj01"]


async def test_supplier_late_goes_to_buyer_and_the_supplier(engine, sessions) -> None:
    found = await ids(sessions)
    order = await sent_order(sessions, [("BRK-0001-A", "20", "150", "S-SH01")])
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE purchase_order_line SET promised_date = :d WHERE purchase_order_id = :o"),
            {"d": date.today() - timedelta(days=4), "o": order.order.id},
        )
        await s.execute(
            text("INSERT INTO supplier_contact (supplier_id, name, email) VALUES (:s, 'Sales', 'sales@sup01.test')"),
            {"s": found["SUP-01"]},
        )
    await evaluate_alerts(engine, SYSTEM)
    await dispatch_outbox(sessions)
    assert sorted(await _inbox_users(sessions)) == ["hq.ops", "supplier.sup01"]
    mails = await rows(sessions, "SELECT channel, address, recipient FROM notification")
    assert mails == [{"channel": "email", "address": "sales@sup01.test", "recipient": mails[0]["recipient"]}]
    # The supplier sees its own late delivery, and nothing else.
    supplier = await user(sessions, "supplier.sup01")
    async with sessions() as s:
        page, _, total = await service.list_alerts(s, supplier, service.AlertFilter(), first=10)
    assert total == 1 and page[0].rule == "supplier_late"


async def test_other_topics_reach_subscribed_webhooks(sessions) -> None:
    await _target(sessions, "webhook", "https://erp.test/hook", None, topics=["purchase_order.*"], secret="k")  # type: ignore[arg-type]
    async with sessions() as s, s.begin():
        await emit(s, "purchase_order.sent", {"number": "PO-1"})
        await emit(s, "receipt.posted", {"number": "R-1"})
    report = await dispatch_outbox(sessions)
    assert report.dispatched == 2
    queued = await rows(sessions, "SELECT topic, channel, data FROM notification")
    assert queued == [{"topic": "purchase_order.sent", "channel": "webhook", "data": {"number": "PO-1"}}]


async def test_delivery_retries_with_backoff_dead_letters_and_leases(sessions) -> None:
    await _target(sessions, "email", "ops@ims.test", "buyer")
    await _target(sessions, "wecom", "https://qyapi.test/send?key=abc", "buyer")
    async with sessions() as s, s.begin():
        await emit(s, "purchase_order.sent", {"number": "PO-1"})  # unrouted: nothing queued
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO notification (event_id, topic, channel, recipient, address, severity, subject, body, "
                "markdown) VALUES (1, 'alert.raised', 'email', 'target:1', 'ops@ims.test', 'urgent', 's', 'b', 'm'), "
                "(1, 'alert.raised', 'wecom', 'target:2', 'https://qyapi.test/send?key=abc', 'urgent', 's', 'b', 'm')"
            )
        )
    assert found  # ids resolved
    email, wecom = Recorder(fail=1), Recorder(fail=99)
    settings = DeliverySettings(max_attempts=3, backoff_seconds=0.0)
    first = await deliver_due(sessions, {"email": email, "wecom": wecom}, settings)
    assert (first.sent, first.retried, first.dead) == (0, 2, 0)
    second = await deliver_due(sessions, {"email": email, "wecom": wecom}, settings)
    assert (second.sent, second.retried) == (1, 1) and email.sent[0].address == "ops@ims.test"
    third = await deliver_due(sessions, {"email": email, "wecom": wecom}, settings)
    assert third.dead == 1
    dead = await rows(sessions, "SELECT channel, status, attempts, last_error FROM notification WHERE status = 'dead'")
    assert dead == [{"channel": "wecom", "status": "dead", "attempts": 3, "last_error": "DeliveryError: channel down"}]

    # The dead-letter list and a retry once the channel works again.
    admin = await user(sessions, "admin")
    async with sessions() as s, s.begin():
        letters, _ = await service.dead_letters(s, admin, first=10)
        assert [d.channel for d in letters] == ["wecom"]
        assert await service.retry_dead_letters(s, admin, [letters[0].id]) == 1
    wecom.fail = 0
    assert (await deliver_due(sessions, {"wecom": wecom}, settings)).sent == 1
    assert await scalar(sessions, "SELECT count(*) FROM notification WHERE status = 'sent'") == 2

    # A sender that crashed mid-send leaves a lease; once it expires another worker sends it.
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO notification (event_id, topic, channel, recipient, address, severity, subject, body, "
                "markdown, locked_until, attempts) VALUES (1, 't', 'email', 'x', 'a@ims.test', 'low', 's', 'b', 'm', "
                "now() + interval '1 minute', 1)"
            )
        )
    channel = Recorder()
    assert (await deliver_due(sessions, {"email": channel}, DeliverySettings())).sent == 0  # still leased
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE notification SET locked_until = now() - interval '1 second'"))
    assert (await deliver_due(sessions, {"email": channel}, DeliverySettings())).sent == 1


def test_backoff_is_exponential_and_capped() -> None:
    settings = DeliverySettings(backoff_seconds=30, backoff_cap_seconds=3600)
    assert [backoff(n, settings, jitter=0).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20, settings, jitter=0).total_seconds() == 3600
    assert 24 <= backoff(1, settings).total_seconds() <= 36
