"""`ims import | export | cleanup | exchange`: loading a company's data, keeping it clean, and the
file and webhook exchanges with partner systems. The CLI acts as the system principal."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.masterdata.kinds import LOAD_ORDER, ImportKind

console = Console(stderr=True)
import_app = typer.Typer(help="Import master data, opening stock or history from xlsx/CSV.", no_args_is_help=True)
cleanup_app = typer.Typer(help="Duplicates and merges, zombie codes, completeness.", no_args_is_help=True)
exchange_app = typer.Typer(help="Partner exchanges: watched folder, ERP webhooks, PO files.", no_args_is_help=True)
T = TypeVar("T")


def _principal() -> Any:
    from domain.principal import Principal

    return Principal.system("cli")


@asynccontextmanager
async def _sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from api.cli import _database_url
    from domain.db import create_engine, session_factory

    engine = create_engine(_database_url())
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def _run(job: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    async def main() -> T:
        async with _sessions() as sessions:
            return await job(sessions)

    return asyncio.run(main())


def _fail(error: Exception) -> None:
    console.print(f"[red]{error}[/red]")
    raise typer.Exit(1)


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount") from None


def _import(
    kind: ImportKind,
    file: Path,
    dry_run: bool,
    partial: bool,
    control_total: str | None,
    report_path: Path | None,
    annotated_path: Path | None,
    sheet: str | None,
) -> None:
    from domain.errors import DomainError
    from integrations.excel.annotate import write_json_report
    from integrations.excel.importer import import_file, write_annotated
    from integrations.excel.reader import TableFileError, open_table

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist")
    control = _amount(control_total)
    try:
        with open_table(file, sheet) as opened:
            estimate = opened.estimated_rows
    except TableFileError as error:
        _fail(error)
        return

    async def job(sessions: async_sessionmaker[AsyncSession]) -> Any:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"{kind.value}: validating", total=max((estimate or 1) - 1, 1))

            def tick(stage: str, rows: int) -> None:
                total = max(rows, (estimate or 1) - 1) if stage == "validated" else max(rows, 1)
                progress.update(task, description=f"{kind.value}: {stage}", completed=rows, total=total)

            async with sessions() as session, session.begin():
                return await import_file(
                    session,
                    _principal(),
                    kind,
                    file,
                    dry_run=dry_run,
                    partial=partial,
                    control_total=control,
                    sheet=sheet,
                    progress=tick,
                )

    try:
        report = _run(job)
    except DomainError as error:
        _fail(error)
        return
    summary = Table(title=f"{kind.value} from {file.name}" + (" (dry run)" if dry_run else ""))
    summary.add_column("what")
    summary.add_column("value", justify="right")
    for key in ("rows_total", "rows_rejected", "rows_applied", "applied", "computed_total", "batch_id"):
        value = getattr(report, key)
        if value is not None:
            summary.add_row(key, str(value))
    for key, count in report.summary.items():
        summary.add_row(f"  {key}", str(count))
    console.print(summary)
    for note in report.notes:
        console.print(f"[yellow]{note}[/yellow]")
    if report.errors:
        for problem in report.errors[:20]:
            where = f"row {problem.row}" if problem.row else "file"
            console.print(f"[red]{where} {problem.column or ''}[/red] {problem.value or ''!s}: {problem.message}")
        if report.error_count > 20:
            console.print(f"… {report.error_count - 20} more errors")
        json_path = report_path or file.with_name(file.name + ".report.json")
        write_json_report(report, json_path)
        marked = annotated_path or file.with_name(file.stem + ".errors.xlsx")
        write_annotated(file, marked, kind, report, sheet)
        console.print(f"Report: {json_path}\nMarked copy: {marked}")
    elif report_path:
        write_json_report(report, report_path)
    if not report.applied and not dry_run:
        raise typer.Exit(1)
    if dry_run and report.error_count:
        raise typer.Exit(1)


def _make_import_command(kind: ImportKind) -> Callable[..., None]:
    def command(
        file: Path = typer.Argument(..., help="xlsx or CSV file (first sheet, or --sheet)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and simulate; write nothing."),
        partial: bool = typer.Option(False, "--partial", help="Apply the valid rows, skip the bad ones."),
        control_total: str | None = typer.Option(
            None, "--control-total", help="Opening stock: finance's total value (CNY); nothing posts unless equal."
        ),
        report: Path | None = typer.Option(None, "--report", help="Write the JSON report here."),
        annotated: Path | None = typer.Option(None, "--annotated", help="Write the marked copy here."),
        sheet: str | None = typer.Option(None, "--sheet", help="Sheet name in an xlsx file."),
    ) -> None:
        _import(kind, file, dry_run, partial, control_total, report, annotated, sheet)

    command.__doc__ = f"Import {kind.value.replace('_', ' ')}."
    return command


for _kind in LOAD_ORDER:
    import_app.command(_kind.value.replace("_", "-"))(_make_import_command(_kind))
    if "_" in _kind.value:  # `ims import opening_stock` works too
        import_app.command(_kind.value, hidden=True)(_make_import_command(_kind))


@import_app.command("template")
def template_cmd(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(k.value for k in LOAD_ORDER)}."),
    file: Path = typer.Argument(..., help="Where to write the xlsx template."),
    offline: bool = typer.Option(False, "--offline", help="No database: drop-downs for fixed choices only."),
) -> None:
    """Write an xlsx template: commented headers, drop-down lists (codes from the database)."""
    from domain.masterdata.kinds import spec_for
    from domain.settings import get_settings
    from integrations.excel.templates import build_template

    try:
        chosen = ImportKind.parse(kind)
    except ValueError:
        raise typer.BadParameter(f"unknown kind {kind!r}") from None
    lists: dict[str, list[str]] = {}
    if not offline:
        from domain.masterdata.lists import reference_lists

        async def job(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
            async with sessions() as session:
                return await reference_lists(session, chosen)

        lists = _run(job)
    build_template(file, spec_for(chosen, get_settings().part_code_pattern), lists)
    console.print(f"Template for {chosen.value} written to {file}")


def export_cmd(
    kind: str = typer.Argument(..., help="A master-data kind (as for import) or 'stock'."),
    file: Path = typer.Argument(..., help="Target .xlsx or .csv."),
    fmt: str | None = typer.Option(None, "--format", help="xlsx or csv (default: from the file suffix)."),
) -> None:
    """Export master data or stock (the import layout, so the file can be imported back)."""
    from domain.errors import DomainError
    from domain.masterdata.export import export_table
    from integrations.excel.writer import write_table

    async def job(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            table = await export_table(session, _principal(), kind)
            return await write_table(file, table.columns, table.rows, fmt, sheet=table.kind)

    try:
        count = _run(job)
    except (DomainError, ValueError) as error:
        _fail(error)
        return
    console.print(f"{count:,} rows of {kind} written to {file}")


@cleanup_app.command("duplicates")
def duplicates_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
    limit: int = typer.Option(200, help="Show at most this many pairs."),
) -> None:
    """Candidate duplicate parts: same barcode, same name (synonyms folded), near-identical specs."""
    from domain.masterdata.cleanup import duplicate_candidates

    async def job(sessions: async_sessionmaker[AsyncSession]) -> Any:
        async with sessions() as session:
            return await duplicate_candidates(session, _principal(), limit)

    pairs = _run(job)
    if as_json:
        out = [
            {
                "a": c.a.code,
                "b": c.b.code,
                "score": round(c.score, 3),
                "reasons": c.reasons,
                "names": [c.a.name_zh, c.b.name_zh],
            }
            for c in pairs
        ]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(pairs)} candidate pairs")
    for col in ("score", "part", "name", "other", "name", "why"):
        table.add_column(col)
    for c in pairs:
        table.add_row(f"{c.score:.2f}", c.a.code, c.a.name_zh, c.b.code, c.b.name_zh, "; ".join(c.reasons))
    console.print(table)


@cleanup_app.command("merge")
def merge_cmd(
    duplicate: str = typer.Argument(..., help="Code of the duplicate (becomes inactive)."),
    survivor: str = typer.Argument(..., help="Code of the part that stays."),
    reason: str | None = typer.Option(None, help="Why (kept on the merge record and the ledger)."),
) -> None:
    """Merge a duplicate into its survivor: stock moves through the ledger, references re-point."""
    from domain.errors import DomainError
    from domain.masterdata.cleanup import merge_parts

    async def job(sessions: async_sessionmaker[AsyncSession]) -> Any:
        async with sessions() as session, session.begin():
            return await merge_parts(session, _principal(), duplicate, survivor, reason)

    try:
        result = _run(job)
    except DomainError as error:
        _fail(error)
        return
    console.print(
        f"[green]{result.duplicate_code} merged into {result.survivor_code}[/green]: "
        f"{result.moved_lines} stock lines worth {result.moved_value} CNY moved; re-pointed {result.repointed}"
    )


@cleanup_app.command("zombies")
def zombies_cmd(
    months: int = typer.Option(12, help="No stock and no movement for this many months."),
    retire: bool = typer.Option(False, "--retire", help="Deactivate every listed code."),
    output: Path | None = typer.Option(None, "--output", help="Also write the list (.xlsx/.csv)."),
) -> None:
    """Zombie codes: candidates for retirement."""
    from domain.masterdata.cleanup import retire_parts, zombie_parts
    from integrations.excel.writer import rows_of, write_table

    async def job(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[Any], list[str]]:
        async with sessions() as session, session.begin():
            found = await zombie_parts(session, _principal(), months)
            retired = await retire_parts(session, _principal(), [z.code for z in found], months) if retire else []
            return found, retired

    found, retired = _run(job)
    table = Table(title=f"{len(found)} zombie codes (no stock, no movement for {months} months)")
    for col in ("code", "name", "created", "last move"):
        table.add_column(col)
    for z in found[:200]:
        table.add_row(
            z.code, z.name_zh, f"{z.created_at:%Y-%m-%d}", f"{z.last_move_at:%Y-%m-%d}" if z.last_move_at else "never"
        )
    console.print(table)
    if output:
        rows = [
            (z.code, z.name_zh, z.name_en, z.created_at.date(), z.last_move_at and z.last_move_at.date()) for z in found
        ]
        asyncio.run(write_table(output, ("code", "name_zh", "name_en", "created_on", "last_move_on"), rows_of(rows)))
    if retire:
        console.print(f"[yellow]{len(retired)} codes retired (inactive).[/yellow]")


@cleanup_app.command("completeness")
def completeness_cmd(output: Path | None = typer.Option(None, "--output", help="Write the list (.xlsx/.csv).")) -> None:
    """Parts missing a photo, manual, price, supplier or safety stock."""
    from domain.masterdata.cleanup import COMPLETENESS_FIELDS, completeness_report
    from integrations.excel.writer import rows_of, write_table

    async def job(sessions: async_sessionmaker[AsyncSession]) -> Any:
        async with sessions() as session:
            return await completeness_report(session, _principal())

    items, totals = _run(job)
    table = Table(title=f"{totals['complete']:,} of {totals['parts']:,} active parts are complete")
    table.add_column("missing")
    table.add_column("parts", justify="right")
    for field, count in totals["missing"].items():
        table.add_row(field, f"{count:,}")
    console.print(table)
    if output:
        rows = [
            (
                i.code,
                i.name_zh,
                i.category,
                i.abc_class,
                *(("missing" if f in i.missing else "") for f in COMPLETENESS_FIELDS),
            )
            for i in items
        ]
        columns = ("code", "name_zh", "category", "abc_class", *COMPLETENESS_FIELDS)
        asyncio.run(write_table(output, columns, rows_of(rows)))
        console.print(f"{len(rows):,} incomplete parts written to {output}")


@exchange_app.command("watch")
def watch_cmd(
    directory: Path = typer.Argument(..., help="The exchange folder (inbox/, processed/, failed/ inside)."),
    once: bool = typer.Option(False, "--once", help="Process what is there and stop."),
    interval: float = typer.Option(10.0, help="Seconds between polls."),
) -> None:
    """Import CSV/xlsx files dropped in DIR/inbox (idempotent by file hash)."""
    from integrations.exchange.watcher import ExchangeFolder

    async def job(sessions: async_sessionmaker[AsyncSession]) -> None:
        folder = ExchangeFolder(sessions, directory, settle_seconds=0 if once else 2)
        if once:
            for outcome in await folder.process_once():
                colour = {"processed": "green", "failed": "red"}.get(outcome.status, "yellow")
                console.print(f"[{colour}]{outcome.status}[/{colour}] {outcome.file}: {outcome.message}")
            return
        console.print(f"Watching {directory / 'inbox'} every {interval:g} s (Ctrl-C to stop)")
        await folder.watch(interval)

    try:
        _run(job)
    except KeyboardInterrupt:
        pass


@exchange_app.command("erp-dispatch")
def erp_dispatch_cmd(
    once: bool = typer.Option(False, "--once", help="One pass, then stop."),
    interval: float = typer.Option(15.0, help="Seconds between passes."),
) -> None:
    """Deliver outbox events to the ERP webhook (partner 'erp'), with retries."""
    from integrations.erp.dispatcher import OutboxDispatcher

    async def job(sessions: async_sessionmaker[AsyncSession]) -> None:
        dispatcher = OutboxDispatcher(sessions)
        while True:
            result = await dispatcher.run_once()
            console.print(
                f"enqueued {result.enqueued}, delivered {result.delivered}, retrying {result.failed}, "
                f"dead {result.dead}" + (f" — {result.skipped_reason}" if result.skipped_reason else "")
            )
            if once:
                return
            await asyncio.sleep(interval)

    try:
        _run(job)
    except KeyboardInterrupt:
        pass


@exchange_app.command("dead-letters")
def dead_letters_cmd(
    retry: bool = typer.Option(False, "--retry", help="Queue every dead delivery again."),
    endpoint: str = typer.Option("erp", help="Partner code."),
) -> None:
    """Events the partner never accepted."""
    from integrations.erp.dispatcher import dead_letters, retry_dead

    async def job(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[Any], int]:
        async with sessions() as session, session.begin():
            dead = await dead_letters(session, endpoint)
            return dead, (await retry_dead(session, endpoint) if retry else 0)

    dead, requeued = _run(job)
    table = Table(title=f"{len(dead)} dead deliveries to {endpoint}")
    for col in ("event", "topic", "attempts", "last error"):
        table.add_column(col)
    for d in dead:
        table.add_row(str(d.event_id), d.topic, str(d.attempts), d.last_error or "")
    console.print(table)
    if retry:
        console.print(f"{requeued} deliveries queued again")


@exchange_app.command("partner")
def partner_cmd(
    code: str = typer.Argument(..., help="dms, erp or supplier:<SUPPLIER CODE>."),
    secret: str | None = typer.Option(None, help="Shared HMAC secret (16+ characters); kept if omitted."),
    url: str | None = typer.Option(None, help="Webhook URL for outbound events."),
    inactive: bool = typer.Option(False, "--inactive", help="Disable the partner."),
) -> None:
    """Create or change an integration partner."""
    from domain.errors import DomainError
    from domain.integration.service import set_partner

    async def job(sessions: async_sessionmaker[AsyncSession]) -> Any:
        async with sessions() as session, session.begin():
            partner = await set_partner(session, _principal(), code, secret, url, active=not inactive)
            return partner.code, partner.url, partner.active

    try:
        saved = _run(job)
    except DomainError as error:
        _fail(error)
        return
    console.print(f"partner {saved[0]}: url={saved[1] or '-'} active={saved[2]}")


@exchange_app.command("po-export")
def po_export_cmd(
    number: str = typer.Argument(..., help="Purchase order number."),
    file: Path = typer.Argument(..., help="Target .csv or .json."),
) -> None:
    """Write a purchase order as the supplier's system reads it (CSV or JSON)."""
    from domain.errors import DomainError
    from integrations.suppliers.documents import po_to_csv, po_to_json, purchase_order_document

    async def job(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
        async with sessions() as session:
            return await purchase_order_document(session, _principal(), number)

    try:
        document = _run(job)
    except DomainError as error:
        _fail(error)
        return
    text = po_to_json(document) if file.suffix.lower() == ".json" else po_to_csv(document)
    file.write_text(text, encoding="utf-8-sig" if file.suffix.lower() == ".csv" else "utf-8")
    console.print(f"{document['number']} ({len(document['lines'])} lines) written to {file}")


def mount(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("export")(export_cmd)
    app.add_typer(cleanup_app, name="cleanup")
    app.add_typer(exchange_app, name="exchange")
