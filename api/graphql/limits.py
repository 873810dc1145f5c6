"""A static cost limit: every selected field costs 1, multiplied by the page size (`first`) of the
connections and lists around it, so a query that would fan out to millions of rows is refused
before it touches the database."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

DEFAULT_LIST_SIZE = 20


def cost_limit_rule(max_cost: int, variables_hint: int = DEFAULT_LIST_SIZE) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments: dict[str, FragmentDefinitionNode] = {}

        def enter_document(self, node: Any, *_: Any) -> None:
            self.fragments = {
                d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = self._selection_cost(node.selection_set, 1, set())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(f"query cost {cost} exceeds the limit of {max_cost}; ask for fewer items", node)
                )

        def _multiplier(self, field: FieldNode) -> int:
            for arg in field.arguments or ():
                if arg.name.value in ("first", "last", "limit"):
                    if isinstance(arg.value, IntValueNode):
                        return max(1, int(arg.value.value))
                    if isinstance(arg.value, VariableNode):
                        return variables_hint
            return 1

        def _selection_cost(self, selection_set: SelectionSetNode | None, factor: int, seen: set[str]) -> int:
            if selection_set is None:
                return 0
            total = 0
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    mult = self._multiplier(selection)
                    total += factor + self._selection_cost(selection.selection_set, factor * mult, seen)
                elif isinstance(selection, InlineFragmentNode):
                    total += self._selection_cost(selection.selection_set, factor, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is not None and name not in seen:
                        total += self._selection_cost(fragment.selection_set, factor, seen | {name})
                if total > max_cost * 10:
                    break
            return total

    return CostLimit
