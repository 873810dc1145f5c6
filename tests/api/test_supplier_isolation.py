"""Supplier A (SUP-01) — its user and its OAuth client — against every object of supplier B
(SUP-02) through every path: root lookups, search, filters, `node`, edges from A's own parts, stock,
mutations, and the domain services directly. Zero successes: B's objects are "not found" and none
of B's identifiers appears in any answer. B's own user is the positive control."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from api.graphql.relay import to_global_id
from domain.catalog import service as catalog
from domain.catalog.models import Part, PartSubstitute, Supplier, SupplierPart
from domain.identity import service as identity
from domain.identity.policy import SUPPLIER_CLIENT_SCOPES
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind, Role
from domain.stock import ledger
from domain.stock.service import stock_levels_for_parts

B_CODES = ("SPB-0001-A", "SUP-02", "Secret Pump B", "秘密水泵")


@pytest.fixture
async def supplier_b(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """SUP-02 with a part of its own (stocked, aliased, a substitute of and the successor of A's part),
    a part it shares with A as backup supplier, and one A supplies through a supplier-part row."""
    system = Principal.system("test")
    async with sessions() as session, session.begin():
        a = (await session.execute(select(Supplier).where(Supplier.code == "SUP-01"))).scalar_one()
        b = Supplier(code="SUP-02", name_zh="秘密供应商", name_en="Secret Supplier B", city="上海")
        session.add(b)
        await session.flush()
        common = {"category": "PMP", "uom": "PCS", "purchase_price": Decimal(10), "sale_price": Decimal(20)}
        secret = Part(
            code="SPB-0001-A", barcode="6909999999999", name_zh="秘密水泵", name_en="Secret Pump B",
            primary_supplier_id=b.id, **common,
        )  # fmt: skip
        shared = Part(
            code="SHR-0001-A", name_zh="共用件", name_en="Shared Part", primary_supplier_id=b.id,
            backup_supplier_id=a.id, **common,
        )  # fmt: skip
        listed = Part(code="LST-0001-A", name_zh="目录件", name_en="Listed Part", primary_supplier_id=b.id, **common)
        session.add_all([secret, shared, listed])
        await session.flush()
        session.add(SupplierPart(supplier_id=a.id, part_id=listed.id))
        a_part = (await session.execute(select(Part).where(Part.code == "BRK-0001-A"))).scalar_one()
        session.add(PartSubstitute(part_id=a_part.id, substitute_id=secret.id))
        session.add(PartSubstitute(part_id=secret.id, substitute_id=a_part.id))
        await session.execute(update(Part).where(Part.id == a_part.id).values(superseded_by_id=secret.id))
        adjustment = (await session.execute(select(Location.id).where(Location.code == "V-ADJUSTMENT"))).scalar_one()
        store = (await session.execute(select(Location.id).where(Location.code == "S-BJ01"))).scalar_one()
        await ledger.post(
            session,
            system,
            ledger.Posting(
                doc_type="opening_balance",
                lines=[ledger.MoveLine(secret.id, adjustment, store, Decimal(7), unit_cost=Decimal(10))],
            ),
        )
        await identity.create_user(
            session,
            system,
            identity.CreateUserCommand(
                username="supplier.sup02", password="a long enough password", role=Role.SUPPLIER,
                supplier_code="SUP-02",
            ),
        )  # fmt: skip
        client, _ = await identity.create_client(
            session,
            system,
            identity.CreateClientCommand(
                name="A's system", scopes=[" ".join(SUPPLIER_CLIENT_SCOPES)], supplier_code="SUP-01"
            ),
        )
    return {"part": secret.id, "supplier": b.id, "shared": shared.id, "listed": listed.id, "a_client": client.client_id}


def _queries(ids: dict[str, int]) -> list[tuple[str, dict]]:
    part_id = to_global_id("Part", ids["part"])
    supplier_id = to_global_id("Supplier", ids["supplier"])
    return [
        ('{ part(code: "SPB-0001-A") { code } }', {}),
        ('{ partByBarcode(barcode: "6909999999999") { code } }', {}),
        ('{ parts(search: "Secret") { totalCount edges { node { code } } } }', {}),
        ('{ parts(search: "水泵") { totalCount edges { node { code } } } }', {}),
        ('{ parts(filter: {supplierCode: "SUP-02"}, first: 50) { totalCount edges { node { code } } } }', {}),
        ("{ parts(first: 50) { totalCount edges { node { code primarySupplier { code nameEn } } } } }", {}),
        ("query($id: ID!) { node(id: $id) { id ... on Part { code } } }", {"id": part_id}),
        ("query($id: ID!) { node(id: $id) { id ... on Supplier { code nameEn } } }", {"id": supplier_id}),
        (
            """{ part(code: "BRK-0001-A") { code substitutes { code } supersededBy { code }
                 supersessionChain { code } primarySupplier { code } backupSupplier { code } } }""",
            {},
        ),
        (
            """{ part(code: "SHR-0001-A") { code primarySupplier { code nameEn } backupSupplier { code }
                 stock { onHand } } }""",
            {},
        ),
        ('{ part(code: "LST-0001-A") { code primarySupplier { code } } }', {}),
        ("{ locations(first: 50) { edges { node { code } } } }", {}),
        ("{ me { kind supplierCode permissions } }", {}),
    ]


MUTATIONS = [
    """mutation { moveStock(input: {partCode: "SPB-0001-A", fromLocationCode: "S-BJ01",
       toLocationCode: "S-BJ02", quantity: "1"}) { move { id } errors { code message } } }""",
    """mutation { createClient(input: {name: "x", scopes: ["stock:read"], supplierCode: "SUP-02"}) {
       client { clientId } errors { code } } }""",
    """mutation { createUser(input: {username: "spy", password: "a long password!", role: SUPPLIER,
       supplierCode: "SUP-02"}) { user { username } errors { code } } }""",
]


async def _as(client, token: str, query: str, variables: dict | None = None):  # type: ignore[no-untyped-def]
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_supplier_a_sees_nothing_of_supplier_b(anon_client, supplier_b, tokens) -> None:
    principals = {
        "A's user": await tokens.user("supplier.sup01"),
        "A's client": await tokens.client(supplier_b["a_client"], " ".join(sorted(SUPPLIER_CLIENT_SCOPES))),
    }
    for who, token in principals.items():
        answers = []
        for query, variables in _queries(supplier_b):
            response = await _as(anon_client, token, query, variables)
            assert response.status_code == 200, (who, query, response.text)
            answers.append(response.json())
        for mutation in MUTATIONS:
            response = await _as(anon_client, token, mutation)
            assert response.status_code == 403, (who, mutation, response.text)
            answers.append(response.json())
        text = str(answers)
        leaked = [code for code in B_CODES if code in text]
        assert not leaked, f"{who} saw {leaked}: {text}"

        part, by_barcode, search, search_zh, by_supplier, everything, node_part, node_supplier = (
            a["data"] for a in answers[:8]
        )
        assert part["part"] is None and by_barcode["partByBarcode"] is None
        assert search["parts"]["totalCount"] == search_zh["parts"]["totalCount"] == 0
        assert by_supplier["parts"]["totalCount"] == 0
        visible = {e["node"]["code"] for e in everything["parts"]["edges"]}
        # A's four seeded parts, the part it backs up and the one it lists: nothing of B's alone.
        assert visible == {"BRK-0001-A", "BRK-0002-A", "BCL-0001-B", "FLT-0001-C", "SHR-0001-A", "LST-0001-A"}
        assert node_part["node"] is None and node_supplier["node"] is None
        edges = answers[8]["data"]["part"]
        assert [s["code"] for s in edges["substitutes"]] == ["BRK-0002-A"]
        assert edges["supersededBy"] is None and edges["supersessionChain"] == []
        assert edges["primarySupplier"] == {"code": "SUP-01"}
        shared = answers[9]["data"]["part"]
        assert shared["primarySupplier"] is None and shared["backupSupplier"] == {"code": "SUP-01"}
        assert answers[10]["data"]["part"]["code"] == "LST-0001-A"
        assert answers[12]["data"]["me"]["supplierCode"] == "SUP-01"


async def test_supplier_b_sees_its_own(anon_client, supplier_b, tokens) -> None:
    token = await tokens.user("supplier.sup02")
    data = (await _as(anon_client, token, '{ part(code: "SPB-0001-A") { code stock { onHand } } }')).json()["data"]
    assert data["part"] == {"code": "SPB-0001-A", "stock": [{"onHand": "7"}]}
    node = await _as(
        anon_client,
        token,
        "query($id: ID!) { node(id: $id) { ... on Supplier { code } } }",
        {"id": to_global_id("Supplier", supplier_b["supplier"])},
    )
    assert node.json()["data"]["node"] == {"code": "SUP-02"}
    a_part = await _as(anon_client, token, '{ part(code: "BRK-0001-A") { code } }')
    assert a_part.json()["data"]["part"] is None


async def test_domain_services_filter_the_same_way(sessions, supplier_b) -> None:
    async with sessions() as session:
        a_id = (await session.execute(select(Supplier.id).where(Supplier.code == "SUP-01"))).scalar_one()
    a = Principal(
        kind=PrincipalKind.SUPPLIER_USER,
        name="supplier.sup01",
        roles=frozenset({Role.SUPPLIER}),
        supplier_id=a_id,
        scopes=frozenset({"stock:read", "vmi"}),
    )
    async with sessions() as session:
        assert await catalog.part_by_code(session, "SPB-0001-A", a) is None
        assert await catalog.parts_by_ids(session, [supplier_b["part"]], a) == {}
        assert await catalog.suppliers_by_ids(session, [supplier_b["supplier"]], a) == {}
        assert await stock_levels_for_parts(session, a, [supplier_b["part"]]) == {}
        page = await catalog.search_parts(session, search="pump", flt=catalog.PartFilter(), first=50, after_code=None,
                                          principal=a)  # fmt: skip
        assert page.total == 0
        # A trusted internal caller (no principal) still sees everything.
        assert await catalog.part_by_code(session, "SPB-0001-A") is not None
