"""Master-data mutations: thin — save the upload, call one domain service in one transaction, map."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.masterdata.types import (
    XLSX,
    FileDownload,
    ImportDataInput,
    ImportDataPayload,
    ImportReport,
    MergePartsInput,
    MergePartsPayload,
    PartMergeResult,
    ReceiveDmsWorkOrderInput,
    ReceiveDmsWorkOrderPayload,
    RetirePartsInput,
    RetirePartsPayload,
    RetryErpDeliveriesInput,
    RetryErpDeliveriesPayload,
)
from api.graphql.workshop.types import WorkOrder
from domain.errors import DomainError
from domain.integration import dms
from domain.masterdata import cleanup
from integrations.erp.dispatcher import ERP_ENDPOINT, retry_dead
from integrations.excel.importer import import_file, write_annotated

CHUNK = 1 << 20


async def _save_upload(upload: Any, target: Path) -> None:
    """Stream the multipart part to disk: the reader wants a seekable file, never the whole bytes."""
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            out.write(chunk)


@strawberry.type
class MasterdataMutations:
    @strawberry.mutation(
        description="Import an uploaded xlsx/CSV file: every row is validated first; all or nothing unless partial."
    )
    async def import_data(self, info: Info[Context, None], input: ImportDataInput) -> ImportDataPayload:
        kind = input.kind
        name = Path(getattr(input.file, "filename", None) or f"{kind.value}.xlsx").name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            await _save_upload(input.file, path)
            try:
                async with info.context.write() as session:
                    report = await import_file(
                        session,
                        info.context.principal,
                        kind,
                        path,
                        dry_run=input.dry_run,
                        partial=input.partial,
                        control_total=input.control_total,
                        sheet=input.sheet,
                        file_name=name,
                    )
            except DomainError as error:
                return ImportDataPayload(report=None, errors=user_errors(error))
            annotated = None
            if report.errors:
                marked = Path(tmp) / f"{path.stem}.errors.xlsx"
                await asyncio.to_thread(write_annotated, path, marked, kind, report, input.sheet)
                annotated = FileDownload.of(marked.name, XLSX, marked.read_bytes())
        return ImportDataPayload(report=ImportReport.from_domain(report, annotated), errors=[])

    @strawberry.mutation(description="Merge a duplicate part into its survivor (stock via the ledger, history kept).")
    async def merge_parts(self, info: Info[Context, None], input: MergePartsInput) -> MergePartsPayload:
        try:
            async with info.context.write() as session:
                result = await cleanup.merge_parts(
                    session, info.context.principal, input.duplicate_code, input.survivor_code, input.reason
                )
        except DomainError as error:
            return MergePartsPayload(merge=None, errors=user_errors(error))
        merge = PartMergeResult(
            merge_id=result.merge_id,
            duplicate_code=result.duplicate_code,
            survivor_code=result.survivor_code,
            moved_lines=result.moved_lines,
            moved_value=result.moved_value,
            repointed=JSON(result.repointed),
        )
        return MergePartsPayload(merge=merge, errors=[])

    @strawberry.mutation(description="Deactivate zombie codes (re-checked: only those still without stock or moves).")
    async def retire_parts(self, info: Info[Context, None], input: RetirePartsInput) -> RetirePartsPayload:
        try:
            async with info.context.write() as session:
                retired = await cleanup.retire_parts(session, info.context.principal, input.codes, input.months)
        except DomainError as error:
            return RetirePartsPayload(retired=[], errors=user_errors(error))
        return RetirePartsPayload(retired=retired, errors=[])

    @strawberry.mutation(
        description="Open a repair order from the DMS (part numbers mapped; idempotent on externalId)."
    )
    async def receive_dms_work_order(
        self, info: Info[Context, None], input: ReceiveDmsWorkOrderInput
    ) -> ReceiveDmsWorkOrderPayload:
        command = dms.DmsWorkOrder(
            external_id=input.external_id,
            store_code=input.store_code,
            vin=input.vehicle.vin,
            make=input.vehicle.make,
            model=input.vehicle.model,
            year=input.vehicle.year,
            fault_description=input.fault_description,
            lines=[dms.DmsLine(line.quantity, line.dms_part_no, line.part_code) for line in input.lines],
        )
        try:
            async with info.context.write() as session:
                result = await dms.receive_work_order(session, info.context.principal, command)
        except DomainError as error:
            return ReceiveDmsWorkOrderPayload(work_order=None, replayed=False, errors=user_errors(error))
        return ReceiveDmsWorkOrderPayload(
            work_order=WorkOrder.from_model(result.work_order), replayed=result.replayed, errors=[]
        )

    @strawberry.mutation(description="Queue dead ERP deliveries again (all, or the given event ids).")
    async def retry_erp_deliveries(
        self, info: Info[Context, None], input: RetryErpDeliveriesInput
    ) -> RetryErpDeliveriesPayload:
        async with info.context.write() as session:
            count = await retry_dead(session, ERP_ENDPOINT, input.event_ids)
        return RetryErpDeliveriesPayload(requeued=count, errors=[])
