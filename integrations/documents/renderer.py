"""The adapter behind the domain's `StatementRenderer` port: PDF through weasyprint, Excel through
openpyxl, both run in a worker thread so a one-second render never blocks the event loop. One
render at a time per process: two cores are better spent finishing one statement than
interleaving two (and weasyprint's font machinery is not meant to be shared between threads)."""

from __future__ import annotations

import asyncio
import threading
from functools import lru_cache

from domain.vmi.statements.render import StatementDocument, StatementFormat
from integrations.documents.statement_pdf import statement_pdf
from integrations.excel.statement import statement_xlsx


class DocumentRenderer:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def render_sync(self, document: StatementDocument, fmt: StatementFormat) -> bytes:
        with self._lock:
            if fmt is StatementFormat.PDF:
                return statement_pdf(document)
            return statement_xlsx(document)

    async def render(self, document: StatementDocument, fmt: StatementFormat) -> bytes:
        return await asyncio.to_thread(self.render_sync, document, StatementFormat(fmt))


@lru_cache(maxsize=1)
def statement_renderer() -> DocumentRenderer:
    return DocumentRenderer()
