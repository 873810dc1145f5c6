"""Reports: each is a function (session, principal, params) → ReportTable, a typed table that
GraphQL shows and the Excel/CSV writers export unchanged (integrations/excel, csv_export), so a
figure is computed in one place whatever the format.

Scope: rows cover only sites wholly within the viewer's scope (domain.analytics.policy)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.abc_xyz import Cutoffs
from domain.analytics.policy import ensure_reader
from domain.analytics.settings import business_now
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal


class ColumnKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    PERCENT = "percent"  # a ratio: 0.25 means 25 %
    DATE = "date"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    title_zh: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass
class ReportTable:
    name: str
    title: str
    title_zh: str
    columns: list[Column]
    rows: list[list[Any]]
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    generated_at: datetime = field(default_factory=business_now)


@dataclass(frozen=True)
class ReportParams:
    location_code: str | None = None
    # Consumption window in months (ABC/XYZ, turnover) and history window in days.
    months: int = 12
    days: int | None = None
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.95")
    x_cv: Decimal = Decimal("0.5")
    y_cv: Decimal = Decimal("1.0")
    target_turnover: Decimal | None = None
    dead_days: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.months <= 36:
            raise DomainError(ErrorCode.INVALID_INPUT, "months must be 1 to 36", ["months"])
        if self.days is not None and not 1 <= self.days <= 1095:
            raise DomainError(ErrorCode.INVALID_INPUT, "days must be 1 to 1095", ["days"])
        if self.dead_days is not None and not 30 <= self.dead_days <= 1095:
            raise DomainError(ErrorCode.INVALID_INPUT, "deadDays must be 30 to 1095", ["deadDays"])
        if self.target_turnover is not None and not Decimal(0) < self.target_turnover <= Decimal(365):
            raise DomainError(ErrorCode.INVALID_INPUT, "targetTurnover must be above 0", ["targetTurnover"])

    @property
    def cutoffs(self) -> Cutoffs:
        return Cutoffs(self.a_share, self.b_share, self.x_cv, self.y_cv)

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportParams:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("a_share", "b_share", "x_cv", "y_cv", "target_turnover"):
            if known.get(key) is not None:
                known[key] = Decimal(str(known[key]))
        return cls(**known)


ReportFn = Callable[[AsyncSession, Principal, ReportParams], Awaitable[ReportTable]]


def _registry() -> dict[str, ReportFn]:
    from domain.analytics.reports import classification, history, stock

    return {
        "abc_xyz": classification.abc_xyz_report,
        "vehicle_model": stock.by_vehicle_model,
        "supplier": stock.by_supplier,
        "stock_aging": stock.stock_aging,
        "turnover_outliers": classification.turnover_outliers,
        "stockout_history": history.stockout_history,
        "dead_stock": stock.dead_stock,
        "count_variance_causes": history.count_variance_causes,
        "supplier_performance": history.supplier_performance,
    }


REPORT_NAMES = (
    "abc_xyz",
    "vehicle_model",
    "supplier",
    "stock_aging",
    "turnover_outliers",
    "stockout_history",
    "dead_stock",
    "count_variance_causes",
    "supplier_performance",
)


async def run_report(session: AsyncSession, principal: Principal, name: str, params: ReportParams) -> ReportTable:
    ensure_reader(principal)
    fn = _registry().get(name)
    if fn is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no report {name!r}", ["name"])
    table = await fn(session, principal, params)
    table.params = params.as_dict()
    return table
