"""Analytics mutations: export a report (a signed link) and classify parts ABC."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.exports import make_link
from api.graphql.analytics.types import (
    ClassCount,
    ClassifyPartsInput,
    ClassifyPartsPayload,
    ExportReportInput,
    ExportReportPayload,
    ReportParams,
)
from api.graphql.context import Context
from api.graphql.errors import user_errors
from domain.analytics.abc_xyz import Cutoffs
from domain.analytics.policy import ensure_reader, visible_sites
from domain.analytics.reports.classification import classify_parts
from domain.errors import DomainError


@strawberry.type
class AnalyticsMutations:
    @strawberry.mutation(description="A short-lived download link of a whole report as Excel or CSV.")
    async def export_report(self, info: Info[Context, None], input: ExportReportInput) -> ExportReportPayload:
        principal = info.context.principal
        try:
            ensure_reader(principal)
            params = (input.params or ReportParams()).to_domain()
            async with info.context.read() as session:
                await visible_sites(session, principal, params.location_code)  # refuse a bad scope now
            link = await make_link(
                info.context.settings, info.context.sessions, principal, input.name.value, input.format.value, params
            )
        except DomainError as error:
            return ExportReportPayload(url=None, filename=None, expires_at=None, errors=user_errors(error))
        base = str(info.context.request.base_url).rstrip("/")
        return ExportReportPayload(url=base + link.path, filename=link.filename, expires_at=link.expires_at, errors=[])

    @strawberry.mutation(description="Classify every part ABC from company-wide consumption (manual classes kept).")
    async def classify_parts(self, info: Info[Context, None], input: ClassifyPartsInput) -> ClassifyPartsPayload:
        try:
            cutoffs = Cutoffs(input.a_share, input.b_share, input.x_cv, input.y_cv)
            async with info.context.write() as session:
                result = await classify_parts(session, info.context.principal, cutoffs, input.months)
        except DomainError as error:
            return ClassifyPartsPayload(changed=0, manual_kept=0, counts=[], errors=user_errors(error))
        return ClassifyPartsPayload(
            changed=result.changed,
            manual_kept=result.manual_kept,
            counts=[ClassCount(abc_class=k, parts=v) for k, v in sorted(result.counts.items())],
            errors=[],
        )
