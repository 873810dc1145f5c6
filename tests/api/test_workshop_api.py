"""Work orders end to end through GraphQL: create (idempotent for the DMS), kit check, reserve, pick
list, scanned picks, issue at cost, return, close — with typed errors and the ledger balanced."""

from __future__ import annotations

from sqlalchemy import event

from domain.stock.check import check_ledger

ORDER_FIELDS = """
  id number status externalId vehicle { vin make model year } store { code }
  lines { lineNo part { code } quantity reserved picked issued returned outstanding }
"""

CREATE = (
    "mutation Create($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) "
    "{ replayed errors { code message field } workOrder { " + ORDER_FIELDS + " } } }"
)

KIT = """
query Kit($id: ID!) {
  workOrder(id: $id) {
    number
    kitCheck {
      complete fullyReserved
      lines {
        part { code } status required availableAtStore missing
        elsewhere { location { code } usable distanceKm }
        substitutes { relation part { code } availableAtStore coversShortage }
      }
    }
    pickList { lineNo part { code } location { code } lotNo toPick picked }
  }
}
"""

RESERVE = """
mutation Reserve($input: ReserveWorkOrderPartsInput!) {
  reserveWorkOrderParts(input: $input) { errors { code message field } kitCheck { complete fullyReserved } }
}
"""

PICK = """
mutation Pick($input: ConfirmPickInput!) {
  confirmPick(input: $input) { replayed errors { code message field } picks { location { code } lotNo quantity } }
}
"""

ISSUE = """
mutation Issue($input: IssueWorkOrderPartsInput!) {
  issueWorkOrderParts(input: $input) {
    replayed errors { code message field }
    moves { part { code } lotNo quantity unitCost value fromLocation { code } toLocation { code } docType }
    workOrder { status lines { part { code } issued } }
  }
}
"""

RETURN = """
mutation Return($input: ReturnWorkOrderPartsInput!) {
  returnWorkOrderParts(input: $input) {
    errors { code message field } moves { quantity unitCost lotNo fromLocation { code } toLocation { code } }
  }
}
"""

CLOSE = """
mutation Close($input: WorkOrderIdInput!) { closeWorkOrder(input: $input) { errors { code } workOrder { status } } }
"""

STOCK = """
query Stock($code: String!) { part(code: $code) { stock(locationCodes: ["S-BJ01"]) { onHand reserved } } }
"""


def _create_input(lines: list[tuple[str, str]], external_id: str | None = None) -> dict:
    return {
        "input": {
            "storeCode": "S-BJ01",
            "vehicle": {"vin": "LSVAU2180N2183294", "make": "Volkswagen", "model": "Lavida", "year": 2022},
            "faultDescription": "brake warning light, coolant low",
            "lines": [{"partCode": code, "quantity": qty} for code, qty in lines],
            "externalId": external_id,
        }
    }


async def _stock(gql, code: str) -> tuple[str, str]:
    (level,) = (await gql(STOCK, {"code": code}))["part"]["stock"]
    return level["onHand"], level["reserved"]


async def test_work_order_flow_through_graphql(gql, sessions) -> None:
    created = (await gql(CREATE, _create_input([("FLT-0001-C", "4"), ("BCL-0001-B", "3.5")], "DMS-4711")))[
        "createWorkOrder"
    ]
    assert created["errors"] == [] and not created["replayed"]
    order = created["workOrder"]
    assert order["status"] == "OPEN" and order["vehicle"]["vin"] == "LSVAU2180N2183294"
    again = (await gql(CREATE, _create_input([("FLT-0001-C", "4"), ("BCL-0001-B", "3.5")], "DMS-4711")))[
        "createWorkOrder"
    ]
    assert again["replayed"] and again["workOrder"]["id"] == order["id"]
    wo = order["id"]

    kit = (await gql(KIT, {"id": wo}))["workOrder"]
    assert kit["kitCheck"]["complete"] and not kit["kitCheck"]["fullyReserved"]
    assert kit["pickList"] == []

    reserved = (await gql(RESERVE, {"input": {"workOrderId": wo}}))["reserveWorkOrderParts"]
    assert reserved["errors"] == [] and reserved["kitCheck"]["fullyReserved"]
    assert await _stock(gql, "FLT-0001-C") == ("50", "4")
    picks = (await gql(KIT, {"id": wo}))["workOrder"]["pickList"]
    assert [(p["part"]["code"], p["location"]["code"], p["lotNo"], p["toPick"]) for p in picks] == [
        ("FLT-0001-C", "S-BJ01", "", "4"),
        ("BCL-0001-B", "S-BJ01", "C2401", "3.5"),
    ]

    wrong = (
        await gql(
            PICK, {"input": {"workOrderId": wo, "partCode": "FLT-0001-C", "locationCode": "S-BJ02", "quantity": "1"}}
        )
    )["confirmPick"]
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_LOCATION"]
    scan = {"workOrderId": wo, "partCode": "6901234567922", "locationCode": "S-BJ01", "quantity": "4"}
    first = (await gql(PICK, {"input": {**scan, "idempotencyKey": "gun-1"}}))["confirmPick"]
    retry = (await gql(PICK, {"input": {**scan, "idempotencyKey": "gun-1"}}))["confirmPick"]
    assert first["errors"] == [] and not first["replayed"] and retry["replayed"]
    bcl = {"workOrderId": wo, "partCode": "BCL-0001-B", "locationCode": "S-BJ01", "quantity": "3.5"}
    assert (await gql(PICK, {"input": bcl}))["confirmPick"]["errors"] == []

    too_many = (
        await gql(ISSUE, {"input": {"workOrderId": wo, "items": [{"partCode": "FLT-0001-C", "quantity": "6"}]}})
    )["issueWorkOrderParts"]
    assert [e["code"] for e in too_many["errors"]] == ["INSUFFICIENT_STOCK"] and too_many["moves"] == []
    assert await _stock(gql, "FLT-0001-C") == ("50", "4")  # nothing moved

    issued = (await gql(ISSUE, {"input": {"workOrderId": wo, "idempotencyKey": "issue-1"}}))["issueWorkOrderParts"]
    assert issued["errors"] == [] and issued["workOrder"]["status"] == "IN_PROGRESS"
    moves = {m["part"]["code"]: m for m in issued["moves"]}
    assert moves["FLT-0001-C"]["unitCost"] == "28" and moves["FLT-0001-C"]["value"] == "112.00"
    assert moves["BCL-0001-B"]["lotNo"] == "C2401" and moves["BCL-0001-B"]["unitCost"] == "45.5"
    assert {m["toLocation"]["code"] for m in issued["moves"]} == {"V-WORKSHOP"}
    replay = (await gql(ISSUE, {"input": {"workOrderId": wo, "idempotencyKey": "issue-1"}}))["issueWorkOrderParts"]
    assert replay["replayed"] and len(replay["moves"]) == 2
    assert await _stock(gql, "FLT-0001-C") == ("46", "0")

    back = (await gql(RETURN, {"input": {"workOrderId": wo, "partCode": "FLT-0001-C", "quantity": "1"}}))[
        "returnWorkOrderParts"
    ]
    assert back["errors"] == []
    assert [
        (m["quantity"], m["unitCost"], m["fromLocation"]["code"], m["toLocation"]["code"]) for m in back["moves"]
    ] == [("1", "28", "V-WORKSHOP", "S-BJ01")]
    over = (await gql(RETURN, {"input": {"workOrderId": wo, "partCode": "FLT-0001-C", "quantity": "4"}}))[
        "returnWorkOrderParts"
    ]
    assert [e["code"] for e in over["errors"]] == ["INVALID_QUANTITY"]

    closed = (await gql(CLOSE, {"input": {"workOrderId": wo}}))["closeWorkOrder"]
    assert closed["workOrder"]["status"] == "COMPLETED"
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_short_kit_shows_sources_and_substitutes(gql) -> None:
    created = (await gql(CREATE, _create_input([("BRK-0001-A", "20")])))["createWorkOrder"]["workOrder"]
    line = (await gql(KIT, {"id": created["id"]}))["workOrder"]["kitCheck"]["lines"][0]
    assert (line["status"], line["missing"]) == ("SHORT", "20")
    assert [(x["location"]["code"], x["usable"], x["distanceKm"]) for x in line["elsewhere"]] == [
        ("S-BJ02", "15", "8.0"),
        ("S-BJ03", "30", "15.0"),
        ("S-TJ01", "50", "120.0"),
        ("WH", "200", "180.0"),
    ]
    assert line["substitutes"] == [
        {
            "relation": "INTERCHANGEABLE",
            "part": {"code": "BRK-0002-A"},
            "availableAtStore": "10",
            "coversShortage": False,
        }
    ]
    strict = (await gql(RESERVE, {"input": {"workOrderId": created["id"], "requireComplete": True}}))[
        "reserveWorkOrderParts"
    ]
    assert [e["code"] for e in strict["errors"]] == ["INSUFFICIENT_STOCK"]
    direct = await gql(
        'query { substitutes(partCode: "BRK-0001-A", locationCode: "S-BJ01", quantity: "5") '
        "{ part { code } coversShortage } }"
    )
    assert direct["substitutes"] == [{"part": {"code": "BRK-0002-A"}, "coversShortage": True}]
    bad = (await gql(CREATE, _create_input([("NOPE-0000-X", "1")])))["createWorkOrder"]
    assert [e["code"] for e in bad["errors"]] == ["UNKNOWN_PART"]


async def test_work_order_list_is_batched(gql, app) -> None:
    query = """{ workOrders(first: 5) { edges { node { number store { code } lines { part { code } }
        kitCheck { complete lines { status elsewhere { location { code } } substitutes { part { code } } } }
        pickList { toPick location { code } } } } } }"""
    statements: list[str] = []
    engine = app.state.engine.sync_engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    await gql(CREATE, _create_input([("FLT-0001-C", "1"), ("BRK-0001-A", "1")]))
    event.listen(engine, "before_cursor_execute", listener)
    try:
        await gql(query)
        few = len(statements)
        event.remove(engine, "before_cursor_execute", listener)
        for _ in range(3):
            await gql(CREATE, _create_input([("FLT-0001-C", "1"), ("BCL-0001-B", "1")]))
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        data = await gql(query)
        assert len(data["workOrders"]["edges"]) == 4
        assert len(statements) == few
    finally:
        if event.contains(engine, "before_cursor_execute", listener):
            event.remove(engine, "before_cursor_execute", listener)
