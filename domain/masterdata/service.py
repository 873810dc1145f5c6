"""The import use case: validate every row, then apply all of it or (with `partial`) the valid rows.

Rows arrive in chunks from any reader (xlsx, CSV, a webhook's JSON). Each chunk is checked cell by
cell off the event loop and its valid rows are COPYed to a staging table; then the cross-row and
database checks run set-based; only then is anything written, inside a savepoint, so a failure at
apply time (or a dry run) leaves the caller's transaction as it was. The report says per row and
column what was wrong; the batch is recorded (except for dry runs) so event files — opening stock,
demand history — cannot be loaded twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, DomainErrors
from domain.events import emit
from domain.masterdata import apply as writers
from domain.masterdata import checks, org_load
from domain.masterdata.columns import ErrorKind
from domain.masterdata.kinds import ImportKind, KindSpec, spec_for
from domain.masterdata.models import ImportBatch
from domain.masterdata.policy import ensure_can_maintain
from domain.masterdata.report import ImportReport, RowError
from domain.masterdata.validate import HeaderMap, is_blank, map_header, validate_row
from domain.principal import Principal
from domain.settings import get_settings
from domain.stock import ledger

RawRow = tuple[int, Sequence[object]]
Chunks = AsyncIterator[Sequence[RawRow]]
Progress = Callable[[str, int], None]
CENT = Decimal("0.01")
# Event data is loaded once; master data is upserted, so re-importing it is harmless.
_ONCE_ONLY = frozenset({ImportKind.OPENING_STOCK, ImportKind.DEMAND_HISTORY})
_MAX_CASCADE = 5
# A guard against zip bombs and runaway exports: a go-live file is far smaller.
MAX_ROWS = 1_000_000
T = TypeVar("T")


@dataclass(frozen=True)
class ImportOptions:
    file_name: str = ""
    file_hash: str = ""
    dry_run: bool = False
    partial: bool = False
    control_total: Decimal | None = None


def validate_chunk(
    spec: KindSpec, header: HeaderMap, chunk: Sequence[RawRow]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError], int]:
    """Pure: the valid rows, the errors and how many non-blank rows the chunk had."""
    valid: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen = 0
    for row_no, cells in chunk:
        if is_blank(cells):
            continue
        seen += 1
        values, row_errors = validate_row(spec, header, row_no, cells)
        if values is None:
            errors.extend(row_errors)
        else:
            valid.append((row_no, values))
    return valid, errors, seen


async def import_table(
    session: AsyncSession,
    principal: Principal,
    kind: ImportKind,
    header: Sequence[object],
    chunks: Chunks,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Run one import inside the caller's transaction; the caller commits (the batch row, and the
    data when `report.applied`)."""
    ensure_can_maintain(principal)
    started = time.perf_counter()
    tick = progress or (lambda stage, rows: None)
    spec = spec_for(kind, get_settings().part_code_pattern)
    report = ImportReport(
        kind=kind.value,
        file_name=options.file_name,
        file_hash=options.file_hash,
        dry_run=options.dry_run,
        partial=options.partial,
        control_total=options.control_total,
    )
    header_map, header_errors = map_header(spec, header)
    for error in header_errors:
        report.add(error)
    if not header_errors and kind in _ONCE_ONLY and options.file_hash:
        prior = await _prior_batch(session, kind, options.file_hash)
        if prior is not None:
            report.add(
                RowError(
                    None, None, None, f"this file was already imported (batch {prior})", ErrorKind.ALREADY_IMPORTED
                )
            )
    if report.error_count:
        return await _finish(session, principal, report, started, rejected=set())

    await checks.create_stage(session, spec)
    rejected: set[int] = set()
    async for valid, errors, seen in _prefetch(_validated(spec, header_map, chunks)):
        report.rows_total += seen
        for error in errors:
            report.add(error)
            rejected.add(error.row or 0)
        await checks.copy_rows(session, spec, valid)
        tick("validated", report.rows_total)
        if report.rows_total > MAX_ROWS:
            report.add(RowError(None, None, None, f"more than {MAX_ROWS:,} rows: split the file", ErrorKind.RANGE))
            return await _finish(session, principal, report, started, rejected)
    if report.rows_total == 0:
        report.add(RowError(None, None, None, "the file has no data rows", ErrorKind.REQUIRED))
        return await _finish(session, principal, report, started, rejected)
    await checks.finish_stage(session, spec)
    await _cross_checks(session, spec, header_map.present, report, rejected, options.partial)
    tick("checked", report.rows_total)

    if rejected and not options.partial:
        report.notes.append("nothing was written: fix the errors or import with partial to skip bad rows")
        return await _finish(session, principal, report, started, rejected)
    savepoint = await session.begin_nested()
    try:
        summary = await _apply(session, principal, spec, header_map.present, options, report, rejected)
    except DomainError as error:
        for e in error.errors if isinstance(error, DomainErrors) else [error]:
            report.add(RowError(None, None, None, e.message, ErrorKind.RULE))
        summary = None
    except DBAPIError as error:
        report.add(RowError(None, None, None, f"the database refused the data: {error.orig}", ErrorKind.DATABASE))
        summary = None
    if summary is None or options.dry_run or (rejected and not options.partial):
        await savepoint.rollback()
        report.applied = False
        if summary is not None:
            report.summary = summary
    else:
        await savepoint.commit()
        report.applied = True
        report.summary = summary
    tick("applied", report.rows_total)
    return await _finish(session, principal, report, started, rejected)


async def _validated(
    spec: KindSpec, header: HeaderMap, chunks: Chunks
) -> AsyncIterator[tuple[list[tuple[int, dict[str, Any]]], list[RowError], int]]:
    async for chunk in chunks:
        yield await asyncio.to_thread(validate_chunk, spec, header, chunk)


_END = object()


async def _prefetch(source: AsyncIterator[T]) -> AsyncIterator[T]:
    """Keep one item in flight, so the next chunk is parsed and checked (in a worker thread) while
    this one is COPYed to the database."""
    pending: asyncio.Future[Any] = asyncio.ensure_future(anext(source, _END))
    try:
        while True:
            item = await pending
            if item is _END:
                return
            pending = asyncio.ensure_future(anext(source, _END))
            yield item
    finally:
        pending.cancel()


async def _prior_batch(session: AsyncSession, kind: ImportKind, file_hash: str) -> int | None:
    stmt = select(ImportBatch.id).where(
        ImportBatch.kind == kind.value, ImportBatch.file_hash == file_hash, ImportBatch.status != "rejected"
    )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def _cross_checks(
    session: AsyncSession,
    spec: KindSpec,
    present: frozenset[str],
    report: ImportReport,
    rejected: set[int],
    partial: bool,
) -> None:
    """Set-based checks; with `partial`, rows are dropped and the checks rerun, because a row that
    refers to a dropped row has become invalid too."""
    for _ in range(_MAX_CASCADE):
        errors = await checks.run_checks(session, spec, present)
        if spec.kind is ImportKind.LOCATIONS:
            errors += await org_load.check_locations(session)
        fresh = [e for e in errors if e.row not in rejected]
        for error in errors:
            report.add(error)
        rows = {e.row for e in fresh if e.row is not None}
        rejected |= {e.row for e in errors if e.row is not None}
        if not partial or not rows:
            return
        await checks.drop_rows(session, sorted(rows))


async def _apply(
    session: AsyncSession,
    principal: Principal,
    spec: KindSpec,
    present: frozenset[str],
    options: ImportOptions,
    report: ImportReport,
    rejected: set[int],
) -> dict[str, int] | None:
    kind = spec.kind
    if kind is ImportKind.OPENING_STOCK:
        return await _post_opening_stock(session, principal, options, report)
    if kind is ImportKind.USERS:
        counts, errors = await org_load.apply_users(session, principal, present, options.partial)
        for error in errors:
            report.add(error)
            rejected.add(error.row or 0)
        if errors and not options.partial:
            return None
        report.notes.append("imported users get no usable password: an administrator sets one before first sign-in")
        return counts
    apply = {
        ImportKind.LOCATIONS: org_load.apply_locations,
        ImportKind.SUPPLIERS: writers.apply_suppliers,
        ImportKind.PARTS: writers.apply_parts,
        ImportKind.SUPPLIER_PARTS: writers.apply_supplier_parts,
        ImportKind.STOCK_POLICIES: writers.apply_stock_policies,
        ImportKind.SYNONYMS: writers.apply_synonyms,
        ImportKind.DMS_PART_MAP: writers.apply_dms_part_map,
        ImportKind.PRICES: writers.apply_prices,
        ImportKind.DEMAND_HISTORY: writers.apply_demand_history,
    }[kind]
    return await apply(session, present)


_OPENING_LINES = text(
    f"""
    SELECT p.id AS part_id, l.id AS location_id, s.lot_no, s.quantity, s.unit_cost, s.received_on, s.expiry_date
      FROM {checks.STAGE} s JOIN part p ON p.code = s.part_code JOIN location l ON l.code = s.location_code
     ORDER BY s.row_no
    """
)
_ADJUSTMENT = text("SELECT id FROM location WHERE kind = 'virtual' AND virtual_kind = 'adjustment' ORDER BY id LIMIT 1")


async def _post_opening_stock(
    session: AsyncSession, principal: Principal, options: ImportOptions, report: ImportReport
) -> dict[str, int] | None:
    """One valued posting from V-ADJUSTMENT, only when the file's value equals finance's figure."""
    total = await checks.stage_total(session)
    report.computed_total = total
    if options.control_total is None:
        if options.dry_run:
            report.notes.append(f"the file is worth {total:f} CNY: give that figure as the control total to post it")
            return {"lines": 0}
        report.add(
            RowError(None, None, None, "opening stock needs the control total from finance", ErrorKind.CONTROL_TOTAL)
        )
        return None
    if options.control_total.quantize(CENT) != total:
        report.add(
            RowError(
                None,
                "unit_cost",
                f"{total:f}",
                f"the file is worth {total:f} CNY but finance's control total is {options.control_total:f} CNY",
                ErrorKind.CONTROL_TOTAL,
            )
        )
        return None
    adjustment = (await session.execute(_ADJUSTMENT)).scalar_one_or_none()
    if adjustment is None:
        report.add(RowError(None, None, None, "there is no V-ADJUSTMENT location to post from", ErrorKind.REFERENCE))
        return None
    lines = [
        ledger.MoveLine(
            part_id=row.part_id,
            from_location_id=adjustment,
            to_location_id=row.location_id,
            quantity=row.quantity,
            lot_no=row.lot_no or "",
            unit_cost=row.unit_cost,
            received_on=row.received_on,
            expiry_date=row.expiry_date,
        )
        for row in await session.execute(_OPENING_LINES)
    ]
    result = await ledger.post(
        session,
        principal,
        ledger.Posting(
            doc_type="opening_balance",
            lines=lines,
            doc_ref=f"import:{options.file_name}"[:120],
            reason="opening stock import",
            idempotency_key=f"import:opening_stock:{options.file_hash}" if options.file_hash else None,
        ),
    )
    await emit(
        session,
        "stock.opening_balance_posted",
        {"postingId": result.posting_id, "lines": len(lines), "totalValue": total, "currency": "CNY"},
    )
    return {"lines": len(result.moves), "posting_id": result.posting_id}


async def _finish(
    session: AsyncSession, principal: Principal, report: ImportReport, started: float, rejected: set[int]
) -> ImportReport:
    report.rows_rejected = len(rejected)
    report.rows_applied = report.rows_total - report.rows_rejected if report.applied else 0
    report.seconds = time.perf_counter() - started
    if not report.dry_run:
        status = "rejected" if not report.applied else ("partial" if report.rows_rejected else "applied")
        batch = ImportBatch(
            kind=report.kind,
            file_name=report.file_name[:255],
            file_hash=report.file_hash,
            status=status,
            rows_total=report.rows_total,
            rows_applied=report.rows_applied,
            rows_rejected=report.rows_rejected,
            control_total=report.control_total,
            computed_total=report.computed_total,
            summary={**report.summary, "errors": report.error_count},
            actor=principal.actor,
        )
        session.add(batch)
        await session.flush()
        report.batch_id = batch.id
    return report
