"""Statements over HTTP: GraphQL (finance manages, the supplier answers, nobody sees another
supplier's statement) and the downloads — `GET /statements/{id}.pdf|.xlsx` with a bearer token
(other suppliers' ids are 404) or with the short-lived signed link GraphQL hands out."""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from api.graphql.relay import to_global_id
from api.statements import download_url
from domain.identity import service as identity
from domain.principal import Principal, Role
from domain.vmi.statements import service
from domain.vmi.statements.render import StatementFormat
from tests.domain.vmi.statements.helpers import FINANCE, business_month, past_month, second_supplier, this_month

LIST = "{ statements(first: 20) { totalCount edges { node { id number status supplier { code } } } } }"
ONE = """query($id: ID!) { statement(id: $id) { number status closingAmount lineCount
  comments { authorSide action body }
  lines(first: 2) { edges { node { lineNo section partNameZh stockMoveId postingId amount } } pageInfo { hasNextPage } }
} }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Statement { number } } }"
URL = "query($id: ID!, $f: StatementFileFormat!) { statement(id: $id) { downloadUrl(format: $f) } }"
CONFIRM = """mutation($id: ID!) { confirmStatement(input: {statementId: $id, comment: "确认 OK"}) {
  statement { status confirmedAt } errors { code message } } }"""
DISPUTE = """mutation($id: ID!) { disputeStatement(input: {statementId: $id, comment: "不对"}) {
  statement { status } errors { code } } }"""
COMMENT = """mutation($id: ID!) {
  commentStatement(input: {statementId: $id, comment: "请看附件", idempotencyKey: "k1"}) {
    comment { authorSide body } errors { code } } }"""
GENERATE = """mutation($m: Date!) { generateStatement(input: {supplierCode: "SUP-01", month: $m}) {
  statement { id number status receiptsAmount lineCount } errors { code message field } } }"""


@pytest.fixture
async def world(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """SUP-01: an issued statement two months back and this month's draft with real lines;
    SUP-02 (with its own portal user): an issued statement."""
    await business_month(sessions)
    await second_supplier(sessions)
    system = Principal.system("test")
    start, end = past_month(2)
    c_start, c_end = this_month()
    async with sessions() as s, s.begin():
        await identity.create_user(
            s,
            system,
            identity.CreateUserCommand(
                username="supplier.sup02", password="a long enough password", role=Role.SUPPLIER, supplier_code="SUP-02"
            ),
        )
        a = await service.generate_statement(s, FINANCE, "SUP-01", start, end)
        await service.add_statement_credit(s, FINANCE, a.id, Decimal("20.00"), "rebate")
        await service.issue_statement(s, FINANCE, a.id)
        b = await service.generate_statement(s, FINANCE, "SUP-02", start, end)
        await service.add_statement_credit(s, FINANCE, b.id, Decimal("9.00"), "secret rebate of B")
        await service.issue_statement(s, FINANCE, b.id)
        draft = await service.generate_statement(s, FINANCE, "SUP-01", c_start, c_end)
    return {"a": a.id, "b": b.id, "draft": draft.id}


def gid(pk: int) -> str:
    return to_global_id("Statement", pk)


async def test_graphql_isolation_and_the_supplier_answer(world, gql_as) -> None:  # type: ignore[no-untyped-def]
    finance, sup01, sup02 = await gql_as("finance"), await gql_as("supplier.sup01"), await gql_as("supplier.sup02")
    everything = (await finance(LIST))["statements"]
    assert everything["totalCount"] == 3
    mine = (await sup01(LIST))["statements"]
    assert [e["node"]["supplier"]["code"] for e in mine["edges"]] == ["SUP-01"] and mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["status"] == "ISSUED"  # the draft is finance's
    theirs = (await sup02(LIST))["statements"]
    assert [e["node"]["id"] for e in theirs["edges"]] == [gid(world["b"])]

    for query in (ONE, NODE):
        assert next(iter((await sup02(query, {"id": gid(world["a"])})).values())) is None
        assert next(iter((await sup01(query, {"id": gid(world["draft"])})).values())) is None
    refused = (await sup02(CONFIRM, {"id": gid(world["a"])}))["confirmStatement"]
    assert refused == {"statement": None, "errors": [{"code": "NOT_FOUND", "message": "no statement with this id"}]}
    body = await sup01(GENERATE, {"m": this_month()[0].isoformat()}, expect_errors=True)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    done = (await sup01(CONFIRM, {"id": gid(world["a"])}))["confirmStatement"]
    assert done["errors"] == [] and done["statement"]["status"] == "CONFIRMED"
    late = (await sup01(DISPUTE, {"id": gid(world["a"])}))["disputeStatement"]
    assert late["errors"] == [{"code": "INVALID_STATE"}]
    for _ in range(2):  # a retried comment (same key) is stored once
        said = (await sup01(COMMENT, {"id": gid(world["a"])}))["commentStatement"]
        assert said["errors"] == [] and said["comment"] == {"authorSide": "supplier", "body": "请看附件"}
    seen = (await finance(ONE, {"id": gid(world["a"])}))["statement"]
    assert seen["status"] == "CONFIRMED" and seen["closingAmount"] == "-20.00"
    assert [(c["authorSide"], c["action"]) for c in seen["comments"]] == [("supplier", "confirm"), ("supplier", None)]


async def test_finance_generates_and_pages_the_lines(world, gql_as) -> None:  # type: ignore[no-untyped-def]
    finance = await gql_as("finance")
    made = (await finance(GENERATE, {"m": this_month()[0].isoformat()}))["generateStatement"]
    assert made["errors"] == [] and made["statement"]["id"] == gid(world["draft"])
    assert made["statement"]["status"] == "DRAFT" and made["statement"]["receiptsAmount"] == "2010.00"
    one = (await finance(ONE, {"id": gid(world["draft"])}))["statement"]
    first, _ = (e["node"] for e in one["lines"]["edges"])
    assert one["lines"]["pageInfo"]["hasNextPage"] and one["lineCount"] == 6
    assert (first["lineNo"], first["section"], first["partNameZh"]) == (1, "RECEIPT", "前刹车片")
    assert first["stockMoveId"] and first["postingId"] and first["amount"] == "1500.00"


async def test_rest_download_with_a_bearer_token(world, app, anon_client, tokens) -> None:  # type: ignore[no-untyped-def]
    async def get(path: str, user: str | None) -> tuple[int, bytes, dict]:
        headers = {"Authorization": f"Bearer {await tokens.user(user)}"} if user else {}
        response = await anon_client.get(path, headers=headers)
        return response.status_code, response.content, dict(response.headers)

    status, body, headers = await get(f"/statements/{world['draft']}.pdf", "finance")
    assert status == 200 and body.startswith(b"%PDF") and headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == f'attachment; filename="ST-SUP01-{this_month()[0]:%Y-%m}.pdf"'
    assert "no-store" in headers["cache-control"]
    status, body, headers = await get(f"/statements/{gid(world['a'])}.xlsx", "supplier.sup01")
    assert status == 200 and body[:2] == b"PK" and "spreadsheetml" in headers["content-type"]
    assert (await get(f"/statements/{world['a']}.pdf", "supplier.sup02"))[0] == 404  # another supplier's
    assert (await get(f"/statements/{world['draft']}.pdf", "supplier.sup01"))[0] == 404  # a draft
    assert (await get("/statements/999999.pdf", "finance"))[0] == 404
    assert (await get(f"/statements/{world['a']}.docx", "finance"))[0] == 404
    assert (await get(f"/statements/{world['a']}.pdf", "staff.bj01"))[0] == 403  # no statements.read
    status, _, headers = await get(f"/statements/{world['a']}.pdf", None)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")


async def test_signed_link_works_alone_and_only_as_signed(world, app, anon_client, gql_as) -> None:  # type: ignore[no-untyped-def]
    finance = await gql_as("finance")
    url = (await finance(URL, {"id": gid(world["draft"]), "f": "PDF"}))["statement"]["downloadUrl"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == f"/statements/{world['draft']}.pdf" and set(query) == {"exp", "sig"}
    assert 0 < int(query["exp"]) - time.time() <= 300

    ok = await anon_client.get(url)
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF")
    tampered = [
        f"/statements/{world['draft']}.pdf?exp={query['exp']}&sig={'0' * 64}",
        f"/statements/{world['a']}.pdf?exp={query['exp']}&sig={query['sig']}",  # another statement
        f"/statements/{world['draft']}.xlsx?exp={query['exp']}&sig={query['sig']}",  # another format
        f"/statements/{world['draft']}.pdf?exp={int(query['exp']) + 60}&sig={query['sig']}",  # a longer life
        f"/statements/{world['draft']}.pdf?exp={query['exp']}",
    ]
    for bad in tampered:
        assert (await anon_client.get(bad)).status_code == 403, bad
    stale = await download_url(
        app.state.settings, app.state.sessions, world["draft"], StatementFormat.PDF, now=time.time() - 301
    )
    assert (await anon_client.get(stale)).status_code == 403

    sup01 = await gql_as("supplier.sup01")
    own = (await sup01(URL, {"id": gid(world["a"]), "f": "XLSX"}))["statement"]["downloadUrl"]
    assert (await anon_client.get(own)).content[:2] == b"PK"
    assert (await sup01(URL, {"id": gid(world["b"]), "f": "PDF"}))["statement"] is None
