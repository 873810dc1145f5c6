"""Scheduled batch exchange through a watched folder.

    DIR/inbox/      partners drop files here: <kind>[_anything].csv|xlsx
    DIR/processed/  imported files, with <file>.report.json
    DIR/failed/     refused files, with <file>.report.json and <file>.errors.xlsx (cells marked red)

The kind is the file name's prefix (`parts_2026-11-25.csv`, `opening_stock.xlsx`,
`ship_notices_SUP-01_0042.csv`); the files of one poll are taken in go-live order. Opening stock
needs finance's figure in a sidecar file `<file>.control`. Each file is imported all-or-nothing in
one transaction. Files are idempotent by content: the SHA-256 is claimed in `exchange_file` before
processing, so a file dropped twice (or seen by two watchers at once) is handled once; a claim left
by a crashed watcher is taken over after `stale_after`. A file still being written (modified less
than `settle_seconds` ago) waits for the next poll."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import DomainError
from domain.masterdata.kinds import LOAD_ORDER, ImportKind
from domain.masterdata.report import ImportReport
from domain.principal import Principal
from integrations.excel.importer import import_file, write_annotated
from integrations.excel.reader import file_hash
from integrations.suppliers import documents

log = logging.getLogger("ims.exchange")

SHIP_NOTICES = "ship_notices"
SUFFIXES = (".csv", ".xlsx")
# Files of one poll are taken in go-live order (locations before parts before opening stock).
_ORDER = [*(k.value for k in LOAD_ORDER), SHIP_NOTICES]
_KINDS = sorted(_ORDER, key=len, reverse=True)


@dataclass(frozen=True)
class Outcome:
    file: str
    kind: str | None
    status: str  # processed | failed | duplicate
    message: str


def kind_of(name: str) -> str | None:
    stem = name.lower().replace("-", "_")
    for kind in _KINDS:
        if stem == kind or stem.startswith(kind + "_") or stem.startswith(kind + "."):
            return kind
    return None


_CLAIM = text(
    """
    INSERT INTO exchange_file (file_hash, file_name, kind, status, report)
    VALUES (:hash, :name, :kind, 'processing', '{}'::jsonb)
    ON CONFLICT (file_hash) DO UPDATE SET created_at = now(), file_name = excluded.file_name
     WHERE exchange_file.status = 'processing' AND exchange_file.created_at < now() - make_interval(secs => :stale)
    RETURNING file_hash
    """
)
_FINISH = text(
    """
    UPDATE exchange_file SET status = :status, batch_id = :batch, report = CAST(:report AS jsonb), finished_at = now()
     WHERE file_hash = :hash
    """
)


class ExchangeFolder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        root: Path,
        principal: Principal | None = None,
        settle_seconds: float = 2.0,
        stale_after: float = 3600.0,
    ) -> None:
        self.sessions = sessions
        self.root = root
        self.principal = principal or Principal.system("exchange")
        self.settle_seconds = settle_seconds
        self.stale_after = stale_after
        for sub in ("inbox", "processed", "failed"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def _ready(self, path: Path) -> bool:
        return time.time() - path.stat().st_mtime >= self.settle_seconds

    async def process_once(self) -> list[Outcome]:
        files = [
            p
            for p in (self.root / "inbox").iterdir()
            if p.is_file() and p.suffix.lower() in SUFFIXES and self._ready(p)
        ]

        def order(path: Path) -> tuple[int, str]:
            kind = kind_of(path.name)
            return (_ORDER.index(kind) if kind else len(_ORDER), path.name)

        return [await self.process(path) for path in sorted(files, key=order)]

    async def watch(self, interval: float = 5.0, stop: asyncio.Event | None = None) -> None:
        while stop is None or not stop.is_set():
            for outcome in await self.process_once():
                log.info("exchange %s: %s (%s)", outcome.file, outcome.status, outcome.message)
            try:
                await asyncio.wait_for((stop or asyncio.Event()).wait(), timeout=interval)
            except TimeoutError:
                pass

    async def process(self, path: Path) -> Outcome:
        digest = file_hash(path)
        kind = kind_of(path.name)
        async with self.sessions() as session, session.begin():
            claimed = (
                await session.execute(
                    _CLAIM, {"hash": digest, "name": path.name, "kind": kind, "stale": self.stale_after}
                )
            ).scalar_one_or_none()
        if claimed is None:
            self._move(path, "processed", suffix=".duplicate")
            return Outcome(path.name, kind, "duplicate", "this exact file was handled before")
        report, message, batch = await self._import(path, kind)
        status = "processed" if report.get("applied") else "failed"
        target = self._move(path, status)
        (target.parent / f"{target.name}.report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        async with self.sessions() as session, session.begin():
            await session.execute(
                _FINISH,
                {"hash": digest, "status": status, "batch": batch, "report": json.dumps(report, ensure_ascii=False)},
            )
        return Outcome(path.name, kind, status, message)

    async def _import(self, path: Path, kind: str | None) -> tuple[dict[str, object], str, int | None]:
        if kind is None:
            names = ", ".join(_KINDS)
            return {"applied": False, "error": f"the file name must start with a kind: {names}"}, "unknown kind", None
        if kind == SHIP_NOTICES:
            return await self._ship_notices(path)
        control: Decimal | None = None
        sidecar = path.with_name(path.name + ".control")
        if sidecar.exists():
            try:
                control = Decimal(sidecar.read_text().strip())
            except InvalidOperation:
                return {"applied": False, "error": f"{sidecar.name} does not hold a number"}, "bad control file", None
        async with self.sessions() as session, session.begin():
            report = await import_file(session, self.principal, ImportKind(kind), path, control_total=control)
        if sidecar.exists():
            self._move(sidecar, "processed" if report.applied else "failed")
        if not report.applied:
            self._annotate(path, ImportKind(kind), report)
        message = f"{report.rows_applied} rows applied" if report.applied else f"{report.error_count} errors"
        return report.to_json(), message, report.batch_id

    def _annotate(self, path: Path, kind: ImportKind, report: ImportReport) -> None:
        target = self.root / "failed" / f"{path.name}.errors.xlsx"
        try:
            write_annotated(path, target, kind, report)
        except Exception:  # the JSON report still says everything; the marked copy is a convenience
            log.warning("could not annotate %s", path.name, exc_info=True)

    async def _ship_notices(self, path: Path) -> tuple[dict[str, object], str, int | None]:
        """Supplier ship-notice files: rows carry the supplier via supplier_code or the file name."""
        try:
            records = documents.read_notice_csv(path)
            notices = documents.notices_from_records(records)
            supplier_codes = {str(r.get("supplier_code") or "").strip().upper() for r in records} - {""}
            if len(supplier_codes) != 1:
                raise documents.NoticeFileError("every row needs the same supplier_code")
        except documents.NoticeFileError as error:
            return {"applied": False, "error": str(error)}, "malformed", None
        code = supplier_codes.pop()
        try:
            async with self.sessions() as session, session.begin():
                supplier_id = (
                    await session.execute(text("SELECT id FROM supplier WHERE code = :c"), {"c": code})
                ).scalar_one_or_none()
                if supplier_id is None:
                    raise documents.NoticeFileError(f"no supplier {code}")
                principal = documents.supplier_principal(supplier_id, code)
                outcomes = await documents.record_notices(session, principal, notices, f"supplier:{code}:asn")
        except (DomainError, documents.NoticeFileError) as error:
            return {"applied": False, "error": str(error)}, "refused", None
        labels = [{"number": o.number, "label": o.label, "replayed": o.replayed} for o in outcomes]
        return {"applied": True, "notices": labels}, f"{len(outcomes)} notices", None

    def _move(self, path: Path, folder: str, suffix: str = "") -> Path:
        target = self.root / folder / (path.name + suffix)
        if target.exists():
            target = target.with_name(f"{int(time.time())}-{target.name}")
        shutil.move(str(path), target)
        return target
