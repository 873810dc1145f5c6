"""Planning mutations: buyers review suggestions and pin levels."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.planning.types import (
    ApproveSuggestionsInput,
    ConvertSuggestionsInput,
    ConvertSuggestionsPayload,
    PinPlanningParametersInput,
    PinPlanningParametersPayload,
    PlanningParameters,
    RejectSuggestionsInput,
    ReplenishmentSuggestion,
    SuggestionsPayload,
)
from api.graphql.relay import pk_or_none
from domain.catalog import service as catalog
from domain.errors import DomainError, ErrorCode
from domain.org import service as org
from domain.planning import service
from domain.planning.conversion import convert_suggestions


def _ids(ids: list[strawberry.ID], field: str = "ids") -> list[int]:
    result = []
    for n, gid in enumerate(ids):
        pk = pk_or_none(gid, "ReplenishmentSuggestion")
        if pk is None:
            raise DomainError(ErrorCode.NOT_FOUND, "no such suggestion", [field, str(n)])
        result.append(pk)
    return result


@strawberry.type
class PlanningMutations:
    @strawberry.mutation(description="Approve open suggestions (optionally editing quantities); all or none.")
    async def approve_suggestions(
        self, info: Info[Context, None], input: ApproveSuggestionsInput
    ) -> SuggestionsPayload:
        try:
            ids = _ids(input.ids)
            quantities = None
            if input.quantities:
                keyed = _ids([q.id for q in input.quantities], "quantities")
                quantities = {k: q.quantity for k, q in zip(keyed, input.quantities, strict=True)}
            async with info.context.write() as session:
                rows = await service.decide_suggestions(
                    session, info.context.principal, ids, approve=True, quantities=quantities
                )
                result = [ReplenishmentSuggestion.from_model(r) for r in rows]
        except DomainError as error:
            return SuggestionsPayload(suggestions=[], errors=user_errors(error))
        return SuggestionsPayload(suggestions=result, errors=[])

    @strawberry.mutation(description="Reject open suggestions; all or none.")
    async def reject_suggestions(self, info: Info[Context, None], input: RejectSuggestionsInput) -> SuggestionsPayload:
        try:
            ids = _ids(input.ids)
            async with info.context.write() as session:
                rows = await service.decide_suggestions(session, info.context.principal, ids, approve=False)
                result = [ReplenishmentSuggestion.from_model(r) for r in rows]
        except DomainError as error:
            return SuggestionsPayload(suggestions=[], errors=user_errors(error))
        return SuggestionsPayload(suggestions=result, errors=[])

    @strawberry.mutation(description="Override planned stocking levels of a part at a site.")
    async def pin_planning_parameters(
        self, info: Info[Context, None], input: PinPlanningParametersInput
    ) -> PinPlanningParametersPayload:
        try:
            async with info.context.write() as session:
                part = await catalog.part_by_code(session, input.part_code)
                if part is None:
                    raise DomainError(ErrorCode.UNKNOWN_PART, "no such part", ["partCode"])
                location = await org.location_by_code(session, info.context.principal, input.location_code)
                if location is None or location.kind not in ("store", "warehouse"):
                    raise DomainError(ErrorCode.UNKNOWN_LOCATION, "no such store or warehouse", ["locationCode"])
                policy = await service.pin_policy(
                    session,
                    info.context.principal,
                    part.id,
                    location.id,
                    safety_stock=input.safety_stock,
                    reorder_point=input.reorder_point,
                    max_stock=input.max_stock,
                )
                _, history = await service.policy_with_history(session, part.id, location.id)
                result = PlanningParameters.build(policy, history)
        except DomainError as error:
            return PinPlanningParametersPayload(parameters=None, errors=user_errors(error))
        return PinPlanningParametersPayload(parameters=result, errors=[])

    @strawberry.mutation(description="Approved suggestions become purchase orders grouped by supplier and transfers.")
    async def convert_suggestions(
        self, info: Info[Context, None], input: ConvertSuggestionsInput
    ) -> ConvertSuggestionsPayload:
        try:
            ids = _ids(input.ids)
            async with info.context.write() as session:
                result = await convert_suggestions(session, info.context.principal, ids)
        except DomainError as error:
            return ConvertSuggestionsPayload(
                purchase_order_numbers=[], transfer_order_numbers=[], converted=0, errors=user_errors(error)
            )
        return ConvertSuggestionsPayload(
            purchase_order_numbers=result.purchase_orders,
            transfer_order_numbers=result.transfer_orders,
            converted=result.converted,
            errors=[],
        )
