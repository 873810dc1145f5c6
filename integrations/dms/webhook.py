"""`POST /integrations/dms/work-orders`: repair orders from the DMS (partner "dms").

    {"externalId": "RO-2026-0042", "storeCode": "S-BJ01",
     "vehicle": {"vin": "LSVAU2180N2183294", "make": "大众", "model": "朗逸", "year": 2022},
     "faultDescription": "前刹车异响",
     "lines": [{"dmsPartNo": "VW-1K0698151", "quantity": "1"}, {"partCode": "FLT-0001-C", "quantity": 1}]}

201 with the new order, 200 with the first one on a retry (same externalId and payload), 409 when
the externalId was used with another payload, 422 when a part number is unknown."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.integration import dms
from integrations.inbound import Malformed, decimal_value, field, items, json_object, sessions_of


def parse_work_order(data: dict[str, Any]) -> dms.DmsWorkOrder:
    vehicle = field(data, "vehicle", dict)
    lines = []
    for n, item in enumerate(items(data, "lines")):
        dms_no = field(item, "dmsPartNo", str, required=False)
        code = field(item, "partCode", str, required=False)
        if not dms_no and not code:
            raise Malformed(f"lines[{n}] needs dmsPartNo or partCode")
        lines.append(dms.DmsLine(decimal_value(item.get("quantity"), f"lines[{n}].quantity"), dms_no, code))
    year = field(vehicle, "year", int, required=False)
    return dms.DmsWorkOrder(
        external_id=field(data, "externalId", str),
        store_code=field(data, "storeCode", str),
        vin=field(vehicle, "vin", str),
        make=field(vehicle, "make", str),
        model=field(vehicle, "model", str),
        year=year,
        fault_description=field(data, "faultDescription", str),
        lines=lines,
    )


async def dms_work_order(request: Request, body: bytes) -> Response:
    cmd = parse_work_order(json_object(body))
    async with sessions_of(request)() as session, session.begin():
        result = await dms.receive_work_order(session, dms.dms_principal(), cmd)
    payload = {
        "workOrder": {
            "id": result.work_order.id,
            "number": result.work_order.number,
            "status": result.work_order.status,
        },
        "replayed": result.replayed,
    }
    return JSONResponse(payload, status_code=200 if result.replayed else 201)
