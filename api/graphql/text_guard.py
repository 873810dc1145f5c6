"""Text that PostgreSQL cannot store is refused before anything executes: the NUL character
(U+0000, valid in JSON and in GraphQL string escapes, refused by PostgreSQL's text types) and lone
surrogates (JSON allows "\\ud800"; UTF-8 cannot encode it). Without this guard such a string
reaches the database driver and comes back as a masked "Unexpected error." instead of a clear
client error; found by the schemathesis run (tests/e2e/test_schemathesis.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

MESSAGE = "text must not contain the NUL character (U+0000) or unpaired surrogates"


def storable(value: str) -> bool:
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_variable(variables: dict[str, Any]) -> str | None:
    """The path of the first unstorable string; iterative, since JSON can nest deeply."""
    stack: list[tuple[Any, str]] = [(variables, "variables")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if not storable(value):
                return path
        elif isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]") for n, item in enumerate(value))
    return None


class _StringValues(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.values.append(node.value)


def _literals(document: Any) -> Iterator[str]:
    collector = _StringValues()
    visit(document, collector)
    return iter(collector.values)


class UnstorableTextGuard(SchemaExtension):
    """Answers 400 with a BAD_USER_INPUT error when a variable or a string literal holds such text.
    Literals are only walked when the query text contains an escape or a NUL (cheap on the hot path)."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.result is None:
            where = _bad_variable(execution.variables or {})
            query = execution.query or ""
            if where is None and ("\\u" in query or "\x00" in query) and execution.graphql_document is not None:
                if not all(storable(v) for v in _literals(execution.graphql_document)):
                    where = "query"
            if where is not None:
                error = GraphQLError(f"{MESSAGE} (in {where})", extensions={"code": "BAD_USER_INPUT"})
                execution.result = ExecutionResult(data=None, errors=[error])
                response = getattr(execution.context, "response", None)
                if response is not None:
                    response.status_code = 400
        yield
