"""schema.graphql is the public contract: it must be exactly what the code serves."""

from pathlib import Path

from api.graphql.schema import export_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_schema(), "schema.graphql is stale: run `ims export-schema` and commit it"


def test_contract_names_exist() -> None:
    sdl = export_schema()
    for name in (
        "part(code: String!): Part",
        "parts(search: String = null, filter: PartFilter = null, first: Int = null, after: String = null)",
        "moveStock(input: MoveStockInput!): MoveStockPayload!",
        "node(id: ID!): Node",
        "location(code: String!): Location",
    ):
        assert name in sdl, name
