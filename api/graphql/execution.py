"""A leaner graphql-core executor for answers made of many plain attributes.

A stock lookup answers 80-250 fields, most of them read straight off dataclasses (`onHand`,
`location.code`, `lots.lotNo`). graphql-core resolves each field the general way: a path object,
a resolve-info object, the resolver call, a chain of `complete_value` checks, and per object the
sub-field collection. For a field that strawberry itself treats as *basic* (no resolver, no
arguments, no field extensions, read with the default `getattr`) this executor reads the attribute
directly: scalars and enums are coerced as graphql-core would, and objects (or lists of objects)
whose whole sub-selection is made of such fields are completed in one recursive pass.

Anything else takes the general path, field by field: a resolver, arguments, middleware, an
abstract type, `@defer`. And so does any field whose direct reading meets a surprise — a null for
a non-null field, a value a scalar cannot coerce, a failed `is_type_of`, an exception: the field
is then resolved again by graphql-core (plain attribute reads have no side effects), so error
messages, paths and null propagation are exactly graphql-core's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_LEAF, _OBJECT, _LIST = 0, 1, 2


class _Fallback(Exception):
    """The direct reading met something the general path must handle (and report)."""


class _Field:
    """How a field of the schema reads directly, found once per field definition (not per request)."""

    __slots__ = ("attribute", "item_non_null", "kind", "leaf", "non_null", "object_type")

    def __init__(
        self,
        attribute: str,
        kind: int,
        non_null: bool,
        item_non_null: bool,
        leaf: Any,
        object_type: GraphQLObjectType | None,
    ) -> None:
        self.attribute = attribute
        self.kind = kind  # _LEAF, _OBJECT or _LIST (of leaves or objects)
        self.non_null = non_null
        self.item_non_null = item_non_null  # lists only
        self.leaf = leaf  # the scalar or enum type (leaves and lists of leaves)
        self.object_type = object_type  # objects and lists of objects


class _Direct:
    """One selected field read directly: its response name, the field, and for an object (or a
    list of objects) the plan of the object's own selection, which is wholly direct."""

    __slots__ = ("field", "plan", "response_name")

    def __init__(self, response_name: str, field: _Field, plan: tuple[_Direct, ...] | None) -> None:
        self.response_name = response_name
        self.field = field
        self.plan = plan


# By field definition identity; the definition is kept alive with its entry (schemas live as long
# as the process; tests build a few).
_FIELDS: dict[int, tuple[GraphQLField, _Field | None]] = {}


def _plain_attribute(field_def: GraphQLField) -> str | None:
    """The Python attribute behind a basic strawberry field, or None when it needs resolving."""
    if field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or not definition.is_basic_field or definition.default_resolver is not getattr:
        return None
    return str(definition.python_name)


def _unwrap(graphql_type: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(graphql_type, GraphQLNonNull):
        return True, graphql_type.of_type
    return False, graphql_type


def _describe(field_def: GraphQLField) -> _Field | None:
    attribute = _plain_attribute(field_def)
    if attribute is None:
        return None
    non_null, inner = _unwrap(field_def.type)
    if is_leaf_type(inner):
        return _Field(attribute, _LEAF, non_null, False, inner, None)
    kind, item_non_null = _OBJECT, False
    if isinstance(inner, GraphQLList):
        kind = _LIST
        item_non_null, inner = _unwrap(inner.of_type)
        if is_leaf_type(inner):
            return _Field(attribute, _LIST, non_null, item_non_null, inner, None)
    if not isinstance(inner, GraphQLObjectType):
        return None  # interfaces, unions, nested lists: the general path
    return _Field(attribute, kind, non_null, item_non_null, None, inner)


def _field(field_def: GraphQLField) -> _Field | None:
    found = _FIELDS.get(id(field_def))
    if found is None:
        found = _FIELDS[id(field_def)] = (field_def, _describe(field_def))
    return found[1]


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with a direct path for plain attributes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of the grouped field set, which graphql-core memoises per selection
        # and parent type, so the items of a list share one plan; the set is kept alive with it.
        self._plans: dict[tuple[int, str], tuple[GroupedFieldSet, tuple[_Direct | None, ...] | None]] = {}
        middleware = self.middleware_manager
        self._lean = not (middleware is not None and middleware.middlewares)

    # ----------------------------------------------------------------- planning (once per selection)

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[_Direct | None, ...] | None:
        """Per selected field, how to read it directly (None: the general path); None when no field is direct."""
        key = (id(grouped_field_set), parent_type.name)
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        entries = tuple(self._direct(parent_type, name, details) for name, details in grouped_field_set.items())
        plan = entries if any(entry is not None for entry in entries) else None
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _direct(self, parent_type: GraphQLObjectType, response_name: str, details: FieldDetailsList) -> _Direct | None:
        node = details[0].node
        if node.arguments:
            return None
        field_def = self.schema.get_field(parent_type, node.name.value)
        field = None if field_def is None else _field(field_def)
        if field is None:
            return None
        if field.object_type is None:
            return _Direct(response_name, field, None)
        grouped, defer_usages, *_ = self.collect_subfields(field.object_type, details)
        if defer_usages:
            return None
        sub_plan = self._plan(field.object_type, grouped)
        if sub_plan is None or any(entry is None for entry in sub_plan):
            return None  # only wholly direct objects are read directly
        return _Direct(response_name, field, sub_plan)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- direct reading

    def _read_object(self, object_type: GraphQLObjectType, plan: tuple[_Direct, ...], source: Any) -> dict[str, Any]:
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            try:
                matches = is_type_of(source, None)
            except Exception as error:
                raise _Fallback from error
            if matches is not True:
                raise _Fallback
        return {entry.response_name: self._read(entry, source) for entry in plan}

    def _read_item(self, entry: _Direct, item: Any) -> Any:
        field = entry.field
        if item is None:
            if field.item_non_null:
                raise _Fallback
            return None
        if entry.plan is None:
            coerced = field.leaf.coerce_output_value(item)
            if coerced is None or coerced is Undefined:
                raise _Fallback
            return coerced
        return self._read_object(field.object_type, entry.plan, item)  # type: ignore[arg-type]

    def _read(self, entry: _Direct, source: Any) -> Any:
        field = entry.field
        value = getattr(source, field.attribute)
        if value is None:
            if field.non_null:
                raise _Fallback
            return None
        if field.kind == _LIST:
            if not isinstance(value, list | tuple):
                raise _Fallback
            return [self._read_item(entry, item) for item in value]
        if field.kind == _OBJECT:
            return self._read_object(field.object_type, entry.plan, value)  # type: ignore[arg-type]
        coerced = field.leaf.coerce_output_value(value)
        if coerced is None or coerced is Undefined:
            raise _Fallback
        return coerced

    def _read_items(
        self, item_non_null: bool, item_type: GraphQLObjectType, plan: tuple[_Direct, ...], items: Sequence[Any]
    ) -> list[Any]:
        values: list[Any] = []
        for item in items:
            if item is None:
                if item_non_null:
                    raise _Fallback
                values.append(None)
            else:
                values.append(self._read_object(item_type, plan, item))
        return values

    # ----------------------------------------------------------------- execution

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A resolver's list of objects (`Part.stock`) whose selection is wholly direct is read in one
        pass, not item by item through `complete_value`."""
        if self._lean and type(result) in (list, tuple) and not any(d.node.directives for d in field_details_list):
            item_non_null, item_type = _unwrap(return_type.of_type)
            if isinstance(item_type, GraphQLObjectType):
                grouped, defer_usages, *_ = self.collect_subfields(item_type, field_details_list)
                plan = None if defer_usages else self._plan(item_type, grouped)
                if plan is not None and all(entry is not None for entry in plan):
                    try:
                        return self._read_items(item_non_null, item_type, plan, result)  # type: ignore[arg-type]
                    except Exception:
                        pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set) if self._lean else None
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for (response_name, details), entry in zip(grouped_field_set.items(), plan, strict=True):
                if entry is not None:
                    try:
                        results[response_name] = self._read(entry, source_value)
                        continue
                    except Exception:
                        pass
                result = self.execute_field(
                    parent_type, source_value, details, Path(path, response_name, parent_type.name), position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
