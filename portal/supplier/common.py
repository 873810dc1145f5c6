"""Small helpers the supplier pages share: ids from the URL, form values parsed into the types the
domain services take (with the domain's field names, so `form_errors` lands each message under
its input), and the display names of the parts and sites a page shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog import service as catalog
from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org import service as org
from domain.org.models import Location
from domain.principal import Principal
from domain.quantities import validate_quantity
from portal.web import NotFound, Page, _

MAX_ID = 2**31 - 1  # the id columns are PostgreSQL integers: larger numbers name nothing


def object_id(page: Page, name: str = "id") -> int:
    """The path's object id; ids outside the column's range are simply not found."""
    value = page.params.get(name)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def cursor(page: Page, name: str = "before") -> int | None:
    """A keyset cursor from the query (`?before=<id>`): the id lists continue from; junk is ignored."""
    raw = page.value(name)
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def optional_decimal(raw: str, field: str) -> Decimal | None:
    text = raw.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(ErrorCode.INVALID_INPUT, "enter a number", [field]) from None
    if not value.is_finite():
        raise DomainError(ErrorCode.INVALID_INPUT, "enter a number", [field])
    return value


def optional_quantity(raw: str, precision: int, field: str) -> Decimal | None:
    """A line's quantity: blank or 0 means "not in this document"; anything else must be a valid
    quantity for the unit (the domain's own check, reported at this row's input)."""
    value = optional_decimal(raw, field)
    if value is None or value == 0:
        return None
    return validate_quantity(value, precision, field)


def field_errors(error: DomainError, line_key: Callable[[list[str]], str | None], known: set[str]) -> dict[str, str]:
    """Translated messages by form input: `line_key` maps a line error's path (`lines.<n>.<field>`)
    to its row input; any message without an input of its own is shown above the form."""
    found: dict[str, str] = {}
    for item in error.errors if isinstance(error, DomainErrors) else [error]:
        path = item.field
        key = line_key(path) if len(path) >= 3 and path[0] == "lines" else None
        if key is None:
            key = path[-1] if path and path[-1] in known else ""
        if key not in known:
            key = ""
        found.setdefault(key, _(item.message))
    return found


def optional_date(raw: str, field: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "enter a date as YYYY-MM-DD", [field]) from None


def raise_all(errors: list[DomainError]) -> None:
    """Raise every field error of a form at once, so the form shows them all."""
    if errors:
        raise DomainErrors(errors)


@dataclass(frozen=True)
class Names:
    """Parts and sites by id, for labels on a page the domain already filtered."""

    parts: dict[int, Part]
    sites: dict[int, Location]

    def part(self, part_id: int) -> str:
        found = self.parts.get(part_id)
        return found.code if found else f"#{part_id}"

    def part_name(self, part_id: int, lang: str) -> str:
        found = self.parts.get(part_id)
        if found is None:
            return ""
        return found.name_en if lang == "en" and found.name_en else found.name_zh

    def site(self, location_id: int) -> str:
        found = self.sites.get(location_id)
        return found.code if found else f"#{location_id}"

    def site_name(self, location_id: int, lang: str) -> str:
        found = self.sites.get(location_id)
        if found is None:
            return ""
        return found.name_en if lang == "en" and found.name_en else found.name_zh


async def names(
    session: AsyncSession, principal: Principal, part_ids: Iterable[int], location_ids: Iterable[int] = ()
) -> Names:
    """Parts through the catalogue's supplier visibility; sites are plain reference data."""
    wanted_parts = sorted(set(part_ids))
    wanted_sites = sorted(set(location_ids))
    parts = await catalog.parts_by_ids(session, wanted_parts, principal) if wanted_parts else {}
    sites = await org.locations_by_ids(session, wanted_sites) if wanted_sites else {}
    return Names(parts, sites)
