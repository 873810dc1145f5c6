"""GraphQL types of analytics."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from api.graphql.errors import UserError
from domain.analytics import kpis
from domain.analytics.reports import ReportParams as DomainReportParams
from domain.analytics.reports import ReportTable


@strawberry.enum(description="Direction of a KPI against the previous period.")
class Trend(Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    UNKNOWN = "unknown"


@strawberry.type(description="A KPI now and in the previous period of the same length.")
class Kpi:
    value: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    change_pct: Decimal | None = strawberry.field(description="Change in percent of the previous value.")
    unit: str = strawberry.field(description="CNY, count, ratio (0..1) or per_year.")
    trend: Trend

    @classmethod
    def of(cls, k: kpis.Kpi) -> Kpi:
        return cls(
            value=k.value,
            previous=k.previous,
            change=k.change,
            change_pct=k.change_pct,
            unit=k.unit,
            trend=Trend(k.trend),
        )


@strawberry.type(description="Work waiting for a decision; null where that module is not installed.")
class PendingTasks:
    suggestions: int | None = strawberry.field(description="Open replenishment suggestions.")
    transfer_approvals: int | None
    count_variances: int | None = strawberry.field(description="Count variances awaiting review or approval.")
    total: Kpi


@strawberry.type(description="Headline KPIs of the sites in your scope (docs/analytics.md has the definitions).")
class Dashboard:
    as_of: datetime
    period_days: int
    site_count: int
    refreshed_at: datetime | None = strawberry.field(
        description="When the stock-state figures were computed (a job refreshes them every 5 minutes)."
    )
    inventory_value: Kpi
    turnover: Kpi = strawberry.field(description="Annualised cost of goods issued ÷ average inventory value.")
    fill_rate: Kpi = strawberry.field(description="Demand lines served in full from stock at the first request.")
    stockout_skus: Kpi
    dead_stock_skus: Kpi
    dead_stock_value: Kpi
    receipts_today: Kpi = strawberry.field(description="Today so far against yesterday up to the same time.")
    receipts_today_value: Kpi
    issues_today: Kpi
    issues_today_value: Kpi
    count_completion: Kpi
    inventory_accuracy: Kpi
    pending_tasks: PendingTasks

    @classmethod
    def of(cls, d: kpis.Dashboard) -> Dashboard:
        return cls(
            as_of=d.as_of,
            period_days=d.period_days,
            site_count=len(d.site_ids),
            refreshed_at=d.refreshed_at,
            inventory_value=Kpi.of(d.inventory_value),
            turnover=Kpi.of(d.turnover),
            fill_rate=Kpi.of(d.fill_rate),
            stockout_skus=Kpi.of(d.stockout_skus),
            dead_stock_skus=Kpi.of(d.dead_stock_skus),
            dead_stock_value=Kpi.of(d.dead_stock_value),
            receipts_today=Kpi.of(d.receipts_today),
            receipts_today_value=Kpi.of(d.receipts_today_value),
            issues_today=Kpi.of(d.issues_today),
            issues_today_value=Kpi.of(d.issues_today_value),
            count_completion=Kpi.of(d.count_completion),
            inventory_accuracy=Kpi.of(d.inventory_accuracy),
            pending_tasks=PendingTasks(
                suggestions=d.pending.suggestions,
                transfer_approvals=d.pending.transfer_approvals,
                count_variances=d.pending.count_variances,
                total=Kpi.of(d.pending.total),
            ),
        )


@strawberry.enum
class ReportName(Enum):
    ABC_XYZ = "abc_xyz"
    VEHICLE_MODEL = "vehicle_model"
    SUPPLIER = "supplier"
    STOCK_AGING = "stock_aging"
    TURNOVER_OUTLIERS = "turnover_outliers"
    STOCKOUT_HISTORY = "stockout_history"
    DEAD_STOCK = "dead_stock"
    COUNT_VARIANCE_CAUSES = "count_variance_causes"
    SUPPLIER_PERFORMANCE = "supplier_performance"


@strawberry.enum
class ColumnKind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"


@strawberry.input(description="Report parameters; each report uses the ones that concern it.")
class ReportParams:
    location_code: str | None = strawberry.field(default=None, description="Narrow to a region or site.")
    months: int = strawberry.field(default=12, description="Consumption window (ABC/XYZ, turnover).")
    days: int | None = strawberry.field(default=None, description="History window (stockouts, variances).")
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.95")
    x_cv: Decimal = Decimal("0.5")
    y_cv: Decimal = Decimal("1.0")
    target_turnover: Decimal | None = None
    dead_days: int | None = None

    def to_domain(self) -> DomainReportParams:
        return DomainReportParams(
            location_code=self.location_code,
            months=self.months,
            days=self.days,
            a_share=self.a_share,
            b_share=self.b_share,
            x_cv=self.x_cv,
            y_cv=self.y_cv,
            target_turnover=self.target_turnover,
            dead_days=self.dead_days,
        )


@strawberry.type
class ReportColumn:
    key: str
    title: str
    title_zh: str
    kind: ColumnKind


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@strawberry.type(description="A report as a table: cells are strings (decimals exact, dates ISO, percent as ratio).")
class Report:
    name: ReportName
    title: str
    title_zh: str
    generated_at: datetime
    columns: list[ReportColumn]
    rows: list[list[str | None]]
    total_rows: int
    notes: list[str]

    @classmethod
    def of(cls, table: ReportTable, offset: int, limit: int) -> Report:
        return cls(
            name=ReportName(table.name),
            title=table.title,
            title_zh=table.title_zh,
            generated_at=table.generated_at,
            columns=[
                ReportColumn(key=c.key, title=c.title, title_zh=c.title_zh, kind=ColumnKind(c.kind.value))
                for c in table.columns
            ],
            rows=[[cell_text(v) for v in row] for row in table.rows[offset : offset + limit]],
            total_rows=len(table.rows),
            notes=table.notes,
        )


@strawberry.enum
class ExportFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"


@strawberry.input
class ExportReportInput:
    name: ReportName
    format: ExportFormat = ExportFormat.XLSX
    params: ReportParams | None = None


@strawberry.type(description="A signed download link, valid for a few minutes; GET it without other credentials.")
class ExportReportPayload:
    url: str | None
    filename: str | None
    expires_at: datetime | None
    errors: list[UserError]


@strawberry.input
class ClassifyPartsInput:
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.95")
    x_cv: Decimal = Decimal("0.5")
    y_cv: Decimal = Decimal("1.0")
    months: int = 12


@strawberry.type
class ClassCount:
    abc_class: str
    parts: int


@strawberry.type
class ClassifyPartsPayload:
    changed: int
    manual_kept: int = strawberry.field(description="Parts whose class is set by hand (left as they are).")
    counts: list[ClassCount]
    errors: list[UserError]
