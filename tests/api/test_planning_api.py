"""Buyers review the planning run's suggestions through GraphQL."""

from __future__ import annotations

from tests.domain.planning.test_run import _history, _run

LIST = """query($f: SuggestionFilter, $after: String) { replenishmentSuggestions(filter: $f, first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id priority stockoutProbability quantity status source part { code } location { code }
                 transferFrom { code } } } } }"""
APPROVE = """mutation($input: ApproveSuggestionsInput!) { approveSuggestions(input: $input) {
  suggestions { id status quantity decidedBy } errors { code message field } } }"""


async def test_review_flow(gql, sessions) -> None:
    await _history(sessions)
    await _run(sessions)
    first = (await gql(LIST, {"f": {"priorities": ["RED"]}}))["replenishmentSuggestions"]
    assert first["totalCount"] >= 1
    node = first["edges"][0]["node"]
    assert node["priority"] == "RED" and node["part"]["code"] == "BRK-0001-A" and node["location"]["code"] == "S-BJ01"
    # Warehouse has 200 pads beyond its own needs: the suggestion is a transfer, not a purchase.
    assert node["source"] == "TRANSFER" and node["transferFrom"]["code"] == "WH"
    approved = await gql(
        APPROVE, {"input": {"ids": [node["id"]], "quantities": [{"id": node["id"], "quantity": "12"}]}}
    )
    payload = approved["approveSuggestions"]
    assert payload["errors"] == [] and payload["suggestions"][0]["status"] == "APPROVED"
    assert payload["suggestions"][0]["quantity"] == "12"
    again = (await gql(APPROVE, {"input": {"ids": [node["id"]]}}))["approveSuggestions"]
    assert again["errors"][0]["code"] == "INVALID_STATE"
    bogus = (await gql(APPROVE, {"input": {"ids": ["bm9wZQ"]}}))["approveSuggestions"]
    assert bogus["errors"][0]["code"] == "NOT_FOUND"
    bad_qty = (await gql(LIST, {"f": {}}))["replenishmentSuggestions"]["edges"][0]["node"]["id"]
    negative = await gql(APPROVE, {"input": {"ids": [bad_qty], "quantities": [{"id": bad_qty, "quantity": "-1"}]}})
    assert negative["approveSuggestions"]["errors"][0]["code"] == "INVALID_QUANTITY"


async def test_forecast_and_parameters(gql, sessions) -> None:
    await _history(sessions)
    await _run(sessions)
    data = await gql(
        """{ demandForecast(partCode: "BRK-0001-A", locationCode: "S-BJ01") { dailyRate demandClass servedByWarehouse }
             planningParameters(partCode: "BRK-0001-A", locationCode: "S-BJ01") {
               reorderPoint source history { source changedBy } } }"""
    )
    assert data["demandForecast"]["demandClass"] == "smooth"
    assert data["planningParameters"]["source"] == "PLANNING".lower()
    assert data["planningParameters"]["history"][0]["changedBy"] == "system:test"


CONVERT = """mutation($input: ConvertSuggestionsInput!) { convertSuggestions(input: $input) {
  purchaseOrderNumbers transferOrderNumbers converted errors { code message } } }"""


async def test_approved_suggestions_become_orders(gql, sessions) -> None:
    await _history(sessions)
    await _run(sessions)
    edges = (await gql(LIST, {"f": {}}))["replenishmentSuggestions"]["edges"]
    ids = [e["node"]["id"] for e in edges]
    early = (await gql(CONVERT, {"input": {"ids": ids}}))["convertSuggestions"]
    assert early["errors"][0]["code"] == "INVALID_STATE"  # approve first
    await gql(APPROVE, {"input": {"ids": ids}})
    done = (await gql(CONVERT, {"input": {"ids": ids}}))["convertSuggestions"]
    assert done["errors"] == [] and done["converted"] == len(ids)
    assert len(done["purchaseOrderNumbers"]) + len(done["transferOrderNumbers"]) >= 1
    after = (await gql(LIST, {"f": {"status": "CONVERTED"}}))["replenishmentSuggestions"]
    assert after["totalCount"] == len(ids)


async def test_converted_suggestions_count_as_inbound_on_the_next_run(gql, sessions) -> None:
    await _history(sessions)
    first = await _run(sessions)
    edges = (await gql(LIST, {"f": {"priorities": ["RED"]}}))["replenishmentSuggestions"]["edges"]
    target = edges[0]["node"]
    await gql(APPROVE, {"input": {"ids": [target["id"]]}})
    assert (await gql(CONVERT, {"input": {"ids": [target["id"]]}}))["convertSuggestions"]["errors"] == []
    second = await _run(sessions)
    # The transfer now on its way covers the need: the next run does not ask for it again.
    again = (await gql(LIST, {"f": {"locationCode": target["location"]["code"]}}))["replenishmentSuggestions"]
    codes = [e["node"]["part"]["code"] for e in again["edges"]]
    assert target["part"]["code"] not in codes
    assert second.suggestions < first.suggestions
