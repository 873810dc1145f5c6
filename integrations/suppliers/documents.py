"""Purchase orders as files for a supplier's system, and ship notices from theirs.

A PO document lists each line with the supplier's own part number (from `supplier_part`), so the
supplier can book it without a lookup. Ship notices arrive as CSV (one row per line, grouped by the
notice number) or JSON, and are recorded by the purchasing service like a portal entry; the notice
number is the external id, so a resent file replays instead of failing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier, SupplierPart
from domain.errors import DomainError, ErrorCode
from domain.integration.service import claim_inbound, record_response
from domain.org.models import Location
from domain.principal import Principal, PrincipalKind
from domain.purchasing import orders, reads
from domain.purchasing.ship_notices import ShipNoticeInput, ShipNoticeLineInput, create_ship_notice
from domain.quantities import tidy

PO_COLUMNS = (
    "po_number",
    "supplier_code",
    "status",
    "currency",
    "line_no",
    "part_code",
    "supplier_part_no",
    "name_zh",
    "name_en",
    "uom",
    "quantity",
    "unit_price",
    "amount",
    "requested_date",
    "promised_date",
    "deliver_to",
)
ASN_COLUMNS = (
    "number",
    "purchase_order_number",
    "line_no",
    "quantity",
    "lot_no",
    "expiry_date",
    "unit_price",
    "carrier",
    "tracking_number",
    "shipped_on",
    "expected_arrival",
)


def supplier_principal(supplier_id: int, code: str) -> Principal:
    """A supplier's system, authenticated by its webhook secret: it may send notices for itself."""
    return Principal(
        kind=PrincipalKind.CLIENT,
        name=f"supplier:{code}",
        supplier_id=supplier_id,
        scopes=frozenset({"asn:write", "purchasing:read"}),
        client_id=f"supplier:{code}",
    )


def _s(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(tidy(value), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def purchase_order_document(session: AsyncSession, principal: Principal, number: str) -> dict[str, Any]:
    order = await orders.get_purchase_order(session, principal, number=number)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no purchase order {number.strip().upper()}", ["number"])
    lines = (await reads.lines_by_order(session, [order.id])).get(order.id, [])
    supplier = await session.get(Supplier, order.supplier_id)
    assert supplier is not None
    parts = {
        p.id: p
        for p in (await session.execute(select(Part).where(Part.id.in_({ln.part_id for ln in lines})))).scalars()
    }
    offers = {
        o.part_id: o.supplier_part_no
        for o in (
            await session.execute(
                select(SupplierPart).where(
                    SupplierPart.supplier_id == order.supplier_id, SupplierPart.part_id.in_(list(parts))
                )
            )
        ).scalars()
    }
    places = dict(
        (
            await session.execute(
                select(Location.id, Location.code).where(Location.id.in_({ln.destination_location_id for ln in lines}))
            )
        )
        .tuples()
        .all()
    )
    return {
        "number": order.number,
        "supplierCode": supplier.code,
        "supplierName": supplier.name_zh,
        "status": order.status,
        "currency": order.currency,
        "totalAmount": _s(order.total_amount),
        "approvedAt": order.approved_at.isoformat() if order.approved_at else None,
        "lines": [
            {
                "lineNo": ln.line_no,
                "partCode": parts[ln.part_id].code,
                "supplierPartNo": offers.get(ln.part_id),
                "nameZh": parts[ln.part_id].name_zh,
                "nameEn": parts[ln.part_id].name_en,
                "uom": parts[ln.part_id].uom,
                "quantity": _s(ln.quantity),
                "unitPrice": _s(ln.unit_price),
                "amount": _s((ln.quantity * ln.unit_price).quantize(Decimal("0.01"))),
                "requestedDate": _s(ln.requested_date),
                "promisedDate": _s(ln.promised_date),
                "deliverTo": places.get(ln.destination_location_id),
            }
            for ln in sorted(lines, key=lambda x: x.line_no)
        ],
    }


def po_to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def po_to_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PO_COLUMNS)
    for line in document["lines"]:
        writer.writerow(
            [
                document["number"],
                document["supplierCode"],
                document["status"],
                document["currency"],
                line["lineNo"],
                line["partCode"],
                line["supplierPartNo"] or "",
                line["nameZh"],
                line["nameEn"],
                line["uom"],
                line["quantity"],
                line["unitPrice"],
                line["amount"],
                line["requestedDate"],
                line["promisedDate"],
                line["deliverTo"] or "",
            ]
        )
    return out.getvalue()


class NoticeFileError(ValueError):
    """A ship-notice file or payload that cannot be read; nothing was recorded."""


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise NoticeFileError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def _decimal(value: Any, field: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise NoticeFileError(f"{field} is required")
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise NoticeFileError(f"{field}: {value!r} is not a number") from None


def notices_from_records(records: Sequence[dict[str, Any]]) -> list[ShipNoticeInput]:
    """Rows (flat, one per line) grouped by notice number, in file order."""
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, record in enumerate(records, start=2):
        number = str(record.get("number") or "").strip()
        if not number:
            raise NoticeFileError(f"row {n}: number is required")
        grouped.setdefault(number, []).append((n, record))
    notices = []
    for number, rows in grouped.items():
        first = rows[0][1]
        lines = []
        for n, r in rows:
            try:
                line_no = int(str(r.get("line_no") or "").strip())
            except ValueError:
                raise NoticeFileError(f"row {n}: line_no must be a whole number") from None
            po = str(r.get("purchase_order_number") or "").strip()
            if not po:
                raise NoticeFileError(f"row {n}: purchase_order_number is required")
            quantity = _decimal(r.get("quantity"), f"row {n}: quantity", required=True)
            assert quantity is not None
            lines.append(
                ShipNoticeLineInput(
                    purchase_order_number=po,
                    line_no=line_no,
                    quantity=quantity,
                    lot_no=str(r.get("lot_no") or ""),
                    expiry_date=_date(r.get("expiry_date"), f"row {n}: expiry_date"),
                    unit_price=_decimal(r.get("unit_price"), f"row {n}: unit_price"),
                )
            )
        notices.append(
            ShipNoticeInput(
                number=number,
                lines=lines,
                carrier=first.get("carrier") or None,
                tracking_number=first.get("tracking_number") or None,
                shipped_on=_date(first.get("shipped_on"), "shipped_on"),
                expected_arrival=_date(first.get("expected_arrival"), "expected_arrival"),
            )
        )
    return notices


def read_notice_csv(path: Path) -> list[dict[str, Any]]:
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"number", "purchase_order_number", "line_no", "quantity"} - set(reader.fieldnames or ())
        if missing:
            raise NoticeFileError(f"missing columns: {', '.join(sorted(missing))}")
        return [dict(row) for row in reader]


@dataclass(frozen=True)
class NoticeOutcome:
    number: str
    label: str
    replayed: bool


async def record_notices(
    session: AsyncSession, principal: Principal, notices: Sequence[ShipNoticeInput], source: str
) -> list[NoticeOutcome]:
    """All notices or none (one transaction, the caller's); each is idempotent on its number."""
    outcomes = []
    for notice in notices:
        payload = {
            "number": notice.number,
            "carrier": notice.carrier,
            "tracking": notice.tracking_number,
            "lines": [[ln.purchase_order_number, ln.line_no, str(ln.quantity), ln.lot_no] for ln in notice.lines],
        }
        claim = await claim_inbound(session, source, notice.number.strip().upper(), payload)
        if claim.replay is not None:
            outcomes.append(NoticeOutcome(notice.number, str(claim.replay.get("label")), True))
            continue
        view = await create_ship_notice(session, principal, notice)
        await record_response(session, claim, {"label": view.notice.label})
        outcomes.append(NoticeOutcome(view.notice.number, view.notice.label, False))
    return outcomes
