"""The result of an import: counts, the row-level errors and what was applied. Serialisable to
JSON as is, so the CLI, GraphQL and the exchange folder all hand out the same report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from domain.masterdata.columns import ErrorKind

MAX_ERRORS = 10_000  # kept in full; beyond, only counted (a 100,000-row file of garbage stays small)


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based row in the sheet (header is row 1); None for file-level errors
    column: str | None
    value: str | None
    message: str
    kind: ErrorKind


@dataclass
class ImportReport:
    kind: str
    file_name: str = ""
    file_hash: str = ""
    dry_run: bool = False
    partial: bool = False
    rows_total: int = 0
    rows_rejected: int = 0
    rows_applied: int = 0
    applied: bool = False
    control_total: Decimal | None = None
    computed_total: Decimal | None = None
    batch_id: int | None = None
    summary: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    seconds: float = 0.0

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("control_total", "computed_total"):
            if data[key] is not None:
                data[key] = format(data[key], "f")
        data["errors"] = [{**asdict(e), "kind": e.kind.value} for e in self.errors]
        data["truncated"] = self.truncated
        data["seconds"] = round(self.seconds, 3)
        return data
