"""Master-data queries: templates and exports as downloadable files, cleanup reports."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.masterdata.types import (
    XLSX,
    CompletenessReport,
    DuplicateCandidate,
    ErpDeadLetter,
    ExportKind,
    FileDownload,
    FileFormat,
    ImportKind,
    PartCompletenessItem,
    ZombiePart,
)
from domain.errors import DomainError
from domain.masterdata import cleanup
from domain.masterdata.export import export_table
from domain.masterdata.kinds import spec_for
from domain.masterdata.lists import reference_lists
from integrations.erp.dispatcher import ERP_ENDPOINT, dead_letters
from integrations.excel.templates import build_template
from integrations.excel.writer import write_table

MAX_ITEMS = 1000


def _check_first(first: int) -> None:
    if not 1 <= first <= MAX_ITEMS:
        raise PublicError(f"`first` must be between 1 and {MAX_ITEMS}")


@strawberry.type
class MasterdataQueries:
    @strawberry.field(description="An xlsx template: commented headers and drop-down lists of valid codes.")
    async def import_template(self, info: Info[Context, None], kind: ImportKind) -> FileDownload:
        chosen = kind
        async with info.context.read() as session:
            lists = await reference_lists(session, chosen)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{chosen.value}.xlsx"
            spec = spec_for(chosen, info.context.settings.part_code_pattern)
            await asyncio.to_thread(build_template, path, spec, lists)
            return FileDownload.of(path.name, XLSX, path.read_bytes())

    @strawberry.field(description="Export a master-data kind (in its import layout) or stock, as xlsx or CSV.")
    async def export_data(
        self, info: Info[Context, None], kind: ExportKind, format: FileFormat = FileFormat.XLSX
    ) -> FileDownload:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{kind.value}.{format.value}"
            try:
                async with info.context.write() as session:
                    table = await export_table(session, info.context.principal, kind.value)
                    await write_table(path, table.columns, table.rows, format.value, sheet=kind.value)
            except DomainError as error:
                raise PublicError(error.message) from None
            content_type = XLSX if format is FileFormat.XLSX else "text/csv; charset=utf-8"
            return FileDownload.of(path.name, content_type, path.read_bytes())

    @strawberry.field(description="Parts that are probably duplicates, best candidates first.")
    async def duplicate_part_candidates(self, info: Info[Context, None], first: int = 50) -> list[DuplicateCandidate]:
        _check_first(first)
        async with info.context.read() as session:
            found = await cleanup.duplicate_candidates(session, info.context.principal, first)
        return [DuplicateCandidate.from_domain(c) for c in found]

    @strawberry.field(description="Active codes without stock or movement for `months`: retirement candidates.")
    async def zombie_parts(self, info: Info[Context, None], months: int = 12, first: int = 200) -> list[ZombiePart]:
        _check_first(first)
        try:
            async with info.context.read() as session:
                found = await cleanup.zombie_parts(session, info.context.principal, months)
        except DomainError as error:
            raise PublicError(error.message) from None
        return [ZombiePart.from_domain(z) for z in found[:first]]

    @strawberry.field(description="Missing photo, manual, price, supplier or safety stock per active part.")
    async def part_completeness(
        self, info: Info[Context, None], first: int = 200, only_incomplete: bool = True
    ) -> CompletenessReport:
        _check_first(first)
        async with info.context.read() as session:
            items, totals = await cleanup.completeness_report(session, info.context.principal, only_incomplete)
        missing = totals["missing"]
        return CompletenessReport(
            parts=totals["parts"],
            complete=totals["complete"],
            missing_photo=missing["photo"],
            missing_manual=missing["manual"],
            missing_price=missing["price"],
            missing_supplier=missing["supplier"],
            missing_safety_stock=missing["safety_stock"],
            items=[
                PartCompletenessItem(
                    code=i.code,
                    name_zh=i.name_zh,
                    category=i.category,
                    abc_class=i.abc_class,
                    missing=list(i.missing),
                    score=round(i.score, 2),
                )
                for i in items[:first]
            ],
        )

    @strawberry.field(description="Events the ERP never accepted after every retry (the dead-letter list).")
    async def erp_dead_letters(self, info: Info[Context, None], first: int = 200) -> list[ErpDeadLetter]:
        _check_first(first)
        async with info.context.read() as session:
            dead = await dead_letters(session, ERP_ENDPOINT, first)
        return [
            ErpDeadLetter(
                event_id=d.event_id,
                topic=d.topic,
                attempts=d.attempts,
                last_error=d.last_error,
                response_status=d.response_status,
                created_at=d.created_at,
            )
            for d in dead
        ]
