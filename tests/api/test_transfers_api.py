"""Transfers end to end through GraphQL on the seed: the brake-pad recommendation, the order flow
through V-TRANSIT with a partial shipment and a discrepancy, refusals, and a reviewed rebalance plan
turned into transfer orders — with the ledger balanced throughout."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from api.graphql.relay import to_global_id
from domain.principal import Principal, PrincipalKind, Role
from domain.stock.check import check_ledger
from domain.transfers import rebalancing, service

RECOMMEND = """
query Recommend($part: String!, $to: String!, $qty: Decimal!) {
  recommendTransfer(partCode: $part, toLocation: $to, quantity: $qty) {
    quantity part { code } toLocation { code }
    options {
      rank totalCost arrivalDay arrivalHours shipments strategies partial
      costs { transport handling depletion waiting total }
      legs { fromLocation { code } quantity distanceKm sourceKind usable safetyStock cost arrivalDay }
      explanation { summary text reasons { code message facts { key value } } }
    }
  }
}
"""

ORDER = """
  id number status emergency requestedBy approvedBy
  fromLocation { code } toLocation { code }
  lines { part { code } quantity reserved shipped received discrepancy }
  shipments { shipmentNo status hasDiscrepancy receiveNote lines { lotNo quantity received discrepancy unitCost } }
"""

APPROVE = (
    "mutation A($input: DecideTransferInput!) { approveTransfer(input: $input) "
    "{ errors { code message } transfer { " + ORDER + " } } }"
)
SHIP = (
    "mutation S($input: ShipTransferInput!) { shipTransfer(input: $input) { replayed errors { code message field } "
    "moves { quantity unitCost fromLocation { code } toLocation { code } } shipment { shipmentNo status } "
    "transfer { status } } }"
)
RECEIVE = (
    "mutation R($input: ReceiveTransferInput!) { receiveTransfer(input: $input) { replayed "
    "errors { code message field } moves { quantity fromLocation { code } toLocation { code } } "
    "shipment { shipmentNo status hasDiscrepancy } transfer { status } } }"
)
REQUEST = (
    "mutation Q($input: RequestTransferInput!) { requestTransfer(input: $input) "
    "{ replayed errors { code message field } transfer { id number status } } }"
)
GET = "query G($id: ID!) { transferOrder(id: $id) { " + ORDER + " } }"
STAFF_BJ01 = Principal(PrincipalKind.USER, "zhao", frozenset({Role.STORE_STAFF}), location_paths=("HQ/R-N/S-BJ01",))


def _legs(option: dict) -> list[tuple[str, str]]:
    return [(leg["fromLocation"]["code"], leg["quantity"]) for leg in option["legs"]]


async def test_brake_pad_recommendation(gql) -> None:
    """Beijing store 1 needs 20 brake pads: 15 + 5 from stores 2 and 3, else 20 from store 3, else the
    warehouse (next day)."""
    data = (await gql(RECOMMEND, {"part": "BRK-0001-A", "to": "S-BJ01", "qty": "20"}))["recommendTransfer"]
    options = data["options"]
    assert [_legs(o) for o in options] == [
        [("S-BJ02", "15"), ("S-BJ03", "5")],
        [("S-BJ03", "20")],
        [("WH", "20")],
    ]
    assert [o["rank"] for o in options] == [1, 2, 3]
    assert [o["arrivalDay"] for o in options] == [0, 0, 1]
    totals = [Decimal(o["totalCost"]) for o in options]
    assert totals == sorted(totals)
    first = options[0]
    assert "CHEAPEST" in first["strategies"] and not first["partial"]
    assert Decimal(first["costs"]["total"]) == totals[0]
    assert first["explanation"]["summary"].startswith("Cheapest")
    codes = [r["code"] for r in first["explanation"]["reasons"]]
    assert codes[0] == "strategy" and codes.count("source") == 2 and "cost" in codes and "arrival" in codes
    source = next(r for r in first["explanation"]["reasons"] if r["code"] == "source")
    assert {"key": "location_code", "value": "S-BJ02"} in source["facts"]
    assert options[2]["legs"][0]["sourceKind"] == "warehouse" and "next day" in options[2]["explanation"]["summary"]

    bad = await gql(RECOMMEND, {"part": "BRK-0001-A", "to": "V-WORKSHOP", "qty": "20"}, expect_errors=True)
    assert bad["data"] is None and "virtual" in bad["errors"][0]["message"]


async def test_transfer_flow_with_partial_shipment_and_discrepancy(gql, sessions) -> None:
    async with sessions() as s, s.begin():  # the store's app asked for it (another person than us)
        requested = await service.request_transfer(
            s,
            STAFF_BJ01,
            service.RequestTransfer("S-BJ02", "S-BJ01", [service.PartQuantity("BRK-0001-A", Decimal(10))]),
        )
    tid = to_global_id("TransferOrder", requested.transfer.id)
    approved = (await gql(APPROVE, {"input": {"transferOrderId": tid, "note": "ok"}}))["approveTransfer"]
    assert approved["errors"] == [] and approved["transfer"]["status"] == "APPROVED"
    assert approved["transfer"]["lines"][0]["reserved"] == "10"

    over = (
        await gql(SHIP, {"input": {"transferOrderId": tid, "items": [{"partCode": "BRK-0001-A", "quantity": "11"}]}})
    )["shipTransfer"]
    assert [e["code"] for e in over["errors"]] == ["INVALID_QUANTITY"] and over["moves"] == []

    ship = {"transferOrderId": tid, "items": [{"partCode": "BRK-0001-A", "quantity": "4"}], "idempotencyKey": "s1"}
    shipped = (await gql(SHIP, {"input": ship}))["shipTransfer"]
    assert shipped["errors"] == [] and shipped["transfer"]["status"] == "PARTIALLY_SHIPPED"
    assert [(m["quantity"], m["unitCost"], m["toLocation"]["code"]) for m in shipped["moves"]] == [
        ("4", "180", "V-TRANSIT")
    ]
    assert (await gql(SHIP, {"input": ship}))["shipTransfer"]["replayed"]

    received = (
        await gql(
            RECEIVE,
            {
                "input": {
                    "transferOrderId": tid,
                    "items": [{"partCode": "BRK-0001-A", "quantity": "3"}],
                    "note": "one set damaged",
                }
            },
        )
    )["receiveTransfer"]
    assert received["errors"] == [] and received["shipment"]["hasDiscrepancy"]
    assert [(m["quantity"], m["fromLocation"]["code"], m["toLocation"]["code"]) for m in received["moves"]] == [
        ("3", "V-TRANSIT", "S-BJ01")
    ]
    twice = (await gql(RECEIVE, {"input": {"transferOrderId": tid, "shipmentNo": 1}}))["receiveTransfer"]
    assert [e["code"] for e in twice["errors"]] == ["INVALID_STATE"]

    rest = (await gql(SHIP, {"input": {"transferOrderId": tid}}))["shipTransfer"]
    assert rest["shipment"]["shipmentNo"] == 2
    done = (await gql(RECEIVE, {"input": {"transferOrderId": tid}}))["receiveTransfer"]
    assert done["transfer"]["status"] == "RECEIVED"

    order = (await gql(GET, {"id": tid}))["transferOrder"]
    assert order["lines"] == [
        {
            "part": {"code": "BRK-0001-A"},
            "quantity": "10",
            "reserved": "0",
            "shipped": "10",
            "received": "9",
            "discrepancy": "1",
        }
    ]
    assert [(s["shipmentNo"], s["hasDiscrepancy"], s["receiveNote"]) for s in order["shipments"]] == [
        (1, True, "one set damaged"),
        (2, False, None),
    ]
    async with sessions() as s:
        assert await check_ledger(s) == []
        on_hand = dict(
            (
                await s.execute(
                    text(
                        "SELECT l.code, b.on_hand FROM stock_balance b JOIN location l ON l.id = b.location_id "
                        "JOIN part p ON p.id = b.part_id WHERE p.code = 'BRK-0001-A' AND l.code IN ('S-BJ01','S-BJ02')"
                    )
                )
            ).all()
        )
    assert on_hand == {"S-BJ01": 9, "S-BJ02": 5}


async def test_refusals_move_nothing(gql, sessions) -> None:
    virtual = (
        await gql(
            REQUEST,
            {
                "input": {
                    "fromLocationCode": "S-BJ02",
                    "toLocationCode": "V-WORKSHOP",
                    "lines": [{"partCode": "BRK-0001-A", "quantity": "1"}],
                }
            },
        )
    )["requestTransfer"]
    assert [e["code"] for e in virtual["errors"]] == ["INVALID_LOCATION"]

    own = (
        await gql(
            REQUEST,
            {
                "input": {
                    "fromLocationCode": "S-TJ01",
                    "toLocationCode": "S-BJ01",
                    "lines": [{"partCode": "BRK-0001-A", "quantity": "5"}],
                    "emergency": True,
                }
            },
        )
    )["requestTransfer"]
    assert own["errors"] == [] and own["transfer"]["status"] == "REQUESTED"
    mine = (await gql(APPROVE, {"input": {"transferOrderId": own["transfer"]["id"]}}))["approveTransfer"]
    assert [e["code"] for e in mine["errors"]] == ["FORBIDDEN"] and "own" in mine["errors"][0]["message"]
    not_approved = (await gql(SHIP, {"input": {"transferOrderId": own["transfer"]["id"]}}))["shipTransfer"]
    assert [e["code"] for e in not_approved["errors"]] == ["INVALID_STATE"]
    async with sessions() as s:
        moved = (await s.execute(text("SELECT count(*) FROM stock_move WHERE doc_type LIKE 'transfer%'"))).scalar()
    assert moved == 0


PLAN_FIELDS = """
  id number status unitsMoved unmetNeed totalCost shipments scope { code }
  lanes { fromLocation { code } toLocation { code } quantity totalCost dailyRun
          lines { id part { code } quantity reason orderedQuantity excluded } transferOrder { number status } }
  unmet { part { code } location { code } quantity }
"""


async def test_rebalance_plan_reviewed_and_turned_into_transfers(gql, sessions) -> None:
    async with sessions() as s, s.begin():
        for part, site, safety, reorder, maximum in [
            ("FLT-0001-C", "S-BJ01", 5, 10, 20),
            ("FLT-0001-C", "S-BJ02", 2, 8, 16),
            ("BRK-0001-A", "S-BJ01", 0, 5, 10),
        ]:
            await s.execute(
                text(
                    "INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, "
                    "source) SELECT p.id, l.id, :ss, :rop, :max, 'manual' FROM part p, location l "
                    "WHERE p.code = :part AND l.code = :site"
                ),
                {"part": part, "site": site, "ss": safety, "rop": reorder, "max": maximum},
            )
    proposed = await gql(
        "mutation P($input: RebalancePlanInput!) { rebalancePlan(input: $input) { errors { code } plan { "
        + PLAN_FIELDS
        + " } } }",
        {"input": {"scope": "HQ"}},
    )
    plan = proposed["rebalancePlan"]["plan"]
    assert plan["status"] == "PROPOSED" and plan["unitsMoved"] == "8" and plan["unmetNeed"] == "5"
    assert [(x["fromLocation"]["code"], x["toLocation"]["code"], x["quantity"]) for x in plan["lanes"]] == [
        ("S-BJ01", "S-BJ02", "8")
    ]
    assert plan["unmet"] == [{"part": {"code": "BRK-0001-A"}, "location": {"code": "S-BJ01"}, "quantity": "5"}]

    # A plan proposed by the nightly job, reviewed by us: its orders are approved with the review.
    async with sessions() as s, s.begin():
        nightly = await rebalancing.propose_rebalance_plan(s, Principal.system("nightly"), "R-N")
    convert = (
        "mutation C($input: CreateTransfersFromPlanInput!) { createTransfersFromPlan(input: $input) "
        "{ replayed errors { code message } transfers { number status fromLocation { code } toLocation { code } "
        "lines { part { code } quantity reserved } } plan { status lanes { transferOrder { number } } } } }"
    )
    pid = to_global_id("RebalancePlan", nightly.id)
    done = (await gql(convert, {"input": {"planId": pid, "idempotencyKey": "review-7"}}))["createTransfersFromPlan"]
    assert done["errors"] == [] and done["plan"]["status"] == "ACCEPTED"
    (transfer,) = done["transfers"]
    assert transfer["status"] == "APPROVED" and transfer["lines"] == [
        {"part": {"code": "FLT-0001-C"}, "quantity": "8", "reserved": "8"}
    ]
    assert done["plan"]["lanes"][0]["transferOrder"]["number"] == transfer["number"]
    again = (await gql(convert, {"input": {"planId": pid}}))["createTransfersFromPlan"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    listed = await gql("{ rebalancePlans(first: 5) { edges { node { number status } } } }")
    assert [e["node"]["status"] for e in listed["rebalancePlans"]["edges"]] == ["ACCEPTED", "PROPOSED"]
    async with sessions() as s:
        assert await check_ledger(s) == []
