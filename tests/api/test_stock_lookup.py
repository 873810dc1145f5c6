"""The cross-store lookup `part(code) { stock }` is read in one statement (domain/stock/lookup.py)
and answers exactly what the general path (part, then the StockByPartIdLoader) answers, for every
kind of principal."""

from __future__ import annotations

import pytest
from sqlalchemy import event

FIELDS = """code nameZh nameEn uom uomPrecision averageCost purchasePrice active
  stock { location { code name kind site { code } } onHand reserved available
          lots { lotNo onHand reserved available receivedOn expiryDate } }"""
# The one-statement path: `stock` right in the part's selection.
DIRECT = f"query($code: String!) {{ part(code: $code) {{ {FIELDS} }} }}"
# The general path: the same selection behind a fragment, which the lookahead does not search.
GENERAL = f"query($code: String!) {{ part(code: $code) {{ ...F }} }} fragment F on Part {{ {FIELDS} }}"
MOVE = """mutation($i: MoveStockInput!) { moveStock(input: $i) { errors { code } } }"""
CODES = ["BRK-0001-A", "BRK-0002-A", "BCL-0001-B", "FLT-0001-C", "NOPE-0000-X"]


@pytest.fixture
def statements(app):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    engine = app.state.engine.sync_engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    yield seen
    event.remove(engine, "before_cursor_execute", listener)


async def test_lookup_reads_part_and_stock_in_one_statement(gql, statements) -> None:
    # A lot at a second location, so lots and several levels are part of the answer.
    moved = await gql(
        MOVE,
        {
            "i": {
                "partCode": "BCL-0001-B",
                "fromLocationCode": "V-ADJUSTMENT",
                "toLocationCode": "S-BJ01",
                "quantity": "2.5",
                "lotNo": "LOT-7",
                "unitCost": "40",
            }
        },
    )
    assert moved["moveStock"]["errors"] == []
    statements.clear()
    direct = await gql(DIRECT, {"code": "BCL-0001-B"})
    direct_count = len(statements)
    statements.clear()
    general = await gql(GENERAL, {"code": "BCL-0001-B"})
    lots = [lot["lotNo"] for level in direct["part"]["stock"] for lot in level["lots"]]
    assert direct == general and "LOT-7" in lots
    # The principal, then part and stock together; the general path reads the stock separately.
    assert direct_count == 2 and len(statements) == 3


@pytest.mark.parametrize(
    ("username", "scopes"),
    [
        ("hq.ops", None),
        ("staff.bj01", None),  # sees only its store's stock
        ("regional.north", None),
        ("supplier.sup01", None),  # sees only its own parts
        ("hq.ops", ["purchasing:read"]),  # the catalog without stock
    ],
)
async def test_one_statement_answers_like_the_general_path(gql_as, username, scopes) -> None:
    gql = await gql_as(username, scopes=scopes)
    answers = []
    for code in CODES:
        direct = await gql(DIRECT, {"code": code})
        assert direct == await gql(GENERAL, {"code": code})
        answers.append(direct["part"])
    assert answers[-1] is None  # an unknown code
    if scopes:
        assert all(part["stock"] == [] for part in answers[:-1])
    if username == "staff.bj01":
        assert {level["location"]["code"] for part in answers[:-1] for level in part["stock"]} <= {"S-BJ01"}
