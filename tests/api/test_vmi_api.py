"""VMI over GraphQL: a buyer sets up agreements, supplier A proposes and gets its order, and supplier
B never sees any of A's agreements, stock, proposals, deliveries or scorecard — through every root
field, `node` and every mutation (B's own data is the positive control)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from api.graphql.relay import to_global_id
from domain.catalog.models import Part, Supplier, SupplierPart
from domain.identity import service as identity
from domain.principal import Principal, Role

AGREEMENT = """
mutation($input: CreateVmiAgreementInput!) {
  createVmiAgreement(input: $input) {
    agreement { id mode minQuantity maxQuantity consignment consignmentLocation { code } supplier { code } }
    errors { code message field }
  }
}"""
PROPOSAL_FIELDS = (
    "id number status origin approval lines { quantity withinBounds part { code } } "
    "purchaseOrder { number status source }"
)


@pytest.fixture
async def supplier_b(sessions) -> int:  # type: ignore[no-untyped-def]
    system = Principal.system("test")
    async with sessions() as session, session.begin():
        b = Supplier(code="SUP-02", name_zh="华东滤清器", name_en="East Filters", city="上海")
        session.add(b)
        await session.flush()
        flt = (await session.execute(select(Part).where(Part.code == "FLT-0001-C"))).scalar_one()
        session.add(SupplierPart(supplier_id=b.id, part_id=flt.id, unit_price=Decimal(25)))
        await identity.create_user(
            session,
            system,
            identity.CreateUserCommand(
                username="supplier.sup02", password="a long enough password", role=Role.SUPPLIER,
                supplier_code="SUP-02",
            ),
        )  # fmt: skip
    return b.id


async def _agreement(gql, **values: object) -> dict:  # type: ignore[no-untyped-def]
    base = {"supplierCode": "SUP-01", "partCode": "BRK-0001-A", "locationCode": "S-BJ01", "minQuantity": "20",
            "maxQuantity": "60"}  # fmt: skip
    data = await gql(AGREEMENT, {"input": {**base, **values}})
    return data["createVmiAgreement"]


async def test_buyer_supplier_flow_and_isolation(gql_as, supplier_b) -> None:  # type: ignore[no-untyped-def]
    hq = await gql_as("hq.ops")
    sup_a = await gql_as("supplier.sup01")
    sup_b = await gql_as("supplier.sup02")

    created = await _agreement(hq)
    assert created["errors"] == [] and created["agreement"]["supplier"]["code"] == "SUP-01"
    a_agreement = created["agreement"]["id"]
    consignment = await _agreement(
        hq, partCode="FLT-0001-C", consignment=True, consignmentUnitPrice="26.5", minQuantity="10", maxQuantity="90"
    )
    assert consignment["agreement"]["consignmentLocation"]["code"] == "S-BJ01-CSG-SUP-01"
    b_created = await _agreement(hq, supplierCode="SUP-02", partCode="FLT-0001-C", locationCode="S-BJ02")
    b_agreement = b_created["agreement"]["id"]
    invalid = await _agreement(hq, partCode="BCL-0001-B", minQuantity="70")
    assert invalid["agreement"] is None and {"field": ["minQuantity"], "code": "INVALID_QUANTITY"} in [
        {"field": e["field"], "code": e["code"]} for e in invalid["errors"]
    ]

    # Supplier A: its agreements and the shared stock of its parts.
    listed = await sup_a("{ vmiAgreements { edges { node { id part { code } sharedStock { onHand status } } } } }")
    assert {e["node"]["id"] for e in listed["vmiAgreements"]["edges"]} == {a_agreement, consignment["agreement"]["id"]}
    stock = await sup_a(
        "{ vmiSharedStock { totalCount edges { node { onHand position minQuantity maxQuantity suggestedQuantity "
        "status daysOfCover agreement { part { code } location { code } } } } } }"
    )
    rows = {e["node"]["agreement"]["part"]["code"]: e["node"] for e in stock["vmiSharedStock"]["edges"]}
    assert stock["vmiSharedStock"]["totalCount"] == 2
    assert rows["BRK-0001-A"]["status"] == "BELOW_MIN" and rows["BRK-0001-A"]["suggestedQuantity"] == "60"
    assert rows["FLT-0001-C"]["onHand"] == "50" and rows["FLT-0001-C"]["status"] == "OK"

    # A drafts, edits past the maximum, submits: a buyer must decide.
    drafted = await sup_a(
        f'mutation($a: ID!) {{ draftVmiProposal(input: {{agreementId: $a, idempotencyKey: "d-1"}}) '
        f"{{ created proposal {{ {PROPOSAL_FIELDS} }} errors {{ code }} }} }}",
        {"a": a_agreement},
    )
    proposal = drafted["draftVmiProposal"]["proposal"]
    assert drafted["draftVmiProposal"]["created"] and proposal["lines"][0]["quantity"] == "60"
    pid = proposal["id"]
    edited = await sup_a(
        'mutation($p: ID!, $a: ID!) { updateVmiProposal(input: {proposalId: $p, comment: "promo", '
        'lines: [{agreementId: $a, quantity: "70"}]}) { proposal { lines { quantity } } errors { code } } }',
        {"p": pid, "a": a_agreement},
    )
    assert edited["updateVmiProposal"]["proposal"]["lines"] == [{"quantity": "70"}]
    submit = (
        "mutation($p: ID!) { submitVmiProposal(input: {proposalId: $p}) { autoApproved replayed "
        f"proposal {{ {PROPOSAL_FIELDS} }} errors {{ code field }} }} }}"
    )
    submitted = (await sup_a(submit, {"p": pid}))["submitVmiProposal"]
    assert not submitted["autoApproved"] and submitted["proposal"]["status"] == "SUBMITTED"
    assert submitted["proposal"]["lines"][0]["withinBounds"] is False

    # Supplier B: nothing of A's exists.
    assert (await sup_b("query($id: ID!) { vmiProposal(id: $id) { id } }", {"id": pid}))["vmiProposal"] is None
    for gid in (pid, a_agreement):
        assert (await sup_b("query($id: ID!) { node(id: $id) { id } }", {"id": gid}))["node"] is None
    assert (await sup_b("{ vmiProposals { edges { node { id } } } }"))["vmiProposals"]["edges"] == []
    b_list = await sup_b("{ vmiAgreements { edges { node { id } } } vmiSharedStock { edges { node { onHand } } } }")
    assert [e["node"]["id"] for e in b_list["vmiAgreements"]["edges"]] == [b_agreement]
    assert len(b_list["vmiSharedStock"]["edges"]) == 1
    for mutation, variables in (
        ("submitVmiProposal(input: {proposalId: $id}) { errors { code } }", {"id": pid}),
        ("cancelVmiProposal(input: {proposalId: $id}) { errors { code } }", {"id": pid}),
        ('updateVmiProposal(input: {proposalId: $id, comment: "x"}) { errors { code } }', {"id": pid}),
        ("draftVmiProposal(input: {agreementId: $id}) { errors { code } }", {"id": a_agreement}),
    ):
        answer = await sup_b(f"mutation($id: ID!) {{ {mutation} }}", variables)
        (payload,) = answer.values()
        assert payload["errors"] == [{"code": "NOT_FOUND"}], mutation
    scorecard = (
        "query($s: String) { supplierScorecard(supplierCode: $s) { deliveries proposalsSubmitted "
        "proposalsBuyerApproved supplier { code } } }"
    )
    assert (await sup_b(scorecard, {"s": "SUP-01"}))["supplierScorecard"] is None
    assert (await sup_b(scorecard))["supplierScorecard"]["supplier"]["code"] == "SUP-02"
    # ...and may not decide or set up agreements at all.
    forbidden = await sup_a(
        "mutation($p: ID!) { decideVmiProposal(input: {proposalId: $p, approve: true}) { errors { code } } }",
        {"p": pid},
        expect_errors=True,
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN" and forbidden.get("data") is None

    # The buyer approves: the order is placed and sent.
    decided = await hq(
        f'mutation($p: ID!) {{ decideVmiProposal(input: {{proposalId: $p, approve: true, comment: "ok"}}) '
        f"{{ proposal {{ {PROPOSAL_FIELDS} decisionComment }} errors {{ code message }} }} }}",
        {"p": pid},
    )
    proposal = decided["decideVmiProposal"]["proposal"]
    assert decided["decideVmiProposal"]["errors"] == []
    assert proposal["status"] == "ORDERED" and proposal["approval"] == "BUYER"
    order = proposal["purchaseOrder"]
    assert order["status"] == "SENT" and order["source"] == "vmi"
    again = (await sup_a(submit, {"p": pid}))["submitVmiProposal"]
    assert again["replayed"] and again["proposal"]["purchaseOrder"]["number"] == order["number"]

    # A ships; the timeline is A's alone.
    shipped = await sup_a(
        "mutation($input: CreateShipNoticeInput!) { createShipNotice(input: $input) "
        "{ shipNotice { id } errors { code } } }",
        {
            "input": {
                "number": "DN-VMI-1",
                "carrier": "SF",
                "trackingNumber": "SF778",
                "expectedArrival": (date.today() + timedelta(days=1)).isoformat(),
                "lines": [{"purchaseOrderNumber": order["number"], "lineNo": 1, "quantity": "70"}],
            }
        },
    )
    notice_id = shipped["createShipNotice"]["shipNotice"]["id"]
    timeline = (
        "query($n: ID!) { deliveryTimeline(shipNoticeId: $n) { stage late carrier trackingNumber shippedQuantity "
        "events { stage source } shipNotice { number } } }"
    )
    seen = (await sup_a(timeline, {"n": notice_id}))["deliveryTimeline"]
    assert seen["stage"] == "SHIPPED" and not seen["late"] and seen["trackingNumber"] == "SF778"
    assert seen["shippedQuantity"] == "70" and seen["shipNotice"]["number"] == "DN-VMI-1"
    assert (await sup_b(timeline, {"n": notice_id}))["deliveryTimeline"] is None
    card = (await sup_a(scorecard))["supplierScorecard"]
    assert card["proposalsSubmitted"] == 1 and card["proposalsBuyerApproved"] == 1
    assert (await hq(scorecard, {"s": "SUP-01"}))["supplierScorecard"]["proposalsSubmitted"] == 1


async def test_within_bounds_orders_at_once_and_agreements_are_buyers(gql_as, supplier_b) -> None:  # type: ignore[no-untyped-def]
    hq = await gql_as("hq.ops")
    sup_a = await gql_as("supplier.sup01")
    manager = await gql_as("manager.bj01")
    denied = await sup_a(AGREEMENT, {"input": {"supplierCode": "SUP-01", "partCode": "BRK-0001-A",
                                               "locationCode": "S-BJ01"}}, expect_errors=True)  # fmt: skip
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    outside = await _agreement(manager, locationCode="S-BJ02")
    assert outside["errors"][0]["code"] == "UNKNOWN_LOCATION"
    created = await _agreement(manager)
    gid = created["agreement"]["id"]
    changed = await hq(
        'mutation($a: ID!) { updateVmiAgreement(input: {agreementId: $a, mode: DAYS_OF_COVER, minDaysOfCover: "7", '
        'maxDaysOfCover: "30"}) { agreement { mode minQuantity minDaysOfCover } errors { code field } } }',
        {"a": gid},
    )
    assert changed["updateVmiAgreement"]["agreement"] == {
        "mode": "DAYS_OF_COVER",
        "minQuantity": None,
        "minDaysOfCover": "7",
    }
    await hq(
        'mutation($a: ID!) { updateVmiAgreement(input: {agreementId: $a, mode: QUANTITY, minQuantity: "20", '
        'maxQuantity: "60"}) { errors { code } } }',
        {"a": gid},
    )
    drafted = await sup_a(
        "mutation($a: ID!) { draftVmiProposal(input: {agreementId: $a}) { proposal { id } } }", {"a": gid}
    )
    pid = drafted["draftVmiProposal"]["proposal"]["id"]
    submitted = await sup_a(
        "mutation($p: ID!) { submitVmiProposal(input: {proposalId: $p}) { autoApproved "
        "proposal { status approval purchaseOrder { status lines { quantity destination { code } } } } } }",
        {"p": pid},
    )
    result = submitted["submitVmiProposal"]
    assert result["autoApproved"] and result["proposal"]["status"] == "ORDERED"
    assert result["proposal"]["approval"] == "AUTOMATIC"
    assert result["proposal"]["purchaseOrder"]["lines"] == [{"quantity": "60", "destination": {"code": "S-BJ01"}}]
    gone = await sup_a("query($id: ID!) { vmiProposal(id: $id) { status } }", {"id": to_global_id("VmiProposal", 999)})
    assert gone["vmiProposal"] is None
