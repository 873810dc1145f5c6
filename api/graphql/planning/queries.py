"""Planning queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.planning.types import (
    AccuracyGroup,
    DemandForecast,
    ForecastAccuracy,
    PlanningParameters,
    ReplenishmentSuggestion,
    SuggestionFilter,
)
from api.graphql.relay import Connection, connection, decode_cursor, page_size
from domain.catalog import service as catalog
from domain.errors import DomainError
from domain.org import service as org
from domain.planning import service
from domain.planning.accuracy import MAPE_UNDEFINED, accuracy_report


async def _part_and_site(info: Info[Context, None], session, part_code: str, location_code: str):  # type: ignore[no-untyped-def]
    part = await catalog.part_by_code(session, part_code)
    location = await org.location_by_code(session, info.context.principal, location_code)
    return part, location


@strawberry.type
class PlanningQueries:
    @strawberry.field(description="Replenishment suggestions, most urgent first.")
    async def replenishment_suggestions(
        self,
        info: Info[Context, None],
        filter: SuggestionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReplenishmentSuggestion]:
        size = page_size(first, info.context.settings.max_page_size)
        flt = filter or SuggestionFilter()
        try:
            after_key = service.parse_suggestion_cursor(decode_cursor(after)) if after else None
            async with info.context.read() as session:
                rows, has_next, total = await service.list_suggestions(
                    session,
                    info.context.principal,
                    service.SuggestionFilter(
                        priorities=[p.value for p in flt.priorities] if flt.priorities else None,
                        supplier_code=flt.supplier_code,
                        location_code=flt.location_code,
                        status=flt.status.value if flt.status else None,
                        source=flt.source.value if flt.source else None,
                    ),
                    first=size,
                    after=after_key,
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection(
            [ReplenishmentSuggestion.from_model(r) for r in rows],
            [service.suggestion_cursor(r) for r in rows],
            has_next,
            after,
            total,
        )

    @strawberry.field(description="The latest demand forecast of a part at a site.")
    async def demand_forecast(
        self, info: Info[Context, None], part_code: str, location_code: str
    ) -> DemandForecast | None:
        async with info.context.read() as session:
            part, location = await _part_and_site(info, session, part_code, location_code)
            if part is None or location is None:
                return None
            found = await service.forecast_for(session, part.id, location.id)
        return DemandForecast.from_model(found) if found else None

    @strawberry.field(description="Stocking levels of a part at a site, with their change history.")
    async def planning_parameters(
        self, info: Info[Context, None], part_code: str, location_code: str
    ) -> PlanningParameters | None:
        async with info.context.read() as session:
            part, location = await _part_and_site(info, session, part_code, location_code)
            if part is None or location is None:
                return None
            policy, history = await service.policy_with_history(session, part.id, location.id)
        return PlanningParameters.build(policy, history) if policy else None

    @strawberry.field(description="Forecast vs actual over the last months: MASE, RMSSE, bias; MAPE where defined.")
    async def forecast_accuracy(
        self, info: Info[Context, None], group_by: AccuracyGroup = AccuracyGroup.CLASS, months: int = 6
    ) -> list[ForecastAccuracy]:
        try:
            async with info.context.read() as session:
                rows = await accuracy_report(session, info.context.principal, group_by=group_by.value, months=months)
        except DomainError as error:
            raise PublicError(error.message) from None
        return [
            ForecastAccuracy(
                key=r.key,
                series=r.series,
                scored_series=r.scored,
                mase=r.mase,
                rmsse=r.rmsse,
                bias=r.bias,
                scaled_bias=r.scaled_bias,
                mape=r.mape,
                mape_defined=r.mape_defined,
                mape_note=None if r.mape_defined else MAPE_UNDEFINED,
                worsening_series=r.worsening,
            )
            for r in rows[:500]
        ]
