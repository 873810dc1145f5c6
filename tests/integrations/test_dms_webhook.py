"""DMS repair orders through the signed webhook: signatures, replay window, strict payloads, part
number mapping, idempotency by external id."""

from __future__ import annotations

import json
import time

from sqlalchemy import text

from integrations.signing import sign
from tests.domain.masterdata.helpers import run_import, write_sheet
from tests.integrations.webhook_helpers import SECRET, add_partner, signed_post

PATH = "/integrations/dms/work-orders"


def _order(external_id: str = "RO-2026-0042", **overrides: object) -> dict:
    order = {
        "externalId": external_id,
        "storeCode": "S-BJ01",
        "vehicle": {"vin": "LSVAU2180N2183294", "make": "大众", "model": "朗逸", "year": 2022},
        "faultDescription": "前刹车异响",
        "lines": [{"dmsPartNo": "VW-1K0698151", "quantity": "1"}, {"partCode": "FLT-0001-C", "quantity": 2}],
    }
    order.update(overrides)
    return order


async def _orders(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return (await session.execute(text("SELECT count(*) FROM work_order"))).scalar_one()


async def test_signed_orders_are_mapped_created_once_and_replayed(anon_client, sessions, tmp_path):
    await add_partner(sessions, "dms")
    mapping = write_sheet(tmp_path / "map.csv", ["dms_part_no", "part_code"], [["VW-1K0698151", "BRK-0001-A"]])
    assert (await run_import(sessions, "dms_part_map", mapping)).applied

    first = await signed_post(anon_client, PATH, _order())
    assert first.status_code == 201, first.text
    number = first.json()["workOrder"]["number"]
    assert first.json()["replayed"] is False
    async with sessions() as session:
        lines = (
            await session.execute(
                text(
                    "SELECT p.code, l.quantity FROM work_order_line l JOIN part p ON p.id = l.part_id "
                    "JOIN work_order w ON w.id = l.work_order_id WHERE w.external_id = 'RO-2026-0042' "
                    "ORDER BY l.line_no"
                )
            )
        ).all()
    assert [(code, int(q)) for code, q in lines] == [("BRK-0001-A", 1), ("FLT-0001-C", 2)]

    again = await signed_post(anon_client, PATH, _order())
    assert again.status_code == 200 and again.json() == {**first.json(), "replayed": True}
    assert again.json()["workOrder"]["number"] == number

    changed = await signed_post(anon_client, PATH, _order(faultDescription="另一个故障"))
    assert changed.status_code == 409 and changed.json()["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await _orders(sessions) == 1


async def test_signatures_and_strict_payloads(anon_client, sessions):
    await add_partner(sessions, "dms")
    body = json.dumps(_order()).encode()
    now = int(time.time())
    cases = [
        ({}, "headers are required"),
        ({"X-IMS-Timestamp": str(now), "X-IMS-Signature": sign("wrong-secret-0000000", now, body)}, "does not match"),
        ({"X-IMS-Timestamp": str(now - 3600), "X-IMS-Signature": sign(SECRET, now - 3600, body)}, "replay window"),
        # The timestamp is inside the MAC: moving it forward breaks the signature.
        ({"X-IMS-Timestamp": str(now + 1), "X-IMS-Signature": sign(SECRET, now, body)}, "does not match"),
    ]
    for headers, message in cases:
        response = await anon_client.post(PATH, content=body, headers=headers)
        assert response.status_code == 401, response.text
        assert message in response.json()["message"]
    # A body changed in transit fails too.
    good = await signed_post(anon_client, PATH, _order())
    assert good.status_code == 422  # signature accepted; the DMS part number is not mapped here
    tampered = body.replace(b"S-BJ01", b"S-BJ02")
    response = await anon_client.post(
        PATH, content=tampered, headers={"X-IMS-Timestamp": str(now), "X-IMS-Signature": sign(SECRET, now, body)}
    )
    assert response.status_code == 401
    # No partner configured: refused the same way.
    response = await signed_post(anon_client, "/integrations/erp/prices", {"externalId": "x", "prices": [{}]})
    assert response.status_code == 401

    await add_partner(sessions, "dms")
    bad = [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({**_order(), "lines": []}).encode(), "lines needs"),
        (json.dumps({**_order(), "vehicle": "VW"}).encode(), "vehicle has the wrong type"),
        (json.dumps({**_order(), "lines": [{"quantity": 1}]}).encode(), "dmsPartNo or partCode"),
        (json.dumps({**_order(), "lines": [{"partCode": "FLT-0001-C", "quantity": True}]}).encode(), "number"),
    ]
    for body, message in bad:
        response = await signed_post(anon_client, PATH, body)
        assert response.status_code == 400, (body, response.text)
        assert message in response.json()["message"]

    unknown = await signed_post(anon_client, PATH, _order(lines=[{"dmsPartNo": "NOPE-1", "quantity": 1}]))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == ["lines", "0", "dmsPartNo"]
    invalid = await signed_post(anon_client, PATH, _order(vehicle={"vin": "SHORT", "make": "x", "model": "y"}))
    assert invalid.status_code == 422
    assert await _orders(sessions) == 0
