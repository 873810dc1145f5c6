"""GraphQL types of master data: import reports, files, duplicates, zombies, completeness."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from api.graphql.errors import UserError
from api.graphql.workshop.types import WorkOrder
from domain.masterdata import cleanup
from domain.masterdata.duplicates import Candidate
from domain.masterdata.kinds import ImportKind as DomainImportKind
from domain.masterdata.report import ImportReport as DomainReport

# Registered in place: the domain enum itself is the GraphQL enum `ImportKind`.
ImportKind = DomainImportKind
strawberry.enum(DomainImportKind, name="ImportKind", description="What an import file holds.")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@strawberry.enum(description="What can be exported: every import kind, and a stock report.")
class ExportKind(Enum):
    LOCATIONS = "locations"
    USERS = "users"
    SUPPLIERS = "suppliers"
    PARTS = "parts"
    SUPPLIER_PARTS = "supplier_parts"
    STOCK_POLICIES = "stock_policies"
    SYNONYMS = "synonyms"
    DMS_PART_MAP = "dms_part_map"
    PRICES = "prices"
    OPENING_STOCK = "opening_stock"
    DEMAND_HISTORY = "demand_history"
    STOCK = "stock"


@strawberry.enum
class FileFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"


@strawberry.type(description="A file to download, base64-encoded.")
class FileDownload:
    file_name: str
    content_type: str
    content_base64: str
    size: int

    @classmethod
    def of(cls, file_name: str, content_type: str, data: bytes) -> FileDownload:
        return cls(
            file_name=file_name,
            content_type=content_type,
            content_base64=base64.b64encode(data).decode("ascii"),
            size=len(data),
        )


@strawberry.type(description="One problem in an import file: sheet row (header = 1) and column.")
class ImportRowError:
    row: int | None
    column: str | None
    value: str | None
    message: str
    kind: str


@strawberry.type(description="The outcome of an import: nothing is written unless `applied`.")
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool
    partial: bool
    rows_total: int
    rows_rejected: int
    rows_applied: int
    applied: bool
    control_total: Decimal | None
    computed_total: Decimal | None
    batch_id: int | None
    summary: JSON
    notes: list[str]
    error_count: int
    truncated: bool
    errors: list[ImportRowError] = strawberry.field(description="The first 500 errors (all are in annotatedFile).")
    annotated_file: FileDownload | None = strawberry.field(
        description="The uploaded sheet with every offending cell marked red and commented."
    )

    @classmethod
    def from_domain(cls, report: DomainReport, annotated: FileDownload | None) -> ImportReport:
        return cls(
            kind=report.kind,
            file_name=report.file_name,
            dry_run=report.dry_run,
            partial=report.partial,
            rows_total=report.rows_total,
            rows_rejected=report.rows_rejected,
            rows_applied=report.rows_applied,
            applied=report.applied,
            control_total=report.control_total,
            computed_total=report.computed_total,
            batch_id=report.batch_id,
            summary=JSON(report.summary),
            notes=report.notes,
            error_count=report.error_count,
            truncated=report.truncated,
            errors=[
                ImportRowError(row=e.row, column=e.column, value=e.value, message=e.message, kind=e.kind.value)
                for e in report.errors[:500]
            ],
            annotated_file=annotated,
        )


@strawberry.input(description="Upload a file (multipart request) of one kind; admins and HQ operations only.")
class ImportDataInput:
    kind: ImportKind
    file: Upload
    dry_run: bool = False
    partial: bool = strawberry.field(default=False, description="Apply the valid rows and skip the bad ones.")
    control_total: Decimal | None = strawberry.field(
        default=None, description="Opening stock: finance's total value in CNY; nothing is posted unless equal."
    )
    sheet: str | None = None


@strawberry.type
class ImportDataPayload:
    report: ImportReport | None
    errors: list[UserError]


@strawberry.type
class DuplicatePart:
    code: str
    name_zh: str
    name_en: str
    barcode: str | None


@strawberry.type(description="Two parts that are probably the same thing.")
class DuplicateCandidate:
    a: DuplicatePart
    b: DuplicatePart
    score: float
    reasons: list[str]

    @classmethod
    def from_domain(cls, c: Candidate) -> DuplicateCandidate:
        def part(p):  # type: ignore[no-untyped-def]
            return DuplicatePart(code=p.code, name_zh=p.name_zh, name_en=p.name_en, barcode=p.barcode)

        return cls(a=part(c.a), b=part(c.b), score=round(c.score, 3), reasons=c.reasons)


@strawberry.type(description="An active code with no stock and no movement for the asked period.")
class ZombiePart:
    code: str
    name_zh: str
    name_en: str
    created_at: datetime
    last_move_at: datetime | None

    @classmethod
    def from_domain(cls, z: cleanup.Zombie) -> ZombiePart:
        return cls(
            code=z.code, name_zh=z.name_zh, name_en=z.name_en, created_at=z.created_at, last_move_at=z.last_move_at
        )


@strawberry.type
class PartCompletenessItem:
    code: str
    name_zh: str
    category: str
    abc_class: str | None
    missing: list[str]
    score: float


@strawberry.type(description="How complete the master data of active parts is.")
class CompletenessReport:
    parts: int
    complete: int
    missing_photo: int
    missing_manual: int
    missing_price: int
    missing_supplier: int
    missing_safety_stock: int
    items: list[PartCompletenessItem]


@strawberry.input
class MergePartsInput:
    duplicate_code: str
    survivor_code: str
    reason: str | None = None


@strawberry.type(description="A duplicate folded into its survivor; its stock moved through the ledger.")
class PartMergeResult:
    merge_id: int
    duplicate_code: str
    survivor_code: str
    moved_lines: int
    moved_value: Decimal
    repointed: JSON


@strawberry.type
class MergePartsPayload:
    merge: PartMergeResult | None
    errors: list[UserError]


@strawberry.input(description="Retire zombie codes (only those still without stock or movement).")
class RetirePartsInput:
    codes: list[str]
    months: int = 12


@strawberry.type
class RetirePartsPayload:
    retired: list[str]
    errors: list[UserError]


@strawberry.input
class DmsVehicleInput:
    vin: str
    make: str
    model: str
    year: int | None = None


@strawberry.input(description="A DMS part number (mapped through dms_part_map) or an IMS part code.")
class DmsLineInput:
    quantity: Decimal
    dms_part_no: str | None = None
    part_code: str | None = None


@strawberry.input(description="A repair order as the DMS sends it; idempotent on externalId.")
class ReceiveDmsWorkOrderInput:
    external_id: str
    store_code: str
    vehicle: DmsVehicleInput
    fault_description: str
    lines: list[DmsLineInput]


@strawberry.type
class ReceiveDmsWorkOrderPayload:
    work_order: WorkOrder | None
    replayed: bool
    errors: list[UserError]


@strawberry.type(description="An event the ERP never accepted (after every retry).")
class ErpDeadLetter:
    event_id: int
    topic: str
    attempts: int
    last_error: str | None
    response_status: int | None
    created_at: datetime


@strawberry.input
class RetryErpDeliveriesInput:
    event_ids: list[int] | None = strawberry.field(default=None, description="None = every dead delivery.")


@strawberry.type
class RetryErpDeliveriesPayload:
    requeued: int
    errors: list[UserError]
