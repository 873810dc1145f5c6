"""Part and bin labels: an A4 sheet as PDF for office printers, ZPL for thermal label printers, and
the bin page (what a bin holds) from which its label is reprinted. Any part page reprints its label."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from urllib.parse import quote

from starlette.responses import Response

from domain.catalog import service as catalog
from domain.catalog.models import Part
from domain.identity.policy import Permission
from domain.org import service as org
from domain.org.models import STOCK_HOLDING_KINDS, Location
from integrations.labels import A4_2X7, A4_3X8, LAYOUTS, LabelData, ZplLayout, labels_zpl, part_labels_pdf
from portal.console import reads
from portal.console.common import site_view
from portal.web import BadRequest, NotFound, Page, _

MAX_CODES = 200
MAX_COPIES = 100
_SPLIT = re.compile(r"[\s,;]+")


def _copies(page: Page) -> int:
    raw = page.value("copies") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COPIES:
        raise BadRequest(_("Copies: a number from 1 to {n}.", n=MAX_COPIES))
    return int(raw)


def _codes(raw: str) -> list[str]:
    codes = [c.strip().upper() for c in _SPLIT.split(raw or "") if c.strip()]
    if len(codes) > MAX_CODES:
        raise BadRequest(_("At most {n} codes at once.", n=MAX_CODES))
    return list(dict.fromkeys(codes))


def part_label(part: Part, copies: int) -> LabelData:
    return LabelData(
        code=part.code,
        name_zh=part.name_zh,
        name_en=part.name_en,
        detail=f"EAN {part.barcode}" if part.barcode else None,
        copies=copies,
    )


def bin_label(location: Location, site_code: str | None, copies: int) -> LabelData:
    return LabelData(
        code=location.code,
        name_zh=location.name_zh,
        name_en=location.name_en,
        detail=site_code if site_code and site_code != location.code else None,
        copies=copies,
    )


async def _file(page: Page, labels: Sequence[LabelData], name: str, *, bins: bool) -> Response:
    """The labels as the chosen format: `pdf` (A4 sheet; `layout` a4-3x8 or a4-2x7) or `zpl`."""
    kind = page.value("format") or "pdf"
    if kind == "zpl":
        dpi = 300 if page.value("dpi") == "300" else 203
        body = labels_zpl(labels, ZplLayout(dpi=dpi))
        return Response(
            body,
            media_type="application/zpl; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.zpl"'},
        )
    if kind != "pdf":
        raise BadRequest(_("Choose PDF or ZPL."))
    layout = LAYOUTS.get(page.value("layout")) or (A4_2X7 if bins else A4_3X8)
    pdf = await asyncio.to_thread(part_labels_pdf, list(labels), layout)
    return Response(
        pdf, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{name}.pdf"'}
    )


@site_view(permission=Permission.CATALOG_READ)
async def labels_home(page: Page, site: Location) -> Response:
    return page.render("console/labels.html", site=site, layouts=sorted(LAYOUTS))


@site_view(permission=Permission.CATALOG_READ)
async def part_labels(page: Page, site: Location) -> Response:
    """One part (`/labels/part/{code}`) or many (`/labels/parts?codes=A,B`)."""
    codes = [str(page.params["code"]).upper()] if "code" in page.params else _codes(page.value("codes"))
    if not codes:
        raise BadRequest(_("Enter at least one code."))
    copies = _copies(page)
    async with page.read() as session:
        found = []
        for code in codes:
            part = await catalog.part_by_code(session, code, page.principal) or await catalog.part_by_barcode(
                session, code, page.principal
            )
            if part is None:
                raise NotFound(_("No part with code {code}.", code=code))
            found.append(part)
    name = found[0].code if len(found) == 1 else "part-labels"
    return await _file(page, [part_label(p, copies) for p in found], name, bins=False)


async def _location(page: Page, code: str) -> Location:
    async with page.read() as session:
        found = await org.location_by_code(session, page.principal, code)
    if found is None or found.kind not in STOCK_HOLDING_KINDS or not found.active:
        raise NotFound(_("No bin with code {code}.", code=code))
    return found


@site_view(permission=Permission.CATALOG_READ)
async def bin_labels(page: Page, site: Location) -> Response:
    """One bin (`/labels/bin/{code}`), many (`/labels/bins?codes=`), or every bin of the site (`all=1`)."""
    copies = _copies(page)
    if "code" in page.params:
        locations = [await _location(page, str(page.params["code"]))]
    elif page.value("all") == "1":
        async with page.read() as session:
            found, _more = await org.list_locations(session, page.principal, kinds=["bin"], first=1000)
        locations = [x for x in found if x.site_id == site.id and x.active] or [site]
    else:
        codes = _codes(page.value("codes"))
        if not codes:
            raise BadRequest(_("Enter at least one code."))
        locations = [await _location(page, code) for code in codes]
    async with page.read() as session:
        site_codes = {
            x.id: x.code
            for x in (await org.locations_by_ids(session, [loc.site_id for loc in locations if loc.site_id])).values()
        }
    labels = [bin_label(loc, site_codes.get(loc.site_id or 0), copies) for loc in locations]
    name = locations[0].code if len(locations) == 1 else "bin-labels"
    return await _file(page, labels, name, bins=True)


@site_view(permission=Permission.STOCK_READ)
async def bin_page(page: Page, site: Location) -> Response:
    location = await _location(page, str(page.params.get("code", ""))[:40])
    async with page.read() as session:
        stock = await reads.location_stock(session, page.principal, location)
    return page.render(
        "console/bin.html", site=site, location=location, stock=stock, quoted=quote(location.code, safe="")
    )
