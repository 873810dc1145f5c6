"""Supplier systems (partner "supplier:<code>"): ship notices and tracking updates in, purchase
orders out.

    POST /integrations/suppliers/{code}/ship-notices
      {"notices": [{"number": "DN-88", "carrier": "SF", "trackingNumber": "SF100", "shippedOn": "2026-11-25",
                    "lines": [{"purchaseOrderNumber": "PO-000001", "lineNo": 1, "quantity": "10", "lotNo": "L1"}]}]}
    POST /integrations/suppliers/{code}/tracking
      {"externalId": "SF100-3", "shipNotice": "DN-88", "status": "in_transit",
       "occurredAt": "2026-11-26T08:00:00+08:00", "location": "廊坊分拨中心", "expectedArrival": "2026-11-27"}
    GET  /integrations/suppliers/{code}/purchase-orders/{number}?format=json|csv   (signed, empty body)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.catalog.models import Supplier
from domain.errors import DomainError, ErrorCode
from domain.integration import tracking
from domain.integration.service import claim_inbound, record_response
from integrations.inbound import (
    Malformed,
    date_value,
    field,
    items,
    json_object,
    sessions_of,
    snake_keys,
    timestamp_value,
)
from integrations.suppliers import documents


async def _supplier(session: AsyncSession, code: str) -> Supplier:
    found = (await session.execute(select(Supplier).where(Supplier.code == code.upper()))).scalar_one_or_none()
    if found is None:  # the signature already proved the partner exists; the supplier row must too
        raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"no supplier {code.upper()}")
    return found


def supplier_partner(request: Request) -> str:
    return f"supplier:{request.path_params['code'].strip().lower()}"


async def ship_notices(request: Request, body: bytes) -> Response:
    data = json_object(body)
    records = []
    for n, notice in enumerate(items(data, "notices")):
        head = {
            "number": field(notice, "number", str),
            "carrier": notice.get("carrier"),
            "tracking_number": notice.get("trackingNumber"),
            "shipped_on": notice.get("shippedOn"),
            "expected_arrival": notice.get("expectedArrival"),
        }
        for line in items(notice, "lines"):
            records.append({**head, **snake_keys(line)})
        if not records:
            raise Malformed(f"notices[{n}] has no lines")
    try:
        notices = documents.notices_from_records(records)
    except documents.NoticeFileError as error:
        raise Malformed(str(error)) from None
    code = request.path_params["code"].strip().upper()
    async with sessions_of(request)() as session, session.begin():
        supplier = await _supplier(session, code)
        principal = documents.supplier_principal(supplier.id, supplier.code)
        outcomes = await documents.record_notices(session, principal, notices, f"supplier:{supplier.code}:asn")
    return JSONResponse(
        {"notices": [{"number": o.number, "label": o.label, "replayed": o.replayed} for o in outcomes]},
        status_code=201 if any(not o.replayed for o in outcomes) else 200,
    )


async def tracking_update(request: Request, body: bytes) -> Response:
    data = json_object(body)
    update = tracking.TrackingUpdate(
        ship_notice=field(data, "shipNotice", str),
        status=field(data, "status", str),
        occurred_at=timestamp_value(field(data, "occurredAt", str), "occurredAt"),
        carrier=field(data, "carrier", str, required=False),
        tracking_number=field(data, "trackingNumber", str, required=False),
        expected_arrival=date_value(data.get("expectedArrival"), "expectedArrival"),
        description=field(data, "description", str, required=False),
        location=field(data, "location", str, required=False),
    )
    external_id = field(data, "externalId", str)
    code = request.path_params["code"].strip().upper()
    async with sessions_of(request)() as session, session.begin():
        supplier = await _supplier(session, code)
        claim = await claim_inbound(session, f"supplier:{supplier.code}:tracking", external_id, data)
        if claim.replay is not None:
            return JSONResponse({**claim.replay, "replayed": True})
        answer = await tracking.record_tracking(
            session, documents.supplier_principal(supplier.id, supplier.code), update
        )
        await record_response(session, claim, answer)
    return JSONResponse({**answer, "replayed": False}, status_code=201)


async def purchase_order(request: Request, body: bytes) -> Response:
    code = request.path_params["code"].strip().upper()
    fmt = request.query_params.get("format", "json").lower()
    if fmt not in ("json", "csv"):
        raise Malformed("format is json or csv")
    async with sessions_of(request)() as session:
        supplier = await _supplier(session, code)
        principal = documents.supplier_principal(supplier.id, supplier.code)
        document = await documents.purchase_order_document(session, principal, request.path_params["number"])
    if fmt == "csv":
        return Response(documents.po_to_csv(document), media_type="text/csv; charset=utf-8")
    return Response(documents.po_to_json(document), media_type="application/json")
