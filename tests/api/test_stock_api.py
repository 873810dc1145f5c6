"""The GraphQL contract of the foundation: lookups, moves, typed errors, limits."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

LOOKUP = """
query Lookup($code: String!, $locs: [String!]) {
  part(code: $code) {
    id code nameZh nameEn uom
    stock(locationCodes: $locs) {
      location { code name kind site { code } }
      onHand reserved available
      lots { lotNo onHand receivedOn }
    }
  }
}
"""

MOVE = """
mutation Move($input: MoveStockInput!) {
  moveStock(input: $input) {
    replayed
    move { id quantity lotNo unitCost value fromLocation { code } toLocation { code } part { code } }
    errors { code message field }
  }
}
"""


async def test_cross_store_lookup(gql) -> None:
    data = await gql(LOOKUP, {"code": "BRK-0001-A"})
    levels = {s["location"]["code"]: s for s in data["part"]["stock"]}
    assert set(levels) == {"S-BJ02", "S-BJ03", "S-TJ01", "WH-A-01-01"}
    assert levels["S-BJ03"]["onHand"] == "30" and levels["S-BJ03"]["available"] == "30"
    assert levels["WH-A-01-01"]["location"]["site"]["code"] == "WH"
    only = await gql(LOOKUP, {"code": "brk-0001-a", "locs": ["S-BJ02"]})
    assert [s["location"]["code"] for s in only["part"]["stock"]] == ["S-BJ02"]


async def test_lookup_statement_count_is_bounded(gql, app) -> None:
    """However many locations hold the part, the lookup costs the same few statements."""
    statements: list[str] = []
    engine = app.state.engine.sync_engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        await gql(LOOKUP, {"code": "BRK-0001-A"})
        few = len(statements)
        statements.clear()
        # More stocked locations must not add statements.
        for loc in ("S-BJ01", "S-SH01", "WH-B-01-01"):
            await gql(
                MOVE,
                {
                    "input": {
                        "partCode": "BRK-0001-A",
                        "fromLocationCode": "V-ADJUSTMENT",
                        "toLocationCode": loc,
                        "quantity": "1",
                        "unitCost": "180",
                    }
                },
            )
        statements.clear()
        data = await gql(LOOKUP, {"code": "BRK-0001-A"})
        assert len(data["part"]["stock"]) == 7
        assert len(statements) == few <= 4
    finally:
        event.remove(engine, "before_cursor_execute", listener)


async def test_move_stock_and_replay(gql) -> None:
    variables = {
        "input": {
            "partCode": "BRK-0001-A",
            "fromLocationCode": "S-BJ03",
            "toLocationCode": "S-BJ01",
            "quantity": "5",
            "idempotencyKey": "k-1",
            "reason": "customer waiting",
        }
    }
    first = (await gql(MOVE, variables))["moveStock"]
    assert first["errors"] == [] and not first["replayed"]
    assert first["move"]["fromLocation"]["code"] == "S-BJ03" and first["move"]["quantity"] == "5"
    again = (await gql(MOVE, variables))["moveStock"]
    assert again["replayed"] and again["move"]["id"] == first["move"]["id"]
    levels = {s["location"]["code"]: s["onHand"] for s in (await gql(LOOKUP, {"code": "BRK-0001-A"}))["part"]["stock"]}
    assert levels["S-BJ01"] == "5" and levels["S-BJ03"] == "25"


@pytest.mark.parametrize(
    ("patch", "code", "field"),
    [
        ({"quantity": "0"}, "INVALID_QUANTITY", ["quantity"]),
        ({"quantity": "-3"}, "INVALID_QUANTITY", ["quantity"]),
        ({"quantity": "NaN"}, "INVALID_QUANTITY", ["quantity"]),
        ({"quantity": "1e30"}, "INVALID_QUANTITY", ["quantity"]),
        ({"quantity": "1.0000001"}, "INVALID_QUANTITY", ["quantity"]),
        ({"quantity": "31"}, "INSUFFICIENT_STOCK", ["quantity"]),
        ({"partCode": "XXX-9999-Z"}, "UNKNOWN_PART", ["partCode"]),
        ({"fromLocationCode": "S-NOPE"}, "UNKNOWN_LOCATION", ["fromLocationCode"]),
        ({"toLocationCode": "V-SUPPLIER", "fromLocationCode": "V-WORKSHOP"}, "INVALID_LOCATION", ["lines", "0"]),
        ({"partCode": "x" * 500}, "INVALID_INPUT", ["partCode"]),
    ],
)
async def test_bad_input_gets_typed_errors(gql, patch, code, field) -> None:
    base = {"partCode": "BRK-0001-A", "fromLocationCode": "S-BJ03", "toLocationCode": "S-BJ01", "quantity": "1"}
    payload = (await gql(MOVE, {"input": {**base, **patch}}))["moveStock"]
    assert payload["move"] is None
    assert payload["errors"][0]["code"] == code
    assert payload["errors"][0]["field"] == field


async def test_unparseable_quantity_is_a_graphql_error_not_a_500(client) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": MOVE,
            "variables": {
                "input": {
                    "partCode": "BRK-0001-A",
                    "fromLocationCode": "S-BJ03",
                    "toLocationCode": "S-BJ01",
                    "quantity": "abc",
                }
            },
        },
    )
    assert response.status_code == 200
    assert "errors" in response.json()


async def test_concurrent_api_moves_never_oversell(gql) -> None:
    variables = {
        "input": {
            "partCode": "BRK-0001-A",
            "fromLocationCode": "S-BJ02",
            "toLocationCode": "V-WORKSHOP",
            "quantity": "1",
        }
    }
    results = await asyncio.gather(*(gql(MOVE, variables) for _ in range(40)))
    codes = [r["moveStock"]["errors"][0]["code"] if r["moveStock"]["errors"] else "ok" for r in results]
    assert codes.count("ok") == 15 and codes.count("INSUFFICIENT_STOCK") == 25


async def test_search_by_synonym_alias_barcode_and_paging(gql) -> None:
    query = """query($s: String, $after: String) { parts(search: $s, first: 1, after: $after) {
        totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }"""
    by_synonym = (await gql(query, {"s": "制动片"}))["parts"]
    assert by_synonym["totalCount"] == 2  # 刹车片 and 制动片 are the same thing
    second = (await gql(query, {"s": "制动片", "after": by_synonym["pageInfo"]["endCursor"]}))["parts"]
    assert [e["node"]["code"] for e in by_synonym["edges"] + second["edges"]] == ["BRK-0001-A", "BRK-0002-A"]
    assert not second["pageInfo"]["hasNextPage"]
    assert (await gql(query, {"s": "brake pad"}))["parts"]["totalCount"] == 2
    assert (await gql(query, {"s": "EV coolant"}))["parts"]["edges"][0]["node"]["code"] == "BCL-0001-B"
    assert (await gql(query, {"s": "6901234567922"}))["parts"]["edges"][0]["node"]["code"] == "FLT-0001-C"
    assert (await gql(query, {"s": "100%_"}))["parts"]["totalCount"] == 0


async def test_node_round_trip_and_malformed_ids(gql) -> None:
    part_id = (await gql(LOOKUP, {"code": "BRK-0001-A"}))["part"]["id"]
    node = await gql("query($id: ID!) { node(id: $id) { id ... on Part { code } } }", {"id": part_id})
    assert node["node"]["code"] == "BRK-0001-A"
    for bad in ("", "not-base64!!", "UGFydDp4", "VW5rbm93bjox", "x" * 1000):
        assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad}))["node"] is None


async def test_limits(gql, client) -> None:
    abuse = await gql("{ parts(first: 99999999) { edges { node { code } } } }", expect_errors=True)
    assert "cost" in abuse["errors"][0]["message"] and abuse["data"] is None
    too_big = await gql("{ parts(first: 201) { edges { node { code } } } }", expect_errors=True)
    assert "between 1 and 200" in too_big["errors"][0]["message"]
    deep = '{ part(code: "BRK-0001-A") { ' + "substitutes { " * 15 + "code" + " }" * 15 + " } }"
    assert "exceeds maximum operation depth" in (await gql(deep, expect_errors=True))["errors"][0]["message"]
    aliases = "{ " + " ".join(f'a{n}: part(code: "BRK-0001-A") {{ code }}' for n in range(40)) + " }"
    assert "aliases" in (await gql(aliases, expect_errors=True))["errors"][0]["message"].lower()
    costly = "{ parts(first: 200) { edges { node { substitutes { substitutes { stock { lots { lotNo } } } } } } } }"
    assert "cost" in (await gql(costly, expect_errors=True))["errors"][0]["message"]
    huge = await client.post(
        "/graphql", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413
    bad_json = await client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    get_mutation = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert get_mutation.status_code in (400, 405)


async def test_health_and_readiness(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "x-request-id" in ready.headers
    assert "ims_http_requests_total" in (await client.get("/metrics")).text
