"""The supplier's scorecard: on-time rate, fill rate, rejects and lead time over the last twelve
months, how its proposals fared, and a month-by-month chart (domain.vmi.scorecard)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from domain.identity.policy import Permission
from domain.purchasing.performance import SupplierMonth
from domain.vmi import scorecard
from portal.web import NotFound, Page, view


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * 100


def _level(rate: Decimal | None, good: Decimal, fair: Decimal) -> str:
    if rate is None:
        return "none"
    return "ok" if rate >= good else "warn" if rate >= fair else "danger"


def month_bars(months: list[SupplierMonth]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """On-time and fill rate per month, in percent (months without deliveries show no bar)."""
    on_time = [
        {
            "label": m.month.strftime("%Y-%m"),
            "value": _percent(m.on_time_rate),
            "level": _level(m.on_time_rate, Decimal("0.95"), Decimal("0.85")),
        }
        for m in months
    ]
    fill = [
        {
            "label": m.month.strftime("%Y-%m"),
            "value": _percent(m.fill_rate),
            "level": _level(m.fill_rate, Decimal("0.98"), Decimal("0.9")),
        }
        for m in months
    ]
    return on_time, fill


@view(permission=Permission.PURCHASING_READ)
async def page_(page: Page) -> Response:
    async with page.read() as session:
        card = await scorecard.supplier_scorecard(session, page.principal)
    if card is None:
        raise NotFound()
    on_time, fill = month_bars(card.months)
    return page.render("supplier/scorecard.html", card=card, on_time=on_time, fill=fill)
