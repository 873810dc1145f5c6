"""ERP: outbox events delivered as signed webhooks to a live local HTTP receiver (which checks the
signature itself), retries with backoff, the dead-letter list; price updates in, idempotently."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text

from domain.events import emit
from integrations.erp.dispatcher import OutboxDispatcher, dead_letters, retry_dead
from tests.integrations.webhook_helpers import SECRET, add_partner, signed_post


@dataclass
class Receiver:
    url: str
    received: list[dict] = field(default_factory=list)
    bad_signatures: int = 0
    fail_topics: set[str] = field(default_factory=set)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free local port, verifying X-IMS-Signature with the shared secret."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers["X-IMS-Timestamp"]
            expected = (
                "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            )
            if not hmac.compare_digest(expected, self.headers.get("X-IMS-Signature", "")):
                state.bad_signatures += 1
                self.send_response(401)
            else:
                event = json.loads(body)
                assert self.headers["X-IMS-Event-Id"] == str(event["id"])
                if event["topic"] in state.fail_topics:
                    self.send_response(503)
                else:
                    state.received.append(event)
                    self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/erp/events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


async def test_events_are_delivered_signed_retried_and_dead_lettered(sessions, receiver):
    await add_partner(sessions, "erp", receiver.url)
    async with sessions() as session, session.begin():
        await emit(session, "purchase_order.sent", {"number": "PO-000001", "totalAmount": Decimal("1800.50")})
        await emit(session, "alert.raised", {"rule": "stockout"})  # not an ERP topic
        await emit(session, "stock.opening_balance_posted", {"lines": 3, "totalValue": Decimal("1382")})
        await emit(session, "statement.issued", {"number": "ST-1"})
    receiver.fail_topics = {"statement.issued"}
    dispatcher = OutboxDispatcher(sessions, max_attempts=3, base_delay_seconds=0)

    first = await dispatcher.run_once()
    assert (first.enqueued, first.delivered, first.failed, first.dead) == (3, 2, 1, 0)
    assert receiver.bad_signatures == 0
    assert [e["topic"] for e in receiver.received] == ["purchase_order.sent", "stock.opening_balance_posted"]
    assert receiver.received[0]["payload"]["totalAmount"] == "1800.5"

    # Nothing new is enqueued twice; the failing event is retried until it is dead.
    second = await dispatcher.run_once()
    assert (second.enqueued, second.delivered, second.failed) == (0, 0, 1)
    third = await dispatcher.run_once()
    assert third.dead == 1
    async with sessions() as session, session.begin():
        dead = await dead_letters(session)
        assert [(d.topic, d.attempts, d.response_status) for d in dead] == [("statement.issued", 3, 503)]
        assert await retry_dead(session, "erp") == 1
    receiver.fail_topics = set()
    fourth = await dispatcher.run_once()
    assert fourth.delivered == 1 and receiver.received[-1]["topic"] == "statement.issued"
    assert len(receiver.received) == 3


async def test_backoff_missing_partner_and_price_updates(sessions, receiver, anon_client):
    async with sessions() as session, session.begin():
        await emit(session, "purchase_order.sent", {"number": "PO-000002"})
    dispatcher = OutboxDispatcher(sessions, base_delay_seconds=60)
    result = await dispatcher.run_once()
    assert result.skipped_reason and result.delivered == 0  # no partner yet: queued, not lost
    await add_partner(
        sessions, "erp", receiver.url.replace("/erp/events", "/nowhere").replace("127.0.0.1:", "127.0.0.1:1")
    )
    failed = await dispatcher.run_once()
    assert failed.failed == 1
    async with sessions() as session:
        wait = (
            await session.execute(
                text("SELECT extract(epoch FROM next_attempt_at - now()) FROM outbound_delivery WHERE endpoint = 'erp'")
            )
        ).scalar_one()
    assert 50 < wait <= 60  # not retried in a tight loop
    assert (await dispatcher.run_once()).failed == 0

    await add_partner(sessions, "erp")
    path = "/integrations/erp/prices"
    payload = {
        "externalId": "PRICE-20261125-01",
        "prices": [
            {"partCode": "BRK-0001-A", "purchasePrice": "182.50", "salePrice": "360"},
            {"partCode": "FLT-0001-C", "supplierCode": "SUP-01", "supplierUnitPrice": "27.80"},
        ],
    }
    first = await signed_post(anon_client, path, payload)
    assert first.status_code == 200, first.text
    assert first.json()["applied"] == 2 and first.json()["replayed"] is False
    again = await signed_post(anon_client, path, payload)
    assert again.json() == {**first.json(), "replayed": True}
    conflict = await signed_post(anon_client, path, {**payload, "prices": payload["prices"][:1]})
    assert conflict.status_code == 409

    bad = {
        "externalId": "PRICE-20261125-02",
        "prices": [{"partCode": "BRK-0002-A", "purchasePrice": "1"}, {"partCode": "NOPE-0001-A", "salePrice": "-3"}],
    }
    refused = await signed_post(anon_client, path, bad)
    assert refused.status_code == 422
    assert {e["item"] for e in refused.json()["errors"]} == {1}
    async with sessions() as session:
        prices = dict((await session.execute(text("SELECT code, purchase_price FROM part"))).tuples().all())
        offer = (
            await session.execute(
                text(
                    "SELECT unit_price FROM supplier_part sp JOIN part p ON p.id = sp.part_id "
                    "WHERE p.code = 'FLT-0001-C'"
                )
            )
        ).scalar_one()
    assert prices["BRK-0001-A"] == Decimal("182.5") and prices["BRK-0002-A"] == Decimal(260)  # nothing half-applied
    assert offer == Decimal("27.8")
    # The refused id was not claimed: a corrected resend under it goes through.
    fixed = await signed_post(anon_client, path, {**bad, "prices": bad["prices"][:1]})
    assert fixed.status_code == 200 and fixed.json()["applied"] == 1
