"""A supplier's scorecard over a period: the delivery figures purchasing measures month by month
(on-time rate, fill rate, reject rate, lead time — domain.purchasing.performance, summed over the
months of the period) and how its VMI proposals fared (approved automatically within the
agreement's bounds, by a buyer, rejected), plus its ship notices that are late right now.

Months are whole calendar months: `start` and `end` pick the months they fall in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today, day_start
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.purchasing.performance import SupplierMonth, supplier_performance
from domain.purchasing.policy import PurchasingSettings, ensure_reader

ZERO = Decimal(0)


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


@dataclass(frozen=True)
class Scorecard:
    supplier_id: int
    start: date  # first day of the first month
    end: date  # first day of the last month
    deliveries: int
    on_time_deliveries: int
    ordered_qty: Decimal
    filled_qty: Decimal
    inspected_qty: Decimal
    rejected_qty: Decimal
    avg_lead_time_days: Decimal | None
    proposals_submitted: int
    proposals_auto_approved: int
    proposals_buyer_approved: int
    proposals_rejected: int
    late_open_notices: int
    months: list[SupplierMonth]

    @property
    def on_time_rate(self) -> Decimal | None:
        return _ratio(Decimal(self.on_time_deliveries), Decimal(self.deliveries))

    @property
    def fill_rate(self) -> Decimal | None:
        return _ratio(self.filled_qty, self.ordered_qty)

    @property
    def reject_rate(self) -> Decimal | None:
        return _ratio(self.rejected_qty, self.inspected_qty)

    @property
    def auto_approval_rate(self) -> Decimal | None:
        decided = self.proposals_auto_approved + self.proposals_buyer_approved + self.proposals_rejected
        return _ratio(Decimal(self.proposals_auto_approved), Decimal(decided))


_PROPOSALS = text(
    """
    SELECT count(*) FILTER (WHERE submitted_at IS NOT NULL) AS submitted,
           count(*) FILTER (WHERE approval = 'automatic' AND status IN ('approved', 'ordered')) AS auto,
           count(*) FILTER (WHERE approval = 'buyer' AND status IN ('approved', 'ordered')) AS buyer,
           count(*) FILTER (WHERE status = 'rejected') AS rejected
      FROM vmi_proposal
     WHERE supplier_id = :s AND submitted_at >= :start AND submitted_at < :end
    """
)
_LATE = text(
    """
    SELECT count(*) FROM ship_notice
     WHERE supplier_id = :s AND status = 'open' AND expected_arrival < :today
    """
)


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def supplier_scorecard(
    session: AsyncSession,
    principal: Principal,
    *,
    supplier_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    settings: PurchasingSettings | None = None,
) -> Scorecard | None:
    """The scorecard of one supplier (a supplier principal: always its own; asking for another
    answers None, like a supplier that does not exist). Default period: the last 12 months."""
    if principal.supplier_id is not None:
        if supplier_id is not None and supplier_id != principal.supplier_id:
            return None
        supplier_id = principal.supplier_id
    if supplier_id is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "which supplier?", ["supplierCode"])
    ensure_reader(principal, supplier_id)
    today = business_today()
    last = _month(end or today)
    first = _month(start) if start else _next_month(date(last.year - 1, last.month, 1))
    if first > last:
        raise DomainError(ErrorCode.INVALID_INPUT, "the period starts after it ends", ["from"])
    months = await supplier_performance(
        session, principal, supplier_id=supplier_id, from_month=first, to_month=last, settings=settings
    )
    counts = (
        await session.execute(
            _PROPOSALS, {"s": supplier_id, "start": day_start(first), "end": day_start(_next_month(last))}
        )
    ).one()
    late = (await session.execute(_LATE, {"s": supplier_id, "today": today})).scalar_one()
    deliveries = sum(m.deliveries for m in months)
    lead_weighted = sum((m.avg_lead_time_days * m.deliveries for m in months if m.avg_lead_time_days is not None), ZERO)
    lead_deliveries = sum(m.deliveries for m in months if m.avg_lead_time_days is not None)
    return Scorecard(
        supplier_id=supplier_id,
        start=first,
        end=last,
        deliveries=deliveries,
        on_time_deliveries=sum(m.on_time_deliveries for m in months),
        ordered_qty=sum((m.ordered_qty for m in months), ZERO),
        filled_qty=sum((m.filled_qty for m in months), ZERO),
        inspected_qty=sum((m.inspected_qty for m in months), ZERO),
        rejected_qty=sum((m.rejected_qty for m in months), ZERO),
        avg_lead_time_days=(lead_weighted / lead_deliveries).quantize(Decimal("0.01")) if lead_deliveries else None,
        proposals_submitted=counts.submitted,
        proposals_auto_approved=counts.auto,
        proposals_buyer_approved=counts.buyer,
        proposals_rejected=counts.rejected,
        late_open_notices=int(late),
        months=months,
    )
