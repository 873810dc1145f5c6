"""The analytics and alert contract over GraphQL: dashboard and reports by scope, signed export
links, alerts from evaluation to acknowledgement, the inbox, and subscriptions over a real
WebSocket (graphql-transport-ws) to the app served by uvicorn."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from openpyxl import load_workbook
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from domain.alerts.dispatch import dispatch_outbox
from domain.alerts.engine import evaluate_alerts
from domain.analytics import snapshots
from domain.analytics.settings import AnalyticsSettings
from domain.principal import Principal
from tests.domain.alerts.helpers import set_policy

DASHBOARD = """
query($loc: String) {
  dashboard(locationCode: $loc) {
    siteCount periodDays refreshedAt
    inventoryValue { value previous trend unit }
    stockoutSkus { value } fillRate { value unit } turnover { value }
    receiptsToday { value previous } pendingTasks { suggestions total { value } }
  }
}
"""
EXPORT = """
mutation($input: ExportReportInput!) {
  exportReport(input: $input) { url filename expiresAt errors { code message field } }
}
"""
ALERTS = """
query { alerts { totalCount edges { node { id rule severity status message details
        part { code } location { code } } } } }
"""


async def test_dashboard_by_scope(gql, gql_as, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    async with sessions() as s, s.begin():
        await snapshots.refresh_today(s)
    hq = (await gql(DASHBOARD))["dashboard"]
    assert hq["siteCount"] == 6 and hq["periodDays"] == 30 and hq["refreshedAt"]
    assert hq["inventoryValue"]["unit"] == "CNY" and hq["stockoutSkus"]["value"] == "1"
    assert hq["fillRate"]["value"] is None and hq["pendingTasks"]["suggestions"] == 0
    north = (await (await gql_as("regional.north"))(DASHBOARD))["dashboard"]
    assert north["siteCount"] == 4
    one = (await (await gql_as("regional.north"))(DASHBOARD, {"loc": "S-BJ02"}))["dashboard"]
    assert one["siteCount"] == 1 and one["inventoryValue"]["value"] == "2700.00"
    outside = await (await gql_as("regional.north"))(DASHBOARD, {"loc": "S-SH01"}, expect_errors=True)
    assert "S-SH01" in outside["errors"][0]["message"]
    refused = await (await gql_as("manager.bj01"))(DASHBOARD, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_report_and_its_signed_export(gql, gql_as, anon_client, monkeypatch) -> None:
    report = await gql(
        "{ report(name: STOCK_AGING, first: 2) { name titleZh totalRows columns { key kind } rows notes } }"
    )
    table = report["report"]
    assert table["name"] == "STOCK_AGING" and table["totalRows"] == 6 and len(table["rows"]) == 2
    assert table["columns"][3] == {"key": "value", "kind": "MONEY"}

    exported = (await gql(EXPORT, {"input": {"name": "STOCK_AGING", "format": "XLSX"}}))["exportReport"]
    assert exported["errors"] == [] and exported["filename"].startswith("ims-stock-aging-")
    path = exported["url"].removeprefix("https://ims.test")
    response = await anon_client.get(path)  # the link alone is the credential
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["stock_aging"]
    assert sheet.max_row == 7 and sheet.freeze_panes == "A2"

    north = await gql_as("regional.north")
    csv_link = (await north(EXPORT, {"input": {"name": "DEAD_STOCK", "format": "CSV"}}))["exportReport"]["url"]
    csv = await anon_client.get(csv_link.removeprefix("https://ims.test"))
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbfpart,name,site")

    assert (await anon_client.get(path[:-3] + "xyz")).status_code == 404  # tampered
    monkeypatch.setattr("api.exports.get_analytics_settings", lambda: AnalyticsSettings(export_link_seconds=-1))
    assert (await anon_client.get(path)).status_code == 410  # expired
    bad = (await north(EXPORT, {"input": {"name": "SUPPLIER", "params": {"locationCode": "S-SH01"}}}))["exportReport"]
    assert bad["url"] is None and bad["errors"][0]["code"] == "UNKNOWN_LOCATION"


async def test_alerts_from_evaluation_to_acknowledgement(gql, gql_as, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await set_policy(sessions, "BRK-0001-A", "S-SH01", "4", "6", "20")
    admin = await gql_as("admin")
    evaluated = (await admin("mutation { evaluateAlerts { raised skipped errors { code } } }"))["evaluateAlerts"]
    assert evaluated == {"raised": 2, "skipped": False, "errors": []}

    manager = await gql_as("manager.bj01")
    mine = (await manager(ALERTS))["alerts"]
    assert mine["totalCount"] == 1  # S-SH01's stockout is not in a Beijing manager's scope
    alert = mine["edges"][0]["node"]
    assert (alert["rule"], alert["severity"], alert["location"]["code"]) == ("STOCKOUT", "URGENT", "S-BJ01")
    assert alert["details"]["safetyStock"] == 4 and "BRK-0001-A" in alert["message"]
    assert (await gql(ALERTS))["alerts"]["totalCount"] == 2

    ack = await manager(
        "mutation($id: ID!) { acknowledgeAlerts(input: {ids: [$id]}) "
        "{ alerts { status acknowledgedBy } errors { code } } }",
        {"id": alert["id"]},
    )
    assert ack["acknowledgeAlerts"]["alerts"][0]["status"] == "ACKNOWLEDGED"
    node = await manager("query($id: ID!) { node(id: $id) { ... on Alert { status } } }", {"id": alert["id"]})
    assert node["node"] == {"status": "ACKNOWLEDGED"}

    rules = (await manager("{ alertRules { code params recipients } }"))["alertRules"]
    assert {r["code"]: r["params"] for r in rules}["COUNT_VARIANCE"] == {"pct": "5"}
    changed = await admin(
        "mutation { updateAlertRule(input: {code: COUNT_VARIANCE, params: {pct: 8}}) "
        "{ rule { params } errors { code } } }"
    )
    assert changed["updateAlertRule"]["rule"]["params"] == {"pct": "8"}
    refused = await manager(
        "mutation { updateAlertRule(input: {code: STOCKOUT, enabled: false}) { errors { code } } }",
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    await dispatch_outbox(sessions)
    inbox = await manager("{ myNotifications { unreadCount edges { node { id title alertIds readAt } } } }")
    items = inbox["myNotifications"]
    assert items["unreadCount"] == 1 and items["edges"][0]["node"]["alertIds"] == [alert["id"]]
    read = await manager("mutation { markNotificationsRead(input: {}) { changed unreadCount errors { code } } }")
    assert read["markNotificationsRead"] == {"changed": 1, "unreadCount": 0, "errors": []}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(app) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def _subscribe(ws: Any, query: str, init: dict[str, Any] | None = None) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))


async def _next(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if message["type"] != "ping":
            return message


async def test_subscriptions_over_websocket(served, engine, sessions, tokens) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await set_policy(sessions, "BRK-0001-A", "S-SH01", "4", "6", "20")
    headers = {"Authorization": f"Bearer {await tokens.user('manager.bj01')}"}
    events = await connect(served, subprotocols=["graphql-transport-ws"], additional_headers=headers)
    inbox = await connect(served, subprotocols=["graphql-transport-ws"])  # a browser: token in connection_init
    anonymous = await connect(served, subprotocols=["graphql-transport-ws"])
    try:
        await _subscribe(events, "subscription { alertEvents { kind rule count alerts { location { code } } } }")
        await _subscribe(
            inbox,
            "subscription { notificationReceived { title severity } }",
            {"Authorization": headers["Authorization"]},
        )
        await anonymous.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(anonymous.recv(), timeout=5)
        assert anonymous.close_code == 4403  # no credentials: no subscription
        admin_headers = {"Authorization": f"Bearer {await tokens.user('admin')}"}
        async with connect(served, subprotocols=["graphql-transport-ws"], additional_headers=admin_headers) as admin:
            await _subscribe(admin, "subscription { alertEvents { count } }")
            refused = await _next(admin)  # administrators manage users, they do not read stock
            assert refused["payload"]["errors"][0]["message"] == "you are not allowed to follow alerts"

        await asyncio.sleep(0.3)  # LISTEN is in place
        await evaluate_alerts(engine, Principal.system("test"))
        event = await _next(events)
        assert event["type"] == "next"
        payload = event["payload"]["data"]["alertEvents"]
        # Two stockouts raised; the Beijing manager is told about the one in scope.
        assert payload == {
            "kind": "RAISED",
            "rule": "STOCKOUT",
            "count": 1,
            "alerts": [{"location": {"code": "S-BJ01"}}],
        }
        await dispatch_outbox(sessions)
        note = await _next(inbox)
        assert note["payload"]["data"]["notificationReceived"]["severity"] == "URGENT"
    finally:
        await events.close()
        await inbox.close()
        await anonymous.close()
