"""What the console pages share: the current site, ids and numbers from forms, the names of parts and
sites, partial templates for scan answers, and scan errors shown the way the foundation shows them."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from domain.catalog import service as catalog
from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission
from domain.org import service as org
from domain.org.models import Location
from domain.principal import Principal
from domain.quantities import tidy
from portal.console import sites
from portal.web import NotFound, Page, _, i18n, view
from portal.web.templating import render_string

MAX_ID = 2**31 - 1  # id columns are PostgreSQL integers (or bigints we never hand out that high)
NOT_FOUND_CODES = {
    ErrorCode.NOT_FOUND,
    ErrorCode.UNKNOWN_PART,
    ErrorCode.UNKNOWN_LOCATION,
    ErrorCode.UNKNOWN_LOT,
    ErrorCode.UNKNOWN_SUPPLIER,
}

SiteView = Callable[[Page, Location], Awaitable[Response]]


def site_view(permission: Permission | None = None) -> Callable[[SiteView], Any]:
    """A console page that works at the user's current site (store or warehouse). Without one
    (several sites in scope and none chosen yet) the user is sent to the site picker first."""

    def wrap(fn: SiteView) -> Any:
        @functools.wraps(fn)
        async def inner(page: Page) -> Response:
            async with page.read() as session:
                site = await sites.current_site(page, session)
            if site is None:
                return page.redirect("/sites")
            return await fn(page, site)

        return view(inner, permission=permission)

    return wrap


def object_id(page: Page, name: str = "id") -> int:
    """The path's numeric id; anything else names nothing (404)."""
    value = page.params.get(name)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def quantity_of(raw: str, field: str = "quantity", default: str | None = None) -> Decimal:
    """A number typed on a phone (grouping commas ignored); the domain checks the rest."""
    text = (raw or "").strip().replace(",", "") or (default or "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "enter a number", [field]) from None
    if not value.is_finite():
        raise DomainError(ErrorCode.INVALID_QUANTITY, "enter a number", [field])
    return value


def qty_text(value: Decimal | None) -> str:
    """A quantity for a message: 5, 2.5 (no storage padding, no exponent)."""
    return "" if value is None else f"{tidy(value):f}"


def optional_quantity(raw: str, field: str = "quantity") -> Decimal | None:
    return quantity_of(raw, field) if (raw or "").strip() else None


# What each kind of refusal means, in the user's language (the domain's detail is in English).
CODE_TEXT = {
    ErrorCode.INSUFFICIENT_STOCK: "Not enough stock",
    ErrorCode.DISCOUNT_LIMIT_EXCEEDED: "Discount over your limit",
    ErrorCode.CREDIT_LIMIT_EXCEEDED: "Over the account's credit limit",
    ErrorCode.RETURN_WINDOW_EXPIRED: "The return window has ended",
    ErrorCode.INVALID_QUANTITY: "Check the quantity",
    ErrorCode.INVALID_LOCATION: "Wrong location",
    ErrorCode.INVALID_INPUT: "Check the input",
    ErrorCode.INVALID_STATE: "Not possible now",
    ErrorCode.LOCATION_FROZEN: "The location is frozen by a count",
    ErrorCode.CAPACITY_EXCEEDED: "The bin is full",
    ErrorCode.IDEMPOTENCY_CONFLICT: "This scan was already used for something else",
    ErrorCode.UNKNOWN_PART: "Unknown part",
    ErrorCode.UNKNOWN_LOCATION: "Unknown location",
    ErrorCode.NOT_FOUND: "Not found",
    ErrorCode.WRONG_ITEM: "Wrong item",
    ErrorCode.CONFLICT: "Changed meanwhile: try again",
}


def message_of(error: DomainError) -> str:
    """Every distinct message of a (multi-)error; in Chinese led by what the refusal means."""
    errors = getattr(error, "errors", None) or [error]
    details = " · ".join(dict.fromkeys(_(item.message) for item in errors))
    headline = CODE_TEXT.get(error.code)
    if headline and i18n.current_language() != i18n.EN:
        return f"{_(headline)}：{details}"
    return details


def status_of(error: DomainError) -> int:
    if error.code in NOT_FOUND_CODES:
        return 404
    if error.code is ErrorCode.FORBIDDEN:
        return 403
    return 400


def scan_error(page: Page, error: DomainError, back: str, html: str | None = None) -> Response:
    """A refused scan: red status, error tone, nothing written (the transaction rolled back).
    Without JavaScript the form's page (`back`) is shown again with the message."""
    status = status_of(error)
    if status == 404:
        message = _("Not found: {what}", what=message_of(error))
    elif status == 403:
        message = _("You do not have access to this page.")
    else:
        message = message_of(error)
    return page.scan_result(False, message, html=html, status=status, redirect=None if page.is_scan else back)


def partial(page: Page, template: str, **context: Any) -> str:
    """A piece of a page, rendered for scan.js to swap into `[data-scan-result]`."""
    return render_string(template, page.context(**context))


def part_name(part: Part | None, lang: str) -> str:
    if part is None:
        return ""
    return part.name_en if lang == "en" and part.name_en else part.name_zh


def location_name(location: Location | None, lang: str) -> str:
    if location is None:
        return ""
    return location.name_en if lang == "en" and location.name_en else location.name_zh


@dataclass(frozen=True)
class Names:
    """Parts and locations by id, for labels on a page the domain already filtered."""

    parts: dict[int, Part]
    locations: dict[int, Location]
    lang: str

    def part(self, part_id: int | None) -> str:
        found = self.parts.get(part_id) if part_id is not None else None
        return found.code if found else ("" if part_id is None else f"#{part_id}")

    def part_name(self, part_id: int | None) -> str:
        return part_name(self.parts.get(part_id) if part_id is not None else None, self.lang)

    def part_row(self, part_id: int | None) -> Part | None:
        return self.parts.get(part_id) if part_id is not None else None

    def loc(self, location_id: int | None) -> str:
        found = self.locations.get(location_id) if location_id is not None else None
        return found.code if found else ("" if location_id is None else f"#{location_id}")

    def loc_name(self, location_id: int | None) -> str:
        return location_name(self.locations.get(location_id) if location_id is not None else None, self.lang)


async def names(
    session: AsyncSession, principal: Principal, lang: str, part_ids: Iterable[int], location_ids: Iterable[int] = ()
) -> Names:
    wanted_parts = sorted({p for p in part_ids if p is not None})
    wanted_locations = sorted({x for x in location_ids if x is not None})
    parts = await catalog.parts_by_ids(session, wanted_parts, principal) if wanted_parts else {}
    locations = await org.locations_by_ids(session, wanted_locations) if wanted_locations else {}
    return Names(parts, locations, lang)
