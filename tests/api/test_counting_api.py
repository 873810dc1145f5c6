"""The counting contract over GraphQL: a full count from plan to closed, blind task types, errors.
(Role rules are tested on the domain service with Principal objects: tests/domain/counting.)"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from api.graphql.counting import types
from domain.counting import models, reports

PLAN_FIELDS = "id code kind status location { code frozenBy } progress { total open counted }"

CREATE = f"""
mutation($input: CreateCountPlanInput!) {{
  createCountPlan(input: $input) {{ plan {{ {PLAN_FIELDS} }} errors {{ code message field }} }}
}}
"""

TASKS = """
query($plan: ID, $assignee: String, $first: Int, $after: String) {
  countTasks(planId: $plan, assignee: $assignee, first: $first, after: $after) {
    edges { node { id status assignee attempts part { code barcode } location { code } plan { code } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

RECORD = """
mutation($input: RecordCountInput!) {
  recordCount(input: $input) {
    task { status attempts assignee countedQuantity } recountRequired replayed errors { code message field }
  }
}
"""

VARIANCES = """
query($id: ID!) {
  countPlan(id: $id) {
    variances { id quantity snapshotQuantity movesDuringCount expectedQuantity countedQuantity value status
                part { code } location { code } task { countedBy } }
  }
}
"""

MOVE = """
mutation($input: MoveStockInput!) { moveStock(input: $input) { move { id } errors { code message } } }
"""


async def _record(gql, plan: str, scan: str, quantity: str, key: str, loc: str = "S-BJ01") -> dict:
    variables = {
        "input": {"planId": plan, "locationCode": loc, "partScan": scan, "quantity": quantity, "idempotencyKey": key}
    }
    return (await gql(RECORD, variables))["recordCount"]


async def test_full_count_from_plan_to_close(gql) -> None:
    created = await gql(CREATE, {"input": {"kind": "FULL", "locationCode": "S-BJ01", "assignees": ["li", "wang"]}})
    payload = created["createCountPlan"]
    assert payload["errors"] == []
    plan = payload["plan"]
    assert plan["kind"] == "FULL" and plan["progress"] == {"total": 3, "open": 3, "counted": 0}
    assert plan["location"] == {"code": "S-BJ01", "frozenBy": plan["code"]}

    page = (await gql(TASKS, {"plan": plan["id"], "first": 2}))["countTasks"]
    rest = (await gql(TASKS, {"plan": plan["id"], "after": page["pageInfo"]["endCursor"]}))["countTasks"]
    tasks = [e["node"] for e in page["edges"] + rest["edges"]]
    assert page["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert [t["part"]["code"] for t in tasks] == ["BCL-0001-B", "BRK-0002-A", "FLT-0001-C"]  # walk order
    li = (await gql(TASKS, {"plan": plan["id"], "assignee": "li"}))["countTasks"]["edges"]
    assert [e["node"]["part"]["code"] for e in li] == ["BCL-0001-B", "BRK-0002-A"]  # li's stretch of shelf

    move = {"partCode": "BRK-0001-A", "fromLocationCode": "S-BJ02", "toLocationCode": "S-BJ01", "quantity": "1"}
    frozen = (await gql(MOVE, {"input": move}))["moveStock"]
    assert frozen["move"] is None and frozen["errors"][0]["code"] == "LOCATION_FROZEN"
    assert plan["code"] in frozen["errors"][0]["message"]

    start = await gql(
        "mutation($id: ID!) { startCountTask(input: {taskId: $id}) { task { status startedAt } errors { code } } }",
        {"id": tasks[2]["id"]},
    )
    assert start["startCountTask"]["task"]["status"] == "COUNTING"
    first = await _record(gql, plan["id"], "6901234567922", "45", "scan-1")  # oil filters: 45 of 50
    assert first["recountRequired"] and first["task"]["status"] == "RECOUNT"
    assert (await _record(gql, plan["id"], "6901234567922", "45", "scan-1"))["replayed"] is True
    second = await _record(gql, plan["id"], "6901234567922", "45", "scan-2")
    assert (second["task"]["status"], second["task"]["attempts"], second["task"]["countedQuantity"]) == (
        "COUNTED",
        2,
        "45",
    )
    await _record(gql, plan["id"], "BRK-0002-A", "10", "scan-3")
    await _record(gql, plan["id"], "6901234567915", "32.5", "scan-4")

    (variance,) = (await gql(VARIANCES, {"id": plan["id"]}))["countPlan"]["variances"]
    assert variance["quantity"] == "-5" and variance["value"] == "-140.00" and variance["status"] == "PENDING"
    assert (variance["snapshotQuantity"], variance["movesDuringCount"]) == ("50", "0")
    assert (variance["expectedQuantity"], variance["countedQuantity"]) == ("50", "45")
    me = variance["task"]["countedBy"]

    approve = """
    mutation($plan: ID!, $ids: [ID!]) {
      approveAdjustments(input: {planId: $plan, varianceIds: $ids}) {
        approved { status value approvedBy } alreadyApproved { id }
        moves { quantity value fromLocation { code } toLocation { code } } errors { code field }
      }
    }
    """
    early = (await gql(approve, {"plan": plan["id"], "ids": [variance["id"]]}))["approveAdjustments"]
    assert early["errors"] == [{"code": "INVALID_STATE", "field": ["varianceIds"]}]
    review = await gql(
        'mutation($id: ID!) { reviewVariance(input: {varianceId: $id, reason: THEFT_DAMAGE, note: "torn box"}) '
        "{ variance { status reason note } errors { code } } }",
        {"id": variance["id"]},
    )
    assert review["reviewVariance"]["variance"] == {"status": "REVIEWED", "reason": "THEFT_DAMAGE", "note": "torn box"}
    approved = (await gql(approve, {"plan": plan["id"], "ids": None}))["approveAdjustments"]
    assert approved["approved"] == [{"status": "APPROVED", "value": "-140.00", "approvedBy": me}]
    assert approved["moves"] == [
        {"quantity": "5", "value": "140.00", "fromLocation": {"code": "S-BJ01"}, "toLocation": {"code": "V-ADJUSTMENT"}}
    ]

    # Accuracy periods are cut in the business time zone, not the server's.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    month = today.replace(day=1).isoformat()
    report = await gql(
        """query($id: ID!, $start: Date!, $end: Date!) {
             countReport(planId: $id) { tasks counted accuracy recounts lossQuantity netValue approvedValue
               byReason { reason variances value } byCounter { counter counted accuracy } }
             inventoryAccuracy(start: $start, end: $end, period: MONTH) { periodStart counted withinTolerance accuracy }
           }""",
        {"id": plan["id"], "start": month, "end": today.isoformat()},
    )
    summary = report["countReport"]
    assert (summary["counted"], summary["accuracy"], summary["recounts"]) == (3, "0.6667", 1)
    assert summary["netValue"] == summary["approvedValue"] == "-140.00" and summary["lossQuantity"] == "5"
    assert summary["byReason"] == [{"reason": "THEFT_DAMAGE", "variances": 1, "value": "-140.00"}]
    assert summary["byCounter"] == [{"counter": me, "counted": 3, "accuracy": "0.6667"}]
    kpi = report["inventoryAccuracy"]
    assert kpi == [{"periodStart": month, "counted": 3, "withinTolerance": 2, "accuracy": "0.6667"}]

    closed = await gql(
        "mutation($id: ID!) { closeCountPlan(input: {planId: $id}) "
        "{ plan { status location { frozenBy } } errors { code } } }",
        {"id": plan["id"]},
    )
    assert closed["closeCountPlan"]["plan"] == {"status": "CLOSED", "location": {"frozenBy": None}}
    assert (await gql(MOVE, {"input": move}))["moveStock"]["errors"] == []
    node = await gql("query($id: ID!) { node(id: $id) { ... on CountPlan { code status } } }", {"id": plan["id"]})
    assert node["node"] == {"code": plan["code"], "status": "CLOSED"}
    listed = await gql("{ countPlans(status: CLOSED, first: 5) { edges { node { code kind } } } }")
    assert [e["node"] for e in listed["countPlans"]["edges"]] == [{"code": plan["code"], "kind": "FULL"}]


async def test_counter_facing_types_never_carry_book_quantities(gql) -> None:
    """Blind counting: what a scanner can ask for about its tasks holds no book figure."""
    for type_name in ("CountTask", "RecordCountPayload", "StartCountTaskPayload", "CountProgress"):
        fields = await gql("query($t: String!) { __type(name: $t) { fields { name } } }", {"t": type_name})
        names = {f["name"].lower() for f in fields["__type"]["fields"]}
        assert not {n for n in names if any(w in n for w in ("snapshot", "expected", "book", "variance", "onhand"))}


async def test_counting_errors_are_typed(gql) -> None:
    created = await gql(
        CREATE,
        {
            "input": {
                "kind": "SAMPLE",
                "locationCode": "WH",
                "sampleFraction": "1",
                "seed": 3,
                "recountPct": "0.1",
                "recountValue": "5000",
            }
        },
    )
    plan = created["createCountPlan"]["plan"]
    assert plan["progress"]["total"] == 1 and plan["location"]["frozenBy"] is None
    assert (await _record(gql, "bm90LWEtcGxhbg", "BRK-0001-A", "1", "e-1"))["errors"][0]["code"] == "NOT_FOUND"
    negative = await _record(gql, plan["id"], "BRK-0001-A", "-1", "e-2", "WH-A-01-01")
    assert negative["errors"][0]["code"] == "INVALID_QUANTITY"
    outside = await _record(gql, plan["id"], "BRK-0001-A", "1", "e-3", "S-BJ02")
    assert outside["errors"][0]["code"] == "INVALID_LOCATION" and outside["errors"][0]["field"] == ["locationCode"]
    assert outside["errors"][0]["message"] == f"S-BJ02 is not counted by {plan['code']}"
    unknown = await _record(gql, plan["id"], "0000000000000", "1", "e-4", "WH-A-01-01")
    assert unknown["errors"][0]["code"] == "UNKNOWN_PART"
    virtual = await gql(CREATE, {"input": {"kind": "FULL", "locationCode": "V-SCRAP"}})
    assert virtual["createCountPlan"]["errors"][0]["code"] == "INVALID_LOCATION"
    within = await _record(
        gql, plan["id"], "6901234567892", "190", "e-5", "WH-A-01-01"
    )  # 5 % and CNY 1800 short: within 10 % and 5000
    assert within["task"]["status"] == "COUNTED" and not within["recountRequired"]


def test_graphql_enums_mirror_the_domain() -> None:
    pairs: list[tuple[type[Enum], type[Enum]]] = [
        (types.CountKind, models.CountKind),
        (types.CountPlanStatus, models.PlanStatus),
        (types.CountTaskStatus, models.TaskStatus),
        (types.CountVarianceStatus, models.VarianceStatus),
        (types.VarianceReason, models.ReasonCode),
        (types.AccuracyPeriod, reports.Period),
    ]
    for api_enum, domain_enum in pairs:
        assert [e.value for e in api_enum] == [e.value for e in domain_enum], api_enum
