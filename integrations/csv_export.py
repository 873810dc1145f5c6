"""A report (domain.analytics.reports.ReportTable) as CSV: UTF-8 with a byte-order mark (Excel
then opens Chinese text correctly), a header of column keys and exact values — decimals as
written, percentages as ratios (0.25), dates ISO — so the file is easy to load elsewhere."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.analytics.reports import ReportTable

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def report_csv(table: ReportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
