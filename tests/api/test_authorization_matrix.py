"""Every root query and mutation × every kind of principal, generated from the served schema.

The schema is read by introspection; each root field must have an entry in
`api.graphql.authz.ROOT_FIELD_POLICIES` (so a new field without a policy fails here), and an
operation is generated for it with placeholder arguments. Each principal — one seeded user per
role, one OAuth client per scope, a supplier-bound client — runs every operation: where the policy
(checked against the permissions the server reports for that principal) says no, the answer must be
403 FORBIDDEN with no data; where it says yes, the operation must get past the gate (200)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)

from api.graphql.authz import AUTHENTICATED, ROOT_FIELD_POLICIES, policy_for, refusal
from domain.identity import service as identity
from domain.identity.policy import ALL_SCOPES, SUPPLIER_CLIENT_SCOPES, Permission
from domain.principal import Principal, PrincipalKind
from tests.seed import USERS

_SCALARS: dict[str, Any] = {
    "String": "NONE",
    "ID": "Tm9uZTow",  # a well-formed global id of nothing ("None:0")
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "1",
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T00:00:00+00:00",
    "JSON": {},
    "Upload": None,
}

# What the issue says each role may (True) or may not (False) do — written out by hand so the
# matrix is not only checked against the policy table it is derived from.
SPEC: dict[tuple[str, str], bool] = {
    ("staff.bj01", "Query.part"): True,
    ("staff.bj01", "Mutation.moveStock"): True,
    ("staff.bj01", "Mutation.recordCount"): True,
    ("staff.bj01", "Mutation.approveAdjustments"): False,
    ("staff.bj01", "Mutation.approveTransfer"): False,
    ("staff.bj01", "Query.users"): False,
    ("staff.bj01", "Query.auditLog"): False,
    ("manager.bj01", "Mutation.approveAdjustments"): True,
    ("manager.bj01", "Mutation.approveTransfer"): True,
    ("manager.bj01", "Mutation.rebalancePlan"): False,
    ("regional.north", "Mutation.rebalancePlan"): True,
    ("hq.ops", "Mutation.createPurchaseOrder"): True,
    ("hq.ops", "Query.users"): False,
    ("hq.ops", "Query.auditLog"): False,
    ("finance", "Query.parts"): True,
    ("finance", "Query.auditLog"): True,
    ("finance", "Query.purchaseOrders"): True,
    ("finance", "Mutation.moveStock"): False,
    ("finance", "Mutation.createUser"): False,
    ("admin", "Query.users"): True,
    ("admin", "Mutation.createClient"): True,
    ("admin", "Query.auditLog"): True,
    ("admin", "Mutation.moveStock"): False,
    ("admin", "Query.parts"): False,
    ("supplier.sup01", "Query.parts"): True,
    ("supplier.sup01", "Query.purchaseOrders"): True,
    ("supplier.sup01", "Mutation.createShipNotice"): True,
    ("supplier.sup01", "Mutation.moveStock"): False,
    ("supplier.sup01", "Query.replenishmentSuggestions"): False,
    ("supplier.sup01", "Query.users"): False,
    ("client:stock:read", "Query.parts"): True,
    ("client:stock:read", "Mutation.moveStock"): False,
    ("client:stock:write", "Mutation.moveStock"): True,
    ("client:admin", "Mutation.createUser"): True,
    ("client:admin", "Query.parts"): False,
    ("client:supplier", "Mutation.createPurchaseOrder"): False,
    ("client:supplier", "Query.replenishmentSuggestions"): False,
}


def _value(type_: GraphQLInputType) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _value(f.type)
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return _SCALARS[type_.name]


def operation(schema: GraphQLSchema, type_name: str, field_name: str) -> tuple[str, dict[str, Any]]:
    """A minimal operation on one root field: required arguments get placeholders, `first` is 1."""
    field = schema.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
    definitions, arguments, variables = [], [], {}
    for name, arg in field.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if not required and name != "first":
            continue
        definitions.append(f"${name}: {arg.type}")
        arguments.append(f"{name}: ${name}")
        variables[name] = 1 if name == "first" else _value(arg.type)
    named = get_named_type(field.type)
    selection = (
        " { __typename }" if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) else ""
    )
    keyword = "mutation" if type_name == "Mutation" else "query"
    head = f"({', '.join(definitions)})" if definitions else ""
    args = f"({', '.join(arguments)})" if arguments else ""
    return f"{keyword} Probe{head} {{ {field_name}{args}{selection} }}", variables


@pytest.fixture
async def principals(sessions, tokens) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Bearer tokens: a seeded user per role, a client per scope, and a supplier-bound client."""
    found = {username: await tokens.user(username) for username in USERS}
    system = Principal.system("test")
    async with sessions() as session, session.begin():
        clients = {}
        for scope in sorted(ALL_SCOPES):
            client, _ = await identity.create_client(
                session, system, identity.CreateClientCommand(name=scope, scopes=[scope])
            )
            clients[f"client:{scope}"] = (client.client_id, scope)
        supplier_scopes = " ".join(sorted(SUPPLIER_CLIENT_SCOPES))
        client, _ = await identity.create_client(
            session,
            system,
            identity.CreateClientCommand(name="supplier", scopes=[supplier_scopes], supplier_code="SUP-01"),
        )
        clients["client:supplier"] = (client.client_id, supplier_scopes)
    for name, (client_id, scope) in clients.items():
        found[name] = await tokens.client(client_id, scope)
    return found


async def _introspect(client: httpx.AsyncClient) -> GraphQLSchema:
    response = await client.post("/graphql", json={"query": get_introspection_query()})
    assert response.status_code == 200, response.text
    return build_client_schema(response.json()["data"])


def _root_fields(schema: GraphQLSchema) -> list[tuple[str, str]]:
    return [
        (type_.name, name)
        for type_ in (schema.query_type, schema.mutation_type)
        if type_ is not None
        for name in type_.fields
    ]


async def test_every_root_field_has_a_policy(client) -> None:
    schema = await _introspect(client)
    unmapped = [f"{t}.{f}" for t, f in _root_fields(schema) if f"{t}.{f}" not in ROOT_FIELD_POLICIES]
    assert not unmapped, f"add these root fields to api.graphql.authz.ROOT_FIELD_POLICIES: {unmapped}"
    stale = set(ROOT_FIELD_POLICIES) - {f"{t}.{f}" for t, f in _root_fields(schema)}
    assert not stale, f"policies for fields that no longer exist: {sorted(stale)}"
    subscriptions = schema.subscription_type.fields if schema.subscription_type else {}
    unmapped_subscriptions = [f for f in subscriptions if policy_for("Subscription", f) is None]
    assert not unmapped_subscriptions, f"add policies for subscriptions: {unmapped_subscriptions}"


def test_unmapped_fields_are_refused_at_run_time() -> None:
    hq = Principal(kind=PrincipalKind.SYSTEM, name="x")
    assert refusal(hq, "Query", "somethingNew") == ("`somethingNew` has no access policy", None)
    assert refusal(hq, "Query", "__typename") is None


async def test_matrix_of_root_fields_and_principals(client, principals) -> None:
    schema = await _introspect(client)
    fields = _root_fields(schema)
    permissions: dict[str, frozenset[str]] = {}
    for name, token in principals.items():
        me = await client.post(
            "/graphql", json={"query": "{ me { permissions } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        permissions[name] = frozenset(me.json()["data"]["me"]["permissions"])

    def expected(principal: str, key: str) -> bool:
        policy = ROOT_FIELD_POLICIES[key]
        return policy == AUTHENTICATED or Permission(policy).value in permissions[principal]

    for (principal, key), allowed in SPEC.items():
        assert expected(principal, key) is allowed, f"{principal} on {key}: the issue says {allowed}"

    semaphore = asyncio.Semaphore(8)

    async def probe(principal: str, type_name: str, field_name: str) -> str | None:
        query, variables = operation(schema, type_name, field_name)
        async with semaphore:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {principals[principal]}"},
            )
        key = f"{type_name}.{field_name}"
        body = response.json()
        if expected(principal, key):
            if response.status_code != 200:
                return f"{principal} should reach {key}: {response.status_code} {body}"
            return None
        forbidden = response.status_code == 403 and body.get("data") is None
        if not forbidden or body["errors"][0]["extensions"]["code"] != "FORBIDDEN":
            return f"{principal} should be refused {key}: {response.status_code} {body}"
        return None

    results = await asyncio.gather(*(probe(p, t, f) for p in principals for t, f in fields))
    problems = [r for r in results if r]
    assert not problems, "\n".join(problems)
    assert len(results) == len(principals) * len(fields) >= 14 * 60
