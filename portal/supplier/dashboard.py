"""The supplier's start page: the shared stock of its VMI agreements (on hand, in transit, on
order, consumption over 30 and 90 days, forecast, days of cover), a days-of-cover chart, and the
alerts that need it — parts below their minimum, late deliveries, statements to answer or in
dispute. Every figure comes from the domain services with the supplier's principal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from domain.identity.policy import Permission, can
from domain.vmi import deliveries, shared_stock
from domain.vmi.deliveries import DeliveryTimeline
from domain.vmi.levels import StockStatus
from domain.vmi.shared_stock import SharedStock
from domain.vmi.statements import queries as statements
from domain.vmi.statements.models import Statement, StatementStatus
from portal.supplier.common import Names, names
from portal.web import Page, _, view

MAX_ALERTS = 50
_LEVEL = {StockStatus.BELOW_MIN: "danger", StockStatus.ABOVE_MAX: "warn", StockStatus.OK: "ok"}


@dataclass(frozen=True)
class Alerts:
    below_min: list[SharedStock]
    late: list[DeliveryTimeline]
    disputed: list[Statement]
    to_answer: list[Statement]

    @property
    def count(self) -> int:
        return len(self.below_min) + len(self.late) + len(self.disputed) + len(self.to_answer)


def cover_chart(stock: list[SharedStock], labels: Names) -> list[dict[str, Any]]:
    """Bars of days of cover per agreement, coloured by the stock status against its levels."""
    items = []
    for s in stock:
        note = None
        if s.daily_rate > 0:
            note = _("min {days} d", days=_days(s.min_qty / s.daily_rate))
        elif s.days_of_cover is None:
            note = _("no demand")
        items.append(
            {
                "label": f"{labels.part(s.part_id)} · {labels.site(s.location_id)}",
                "value": s.days_of_cover,
                "level": _LEVEL[s.status],
                "href": f"#agreement-{s.agreement_id}",
                "note": note,
            }
        )
    return items


def _days(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")).normalize(), "f")


@view
async def home(page: Page) -> Response:
    principal = page.principal
    async with page.read() as session:
        stock = await shared_stock.shared_stock(session, principal)
        labels = await names(session, principal, [s.part_id for s in stock], [s.location_id for s in stock])
        late: list[DeliveryTimeline] = []
        if can(principal, Permission.ASN_SUBMIT):
            late, _more = await deliveries.list_delivery_timelines(
                session, principal, statuses=["open"], late_only=True, first=MAX_ALERTS
            )
        disputed: list[Statement] = []
        to_answer: list[Statement] = []
        if can(principal, Permission.STATEMENTS_READ):
            flt = statements.StatementFilter(statuses=[StatementStatus.DISPUTED.value])
            disputed = (await statements.list_statements(session, principal, flt, first=MAX_ALERTS)).items
            flt = statements.StatementFilter(statuses=[StatementStatus.ISSUED.value])
            to_answer = (await statements.list_statements(session, principal, flt, first=MAX_ALERTS)).items
    alerts = Alerts([s for s in stock if s.status is StockStatus.BELOW_MIN], late, disputed, to_answer)
    return page.render(
        "supplier/dashboard.html",
        stock=stock,
        names=labels,
        chart=cover_chart(stock, labels),
        alerts=alerts,
        can_propose=can(principal, Permission.VMI),
    )
