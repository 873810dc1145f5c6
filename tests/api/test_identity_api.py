"""Identity through GraphQL: administrators manage users and clients, everybody asks `me`, and every
mutation leaves an audit entry (actor, action, target, before/after, request id, IP) in its own
transaction."""

from __future__ import annotations

import base64

from sqlalchemy import select

from api.graphql.context import Context, OperationInfo
from domain.audit.models import AuditEntry
from domain.principal import Principal
from domain.settings import get_settings

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id username kind roles { role locationCode } } errors { code field } } }"""
CREATE_CLIENT = """mutation($input: CreateClientInput!) { createClient(input: $input) {
  client { id clientId scopes supplierCode grantTypes public active } clientSecret errors { code field } } }"""
AUDIT = """query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) { edges { node {
  actor actorKind action targetType targetId before after requestId ip } } } }"""


async def test_admin_manages_users_and_every_change_is_audited(gql_as, anon_client) -> None:
    admin = await gql_as("admin")
    admin.headers["X-Request-ID"] = "req-create-user"
    created = (
        await admin(
            CREATE_USER,
            {
                "input": {
                    "username": "wang.fang",
                    "password": "a good long password",
                    "role": "STORE_STAFF",
                    "locationCode": "S-BJ03",
                }
            },
        )
    )["createUser"]
    assert created["errors"] == [] and created["user"]["kind"] == "internal"
    assert created["user"]["roles"] == [{"role": "STORE_STAFF", "locationCode": "S-BJ03"}]
    duplicate = (
        await admin(
            CREATE_USER,
            {"input": {"username": "wang.fang", "password": "another password", "role": "ADMIN", "locationCode": "HQ"}},
        )
    )["createUser"]
    assert duplicate["errors"] == [{"code": "DUPLICATE", "field": ["username"]}]
    role = """mutation($i: RoleInput!) {
      assignRole(input: $i) { user { roles { role locationCode } } errors { code } } }"""
    assigned = await admin(role, {"i": {"username": "wang.fang", "role": "STORE_MANAGER", "locationCode": "S-BJ03"}})
    assert len(assigned["assignRole"]["user"]["roles"]) == 2
    deactivate = """mutation { setUserActive(input: {username: "wang.fang", active: false}) { user { active } } }"""
    assert (await admin(deactivate))["setUserActive"]["user"]["active"] is False

    users = (await admin("{ users(first: 50) { edges { node { username supplierCode active } } } }"))["users"]
    names = {e["node"]["username"]: e["node"] for e in users["edges"]}
    assert names["wang.fang"]["active"] is False and names["supplier.sup01"]["supplierCode"] == "SUP-01"

    log = (await admin(AUDIT, {"filter": {"targetType": "User"}}))["auditLog"]["edges"]
    actions = [e["node"]["action"] for e in log]
    assert actions == ["identity.set_user_active", "identity.assign_role", "identity.create_user"]
    first = log[-1]["node"]
    assert first["actor"] == "user:admin" and first["actorKind"] == "user" and first["requestId"] == "req-create-user"
    assert first["ip"] and first["after"]["roles"] == [{"role": "store_staff", "location": "S-BJ03"}]
    assert "a good long password" not in str(log)
    assert log[1]["node"]["before"] == {"roles": [{"role": "store_staff", "location": "S-BJ03"}]}


async def test_clients_secrets_are_shown_once(gql_as, anon_client) -> None:
    admin = await gql_as("admin")
    payload = (
        await admin(
            CREATE_CLIENT,
            {"input": {"name": "Supplier EDI", "scopes": ["stock:read", "asn:write"], "supplierCode": "SUP-01"}},
        )
    )["createClient"]
    assert payload["errors"] == [] and payload["clientSecret"]
    client = payload["client"]
    assert client["supplierCode"] == "SUP-01" and client["grantTypes"] == ["client_credentials"] and client["active"]
    refused = await admin(CREATE_CLIENT, {"input": {"name": "x", "scopes": ["admin"], "supplierCode": "SUP-01"}})
    assert refused["createClient"]["errors"][0] == {"code": "INVALID_INPUT", "field": ["scopes"]}

    listed = await admin("{ clients { edges { node { clientId } } } }")
    assert payload["clientSecret"] not in str(listed)
    log = (await admin(AUDIT, {"filter": {"action": "identity.create_client"}}))["auditLog"]["edges"]
    assert len(log) == 1 and payload["clientSecret"] not in str(log)

    credentials = base64.b64encode(f"{client['clientId']}:{payload['clientSecret']}".encode()).decode()
    token = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {credentials}"}
    )
    assert token.status_code == 200
    revoked = await admin(
        "mutation($c: String!) { revokeClient(input: {clientId: $c}) { client { active } errors { code } } }",
        {"c": client["clientId"]},
    )
    assert revoked["revokeClient"]["client"]["active"] is False
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await anon_client.post("/graphql", json={"query": "{ me { name } }"}, headers=bearer)).status_code == 401


async def test_me_node_and_who_may_read_the_audit_log(gql_as, gql) -> None:
    staff = await gql_as("staff.bj01", scopes=["stock:read"])
    me = (await staff("{ me { kind name roles scopes locationPaths permissions user { id username } } }"))["me"]
    assert me["kind"] == "USER" and me["roles"] == ["STORE_STAFF"] and me["scopes"] == ["stock:read"]
    assert me["locationPaths"] == ["HQ/R-N/S-BJ01"] and "stock.move" not in me["permissions"]
    own = await staff("query($id: ID!) { node(id: $id) { ... on User { username } } }", {"id": me["user"]["id"]})
    assert own["node"] == {"username": "staff.bj01"}
    admin = await gql_as("admin")
    admin_me = (await admin("{ me { user { id } } }"))["me"]["user"]["id"]
    assert (await staff("query($id: ID!) { node(id: $id) { id } }", {"id": admin_me}))["node"] is None
    assert (await admin("query($id: ID!) { node(id: $id) { id } }", {"id": me["user"]["id"]}))["node"] is not None

    await gql(
        """mutation { moveStock(input: {partCode: "BRK-0001-A", fromLocationCode: "S-BJ03",
           toLocationCode: "S-BJ01", quantity: "2"}) { errors { code } } }"""
    )
    finance = await gql_as("finance")
    entries = (await finance(AUDIT, {"filter": {"action": "stock.move"}}))["auditLog"]["edges"]
    assert len(entries) == 1
    move = entries[0]["node"]
    assert move["actor"] == "user:hq.ops" and move["targetType"] == "StockMove"
    assert move["after"]["quantity"] == "2" and move["after"]["from"] == "S-BJ03"
    denied = await gql(AUDIT, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_write_without_its_own_audit_entry_gets_a_generic_one(sessions) -> None:
    """Context.write() audits every transaction it commits, even when the mutation forgot to."""
    context = Context(
        request=None,  # type: ignore[arg-type]
        sessions=sessions,
        read_sessions=sessions,
        principal=Principal.system("tester"),
        settings=get_settings(),
        request_id="req-x",
    )
    context.operation = OperationInfo("mutation", ("somethingNew",), {"input": {"password": "p", "qty": 1}})
    async with context.write():
        pass
    async with sessions() as session:
        entry = (await session.execute(select(AuditEntry))).scalars().one()
    assert entry.action == "graphql.somethingNew" and entry.actor == "system:tester"
    assert entry.after == {"variables": {"input": {"password": "[redacted]", "qty": 1}}}
