"""Supplier systems: purchase orders out as CSV/JSON, ship notices and tracking updates in."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from integrations.signing import signed_headers
from tests.domain.purchasing.helpers import sent_order
from tests.integrations.webhook_helpers import SECRET, add_partner, signed_post


async def test_purchase_orders_out_and_ship_notices_and_tracking_in(anon_client, sessions):
    await add_partner(sessions, "supplier:sup-01")
    order = (
        await sent_order(sessions, [("BRK-0001-A", "10", "180", "S-BJ01"), ("FLT-0001-C", "20", "28", "WH")])
    ).order
    base = "/integrations/suppliers/SUP-01"

    get_path = f"{base}/purchase-orders/{order.number}"
    document = await anon_client.get(get_path, headers=signed_headers(SECRET, b""))
    assert document.status_code == 200, document.text
    assert [line["partCode"] for line in document.json()["lines"]] == ["BRK-0001-A", "FLT-0001-C"]
    as_csv = await anon_client.get(get_path + "?format=csv", headers=signed_headers(SECRET, b""))
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows[1]["quantity"] == "20" and rows[1]["deliver_to"] == "WH" and rows[0]["amount"] == "1800"

    notice = {
        "notices": [
            {
                "number": "DN-88",
                "carrier": "SF",
                "trackingNumber": "SF100",
                "lines": [{"purchaseOrderNumber": order.number, "lineNo": 1, "quantity": "6"}],
            }
        ]
    }
    first = await signed_post(anon_client, f"{base}/ship-notices", notice)
    assert first.status_code == 201, first.text
    label = first.json()["notices"][0]["label"]
    again = await signed_post(anon_client, f"{base}/ship-notices", notice)
    assert again.status_code == 200 and again.json()["notices"][0] == {
        "number": "DN-88",
        "label": label,
        "replayed": True,
    }

    update = {
        "externalId": "SF100-1",
        "shipNotice": "DN-88",
        "status": "in_transit",
        "occurredAt": "2026-11-26T08:00:00+08:00",
        "location": "廊坊分拨中心",
        "expectedArrival": "2030-01-02",
    }
    tracked = await signed_post(anon_client, f"{base}/tracking", update)
    assert tracked.status_code == 201, tracked.text
    assert (await signed_post(anon_client, f"{base}/tracking", update)).json()["replayed"] is True
    malformed = await signed_post(anon_client, f"{base}/tracking", {**update, "occurredAt": "yesterday"})
    assert malformed.status_code == 400 and "occurredAt" in malformed.json()["message"]
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT expected_arrival::text, tracking_number FROM ship_notice WHERE number = 'DN-88'")
            )
        ).one()
        events = (await session.execute(text("SELECT count(*) FROM ship_notice_event"))).scalar_one()
        shipped = (await session.execute(text("SELECT sum(shipped_qty) FROM purchase_order_line"))).scalar_one()
    assert tuple(row) == ("2030-01-02", "SF100") and events == 1 and shipped == 6

    # Another supplier's secret cannot speak for SUP-01, and SUP-01 cannot see unknown orders.
    forged = await signed_post(anon_client, f"{base}/tracking", update, secret="another-secret-000000")
    assert forged.status_code == 401
    missing = await anon_client.get(f"{base}/purchase-orders/PO-999999", headers=signed_headers(SECRET, b""))
    assert missing.status_code == 404
