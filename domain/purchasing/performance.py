"""Supplier performance per month, measured from what actually happened at the dock.

Definitions (docs/purchasing.md has the long form):
- a *delivery* is one order line received on one day (several scans that day are one delivery);
  it is on time when received no later than the promised date + the grace days;
- lead time of a delivery = receipt date − the date the order was sent; promised lead time =
  promised date − sent date;
- fill rate (month of the promised date) = Σ min(accepted, ordered) / Σ ordered over lines that
  are due (promised date + grace passed) or complete, of orders that were sent;
- quality reject rate (month of receipt) = rejected / inspected quantity.

`lead_time_history` feeds planning with per-supplier mean and standard deviation of lead time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.principal import Principal
from domain.purchasing.policy import PurchasingSettings, ensure_reader, get_purchasing_settings


@dataclass(frozen=True)
class SupplierMonth:
    supplier_id: int
    month: date  # first day of the month
    deliveries: int
    on_time_deliveries: int
    ordered_qty: Decimal
    filled_qty: Decimal
    inspected_qty: Decimal
    rejected_qty: Decimal
    avg_lead_time_days: Decimal | None
    avg_promised_lead_time_days: Decimal | None

    @property
    def on_time_rate(self) -> Decimal | None:
        return _ratio(Decimal(self.on_time_deliveries), Decimal(self.deliveries))

    @property
    def fill_rate(self) -> Decimal | None:
        return _ratio(self.filled_qty, self.ordered_qty)

    @property
    def reject_rate(self) -> Decimal | None:
        return _ratio(self.rejected_qty, self.inspected_qty)


@dataclass(frozen=True)
class LeadTimeStats:
    supplier_id: int
    samples: int
    mean_days: float
    std_days: float | None  # None below two samples


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


_DELIVERIES = """
    SELECT o.supplier_id, r.po_line_id, r.received_on,
           bool_and(r.received_on <= l.promised_date + CAST(:grace AS int)) AS on_time,
           (r.received_on - o.sent_at::date) AS lead_days,
           (l.promised_date - o.sent_at::date) AS promised_days
      FROM receipt_line r
      JOIN purchase_order_line l ON l.id = r.po_line_id
      JOIN purchase_order o ON o.id = l.purchase_order_id
     WHERE (CAST(:supplier AS int) IS NULL OR o.supplier_id = CAST(:supplier AS int)) AND o.sent_at IS NOT NULL
     GROUP BY o.supplier_id, r.po_line_id, r.received_on, l.promised_date, o.sent_at
"""

_PERFORMANCE = text(
    f"""
    WITH deliveries AS ({_DELIVERIES}),
    d AS (
        SELECT supplier_id, date_trunc('month', received_on)::date AS month, count(*) AS deliveries,
               count(*) FILTER (WHERE on_time) AS on_time, avg(lead_days) AS lead, avg(promised_days) AS promised
          FROM deliveries GROUP BY 1, 2
    ), q AS (
        SELECT o.supplier_id, date_trunc('month', r.received_on)::date AS month,
               sum(r.accepted_qty + r.rejected_qty) AS inspected, sum(r.rejected_qty) AS rejected
          FROM receipt_line r
          JOIN purchase_order_line l ON l.id = r.po_line_id
          JOIN purchase_order o ON o.id = l.purchase_order_id
         WHERE CAST(:supplier AS int) IS NULL OR o.supplier_id = CAST(:supplier AS int)
         GROUP BY 1, 2
    ), f AS (
        SELECT o.supplier_id, date_trunc('month', l.promised_date)::date AS month, sum(l.quantity) AS ordered,
               sum(least(greatest(l.received_qty - l.rejected_qty, 0), l.quantity)) AS filled
          FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id
         WHERE (CAST(:supplier AS int) IS NULL OR o.supplier_id = CAST(:supplier AS int))
           AND o.status IN ('sent', 'partially_received', 'received', 'closed')
           AND (l.promised_date + CAST(:grace AS int) < current_date OR l.closed
                OR l.received_qty - l.rejected_qty >= l.quantity)
         GROUP BY 1, 2
    )
    SELECT supplier_id, month, coalesce(d.deliveries, 0) AS deliveries, coalesce(d.on_time, 0) AS on_time,
           coalesce(f.ordered, 0) AS ordered, coalesce(f.filled, 0) AS filled,
           coalesce(q.inspected, 0) AS inspected, coalesce(q.rejected, 0) AS rejected,
           round(d.lead, 2) AS lead, round(d.promised, 2) AS promised
      FROM d FULL JOIN q USING (supplier_id, month) FULL JOIN f USING (supplier_id, month)
     WHERE (CAST(:from_month AS date) IS NULL OR month >= CAST(:from_month AS date))
       AND (CAST(:to_month AS date) IS NULL OR month <= CAST(:to_month AS date))
     ORDER BY supplier_id, month
    """
)

_LEAD_TIMES = text(
    f"""
    WITH deliveries AS ({_DELIVERIES})
    SELECT supplier_id, count(*) AS n, avg(lead_days)::float AS mean, stddev_samp(lead_days)::float AS std
      FROM deliveries GROUP BY supplier_id ORDER BY supplier_id
    """
)


async def supplier_performance(
    session: AsyncSession,
    principal: Principal,
    *,
    supplier_id: int | None = None,
    from_month: date | None = None,
    to_month: date | None = None,
    settings: PurchasingSettings | None = None,
) -> list[SupplierMonth]:
    """Per supplier and month; a supplier principal sees only itself."""
    settings = settings or get_purchasing_settings()
    if principal.supplier_id is not None:
        supplier_id = supplier_id or principal.supplier_id
    ensure_reader(principal, supplier_id)
    rows = await session.execute(
        _PERFORMANCE,
        {
            "supplier": supplier_id,
            "grace": settings.on_time_grace_days,
            "from_month": from_month.replace(day=1) if from_month else None,
            "to_month": to_month.replace(day=1) if to_month else None,
        },
    )
    return [
        SupplierMonth(
            supplier_id=row.supplier_id,
            month=row.month,
            deliveries=row.deliveries,
            on_time_deliveries=row.on_time,
            ordered_qty=row.ordered,
            filled_qty=row.filled,
            inspected_qty=row.inspected,
            rejected_qty=row.rejected,
            avg_lead_time_days=row.lead,
            avg_promised_lead_time_days=row.promised,
        )
        for row in rows
    ]


async def lead_time_history(
    session: AsyncSession, supplier_id: int | None = None, settings: PurchasingSettings | None = None
) -> dict[int, LeadTimeStats]:
    """Observed lead times (days from sending the order to each delivery) per supplier, for planning."""
    settings = settings or get_purchasing_settings()
    rows = await session.execute(_LEAD_TIMES, {"supplier": supplier_id, "grace": settings.on_time_grace_days})
    return {
        row.supplier_id: LeadTimeStats(supplier_id=row.supplier_id, samples=row.n, mean_days=row.mean, std_days=row.std)
        for row in rows
    }
