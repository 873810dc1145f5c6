"""The signed webhook endpoints for partner systems; `create_app` mounts `integration_routes()`.

    POST /integrations/dms/work-orders                     partner "dms"
    POST /integrations/erp/prices                          partner "erp"
    POST /integrations/suppliers/{code}/ship-notices       partner "supplier:<code>"
    POST /integrations/suppliers/{code}/tracking           partner "supplier:<code>"
    GET  /integrations/suppliers/{code}/purchase-orders/{number}?format=json|csv

Each request must carry `X-IMS-Signature` and `X-IMS-Timestamp` made with the partner's secret
(see `integrations.signing`; partners are set with `ims exchange partner`)."""

from __future__ import annotations

from starlette.routing import Route

from integrations.dms.webhook import dms_work_order
from integrations.erp.prices import erp_prices
from integrations.inbound import signed_endpoint
from integrations.suppliers.webhooks import purchase_order, ship_notices, supplier_partner, tracking_update


def integration_routes() -> list[Route]:
    return [
        Route("/integrations/dms/work-orders", signed_endpoint(lambda r: "dms", dms_work_order), methods=["POST"]),
        Route("/integrations/erp/prices", signed_endpoint(lambda r: "erp", erp_prices), methods=["POST"]),
        Route(
            "/integrations/suppliers/{code}/ship-notices",
            signed_endpoint(supplier_partner, ship_notices),
            methods=["POST"],
        ),
        Route(
            "/integrations/suppliers/{code}/tracking",
            signed_endpoint(supplier_partner, tracking_update),
            methods=["POST"],
        ),
        Route(
            "/integrations/suppliers/{code}/purchase-orders/{number}",
            signed_endpoint(supplier_partner, purchase_order),
            methods=["GET"],
        ),
    ]
