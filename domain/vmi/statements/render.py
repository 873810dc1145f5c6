"""The rendering port: what a statement document holds and the Protocol a renderer implements.

The domain assembles a `StatementDocument` (plain data, already checked against the reader's
rights) and hands it to whatever renderer the composition root chose — integrations.documents
renders PDF (weasyprint) and Excel (openpyxl). Renderers are async because rendering is CPU work
an adapter runs off the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.vmi.statements.lines import LineData, Totals


class StatementFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"


MEDIA_TYPES = {
    StatementFormat.PDF: "application/pdf",
    StatementFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Party:
    code: str
    name_zh: str
    name_en: str
    city: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class CommentEntry:
    created_at: datetime
    author: str
    side: str  # "supplier" or "internal"
    action: str | None
    body: str


@dataclass(frozen=True)
class StatementDocument:
    number: str
    kind: str
    status: str
    revision: int
    currency: str
    period_start: date
    period_end: date
    company: Party
    supplier: Party
    totals: Totals
    lines: Sequence[LineData]
    comments: Sequence[CommentEntry]
    generated_at: datetime
    printed_at: datetime
    issued_at: datetime | None = None
    confirmed_at: datetime | None = None
    disputed_at: datetime | None = None
    settled_at: datetime | None = None
    settled_amount: Decimal | None = None
    settlement_reference: str | None = None
    previous_number: str | None = None


@dataclass(frozen=True)
class StatementFile:
    filename: str
    media_type: str
    body: bytes


class StatementRenderer(Protocol):
    async def render(self, document: StatementDocument, fmt: StatementFormat) -> bytes: ...
