"""Analytics queries: the dashboard and reports."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.analytics.types import Dashboard, Report, ReportName, ReportParams
from api.graphql.context import Context
from api.graphql.errors import PublicError
from domain.analytics import kpis
from domain.analytics.reports import run_report
from domain.errors import DomainError

REPORT_PAGE_CAP = 1000


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(description="Headline KPIs of your sites with their trend against the previous period.")
    async def dashboard(
        self, info: Info[Context, None], location_code: str | None = None, period_days: int = 30
    ) -> Dashboard:
        try:
            async with info.context.read() as session:
                found = await kpis.dashboard(
                    session, info.context.principal, location_code=location_code, period_days=period_days
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return Dashboard.of(found)

    @strawberry.field(description="A report over your sites; `exportReport` gives the whole table as Excel or CSV.")
    async def report(
        self,
        info: Info[Context, None],
        name: ReportName,
        params: ReportParams | None = None,
        first: int = 200,
        offset: int = 0,
    ) -> Report:
        if not 1 <= first <= REPORT_PAGE_CAP or offset < 0:
            raise PublicError(f"`first` must be between 1 and {REPORT_PAGE_CAP} and `offset` not negative")
        try:
            domain_params = (params or ReportParams()).to_domain()
            async with info.context.read() as session:
                table = await run_report(session, info.context.principal, name.value, domain_params)
        except DomainError as error:
            raise PublicError(error.message) from None
        return Report.of(table, offset, first)
