"""The lean executor (api/graphql/execution.py) answers exactly what graphql-core answers — data,
errors, error paths, null propagation — while reading plain attributes directly."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.execution import LeanExecutionContext


@strawberry.enum
class Kind(enum.Enum):
    STORE = "store"
    BIN = "bin"


@strawberry.type
class Lot:
    lot_no: str
    on_hand: Decimal
    note: str | None = None


@strawberry.type
class Site:
    code: str
    kind: Kind
    lots: list[Lot]
    tags: list[str]
    rank: int | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.code.upper()

    @strawberry.field
    def greet(self, name: str) -> str:
        return f"{name}@{self.code}"


@strawberry.type
class Level:
    site: Site
    sites: list[Site]
    on_hand: Decimal
    label: str
    maybe: Site | None = None

    @strawberry.field
    async def later(self) -> int:
        return 7


@dataclass
class Data:
    levels: list[Any] = field(default_factory=list)


DATA = Data()


@strawberry.type
class Query:
    @strawberry.field
    async def levels(self) -> list[Level]:
        return DATA.levels

    @strawberry.field
    def level(self) -> Level | None:
        return DATA.levels[0] if DATA.levels else None


class Broken:
    """Something that is not a Site, where a Site is expected."""

    code = "X"


def site(code: str | None, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "code": code,
        "kind": Kind.STORE,
        "lots": [Lot(lot_no="L1", on_hand=Decimal("1.50")), Lot(lot_no="", on_hand=Decimal(2), note="n")],
        "tags": ["a", "b"],
    }
    values.update(overrides)
    return Site(**values)


def level(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "site": site("S1"),
        "sites": [site("S2"), site("S3", rank=3)],
        "on_hand": Decimal("3.5"),
        "label": "ok",
    }
    values.update(overrides)
    return Level(**values)


lean = strawberry.Schema(query=Query, execution_context_class=LeanExecutionContext)
plain = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)

FULL = """query ($skip: Boolean!) {
  levels {
    onHand label later alias: label
    site { __typename code kind rank tags shout greet(name: "n") lots { lotNo onHand note } }
    sites { code kind @skip(if: $skip) lots { ...L } }
    maybe { code }
  }
}
fragment L on Lot { lotNo onHand note }"""

CASES: dict[str, list[Any]] = {
    "plain data": [level(), level(maybe=site("M"))],
    "empty": [],
    "null in a non-null leaf": [level(label=None)],
    "null in a non-null nested leaf": [level(site=site(None))],
    "null item in a non-null list": [level(sites=[site("S2"), None])],
    "value a scalar cannot coerce": [level(site=site("S1", rank="not a number"))],
    "enum value out of range": [level(site=site("S1", kind="nope"))],
    "wrong object where a type is expected": [level(site=Broken())],
    "not a list where a list is expected": [level(sites=site("S2"))],
    "list of leaves holding null": [level(site=site("S1", tags=["a", None]))],
    "null item in the resolver's list": [level(), None],
    "a non-object item in the resolver's list": [level(), Broken()],
}


def _formatted(result: Any) -> dict[str, Any]:
    errors = sorted((e.formatted for e in result.errors or []), key=lambda e: (str(e.get("path")), e["message"]))
    return {"data": result.data, "errors": errors}


# Only plain attributes below the root resolver: the whole list is read directly.
PLAIN = """query ($skip: Boolean!) {
  levels { onHand label site { code kind tags lots { lotNo onHand note } } sites { code kind @skip(if: $skip) } }
}"""


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("query", [FULL, PLAIN], ids=["with resolvers", "plain"])
async def test_lean_answers_exactly_like_graphql_core(case: str, skip: bool, query: str) -> None:
    DATA.levels = CASES[case]
    expected = await plain.execute(query, variable_values={"skip": skip})
    got = await lean.execute(query, variable_values={"skip": skip})
    assert _formatted(got) == _formatted(expected)
    if case != "plain data" or query is PLAIN:
        return
    assert got.errors is None and got.data is not None
    first = got.data["levels"][0]
    assert first["site"]["lots"][0] == {"lotNo": "L1", "onHand": "1.50", "note": None}
    assert first["site"]["kind"] == "STORE" and first["site"]["greet"] == "n@S1"


async def test_plain_fields_skip_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of it: scalar attributes and all-plain objects are not resolved field by field."""
    DATA.levels = [level() for _ in range(5)]
    calls = {"lean": 0, "plain": 0}

    def counting(kind: str, original: Any) -> Any:
        def execute_field(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls[kind] += 1
            return original(self, *args, **kwargs)

        return execute_field

    monkeypatch.setattr(
        LeanExecutionContext, "execute_field", counting("lean", StrawberryGraphQLCoreExecutionContext.execute_field)
    )
    query = "{ levels { onHand label site { code kind lots { lotNo onHand } } sites { code tags } } }"
    got = await lean.execute(query)
    monkeypatch.undo()
    monkeypatch.setattr(
        StrawberryGraphQLCoreExecutionContext,
        "execute_field",
        counting("plain", StrawberryGraphQLCoreExecutionContext.execute_field),
    )
    expected = await plain.execute(query)
    assert got.data == expected.data and got.errors is None
    # Only the root field is resolved the general way; 5 levels × 15 fields are read directly.
    assert calls["lean"] == 1 and calls["plain"] == 1 + 5 * 15
