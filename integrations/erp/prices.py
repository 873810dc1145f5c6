"""`POST /integrations/erp/prices`: price and cost updates from the ERP (partner "erp").

    {"externalId": "PRICE-20261125-01",
     "prices": [{"partCode": "BRK-0001-A", "purchasePrice": "182.50", "salePrice": "360"},
                {"partCode": "FLT-0001-C", "supplierCode": "SUP-01", "supplierUnitPrice": "27.80"}]}

The list goes through the `prices` import (the same validation as a price file): all items or none.
Idempotent by externalId; the answer of the first call is replayed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.integration.service import claim_inbound, record_response
from domain.masterdata.kinds import ImportKind
from domain.principal import Principal
from integrations.excel.importer import import_records
from integrations.inbound import Rejected, field, items, json_object, sessions_of, snake_keys


async def erp_prices(request: Request, body: bytes) -> Response:
    data = json_object(body)
    external_id = field(data, "externalId", str)
    records = [snake_keys(item) for item in items(data, "prices")]
    async with sessions_of(request)() as session, session.begin():
        claim = await claim_inbound(session, "erp.prices", external_id, data)
        if claim.replay is not None:
            return JSONResponse({**claim.replay, "replayed": True})
        report = await import_records(
            session, Principal.system("erp"), ImportKind.PRICES, records, source=f"erp:{external_id}"
        )
        if not report.applied:
            raise Rejected(
                {
                    "error": "rejected",
                    "message": "no price was changed: fix the listed items and resend",
                    "errors": [
                        {
                            "item": (e.row - 2) if e.row else None,
                            "field": e.column,
                            "value": e.value,
                            "message": e.message,
                        }
                        for e in report.errors
                    ],
                }
            )
        answer = {"externalId": external_id, "applied": report.rows_applied, "summary": report.summary}
        await record_response(session, claim, answer)
    return JSONResponse({**answer, "replayed": False})
