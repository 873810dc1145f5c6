"""A static cost limit: every selected field costs 1, multiplied by the size of the lists around
it — `first` for connections, a default for plain lists — so a query that would fan out to
millions of rows is refused before it touches the database."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)

# Assumed length of a plain list field, and of a connection whose `first` is a variable.
LIST_SIZE = 10
VARIABLE_PAGE = 20


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments: dict[str, FragmentDefinitionNode] = {}

        def enter_document(self, node: Any, *_: Any) -> None:
            self.fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            root = {
                OperationType.QUERY: schema.query_type,
                OperationType.MUTATION: schema.mutation_type,
                OperationType.SUBSCRIPTION: schema.subscription_type,
            }[node.operation]
            cost = self._cost(node.selection_set, root, 1, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(f"query cost {cost} exceeds the limit of {max_cost}; ask for fewer items", node)
                )

        def _multiplier(self, field: FieldNode, return_type: Any) -> int:
            for arg in field.arguments or ():
                if arg.name.value in ("first", "last"):
                    if isinstance(arg.value, IntValueNode):
                        return max(1, int(arg.value.value))
                    if isinstance(arg.value, VariableNode):
                        return VARIABLE_PAGE
            unwrapped = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
            return LIST_SIZE if isinstance(unwrapped, GraphQLList) else 1

        def _cost(
            self,
            selections: SelectionSetNode | None,
            parent: GraphQLNamedType | None,
            factor: int,
            seen: frozenset[str],
        ) -> int:
            if selections is None:
                return 0
            total = 0
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    child_type: GraphQLNamedType | None = None
                    multiplier = 1
                    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                        definition = parent.fields.get(selection.name.value)
                        if definition is not None:
                            child_type = get_named_type(definition.type)
                            multiplier = self._multiplier(selection, definition.type)
                    total += factor + self._cost(selection.selection_set, child_type, factor * multiplier, seen)
                elif isinstance(selection, InlineFragmentNode):
                    condition = (
                        self.context.schema.get_type(selection.type_condition.name.value)
                        if selection.type_condition
                        else parent
                    )
                    total += self._cost(selection.selection_set, condition, factor, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is not None and name not in seen:
                        condition = self.context.schema.get_type(fragment.type_condition.name.value)
                        total += self._cost(fragment.selection_set, condition, factor, seen | {name})
                if total > max_cost * 10:
                    break
            return total

    return CostLimit
