"""The purchasing flow end to end through GraphQL: order → ship notice → scan receipt → QC → putaway
→ close → three-way match, checking the ledger, valuation and supplier metrics at each step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text

from domain.stock.check import check_ledger

ORDER_FIELDS = """
  purchaseOrder {
    id number status totalAmount requiredApprovalRole
    lines { id lineNo quantity receivedQuantity rejectedQuantity openQuantity closed
            match { id status reasons { code message } invoiceQuantity invoiceAmount } }
  }
  errors { code message field }
"""

CREATE = "mutation($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) {" + ORDER_FIELDS + "} }"
SUBMIT = "mutation($id: ID!) { submitPurchaseOrder(input: {purchaseOrderId: $id}) {" + ORDER_FIELDS + "} }"
APPROVE = "mutation($id: ID!) { approvePurchaseOrder(input: {purchaseOrderId: $id}) {" + ORDER_FIELDS + "} }"
SEND = "mutation($id: ID!) { sendPurchaseOrder(input: {purchaseOrderId: $id}) {" + ORDER_FIELDS + "} }"
CLOSE = "mutation($id: ID!) { closePurchaseOrder(input: {purchaseOrderId: $id}) {" + ORDER_FIELDS + "} }"

SHIP = """
mutation($input: CreateShipNoticeInput!) {
  createShipNotice(input: $input) {
    shipNotice { id label number status lines { lineNo label quantity lotNo } }
    errors { code message field }
  }
}
"""

START = """
mutation($loc: String!, $notice: String) {
  startReceiving(input: {locationCode: $loc, shipNotice: $notice}) {
    receivingSession { id number location { code } qcLocation { code kind path } }
    errors { code message field }
  }
}
"""

SCAN = """
mutation($input: ScanReceiptInput!) {
  scanReceipt(input: $input) {
    replayed
    scan { id status holdCode holdReason }
    receipts { id quantity lotNo unitCost value qcLocation { code } }
    errors { code message field }
  }
}
"""

RESOLVE_HOLD = """
mutation($input: ResolveReceivingHoldInput!) {
  resolveReceivingHold(input: $input) { scan { status resolvedBy } receipts { quantity } errors { code message } }
}
"""

CLOSE_SESSION = """
mutation($id: ID!) {
  closeReceivingSession(input: {receivingSessionId: $id}) {
    receivingSession { status holds { id } } shortReceipts { id holdCode } errors { code }
  }
}
"""

INSPECT = """
mutation($input: InspectReceiptInput!) {
  inspectReceipt(input: $input) {
    replayed
    receiptLine { acceptedQuantity rejectedQuantity pendingQcQuantity awaitingPutawayQuantity }
    returnToVendor { number reason lines { quantity unitPrice creditAmount stockUnitCost stockValue } }
    errors { code message field }
  }
}
"""

SUGGEST = """
mutation($id: ID!) {
  suggestPutaway(input: {receiptLineId: $id}) {
    suggestions { location { code } quantity reason } unplacedQuantity errors { code message }
  }
}
"""

PUTAWAY = """
mutation($input: ConfirmPutawayInput!) {
  confirmPutaway(input: $input) {
    replayed receiptLine { putAwayQuantity awaitingPutawayQuantity }
    move { quantity unitCost value fromLocation { code } toLocation { code } }
    errors { code message field }
  }
}
"""

MATCHES = """
{ matchExceptions { edges { node { id status reasons { code message } purchaseOrderLine { lineNo } } } } }
"""

RESOLVE_MATCH = """
mutation($id: ID!) {
  resolveMatchException(input: {matchId: $id, release: true, note: "5 damaged, credit note"}) {
    match { status resolvedBy invoiceQuantity invoiceAmount } errors { code message }
  }
}
"""

FINANCE_VIEW = """
query($number: String!) {
  purchaseOrder(number: $number) {
    status
    stockMoves { docType quantity unitCost value fromLocation { code } toLocation { code } }
    returnsToVendor { number lines { quantity creditAmount } }
    approvals { decision actor requiredRole }
  }
}
"""

PERFORMANCE = """
{ supplierPerformance(supplierCode: "SUP-01") {
    month supplier { code } deliveries onTimeDeliveries onTimeRate orderedQuantity filledQuantity fillRate
    inspectedQuantity rejectedQuantity rejectRate averageLeadTimeDays averagePromisedLeadTimeDays } }
"""


async def _ledger_ok(sessions) -> None:
    async with sessions() as s:
        assert await check_ledger(s) == []


async def _scalar(sessions, sql: str, **params):
    async with sessions() as s:
        return (await s.execute(text(sql), params)).scalar()


async def _on_hand(sessions, part: str, loc: str) -> Decimal:
    return await _scalar(
        sessions,
        "SELECT coalesce(sum(on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
        "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND l.code = :l",
        p=part,
        l=loc,
    )


async def _avg(sessions, part: str) -> Decimal:
    return await _scalar(sessions, "SELECT avg_cost FROM part WHERE code = :p", p=part)


async def _scan(gql, session_id: str, barcode: str, quantity: str, key: str) -> dict:
    data = await gql(
        SCAN,
        {"input": {"receivingSessionId": session_id, "barcode": barcode, "quantity": quantity, "idempotencyKey": key}},
    )
    return data["scanReceipt"]


async def test_order_to_putaway_through_graphql(gql, gql_as, sessions) -> None:
    requested = (date.today() + timedelta(days=7)).isoformat()
    created = (
        await gql(
            CREATE,
            {
                "input": {
                    "supplierCode": "SUP-01",
                    "lines": [
                        {
                            "partCode": "BRK-0001-A",
                            "quantity": "100",
                            "unitPrice": "190",
                            "destinationCode": "WH",
                            "requestedDate": requested,
                        },
                        {
                            "partCode": "BRK-0002-A",
                            "quantity": "20",
                            "unitPrice": "250",
                            "destinationCode": "S-BJ01",
                            "requestedDate": requested,
                        },
                    ],
                }
            },
        )
    )["createPurchaseOrder"]
    assert created["errors"] == []
    order = created["purchaseOrder"]
    po_id, number = order["id"], order["number"]
    assert order["status"] == "DRAFT" and order["totalAmount"] == "24000.00"

    submitted = (await gql(SUBMIT, {"id": po_id}))["submitPurchaseOrder"]["purchaseOrder"]
    assert submitted["status"] == "SUBMITTED" and submitted["requiredApprovalRole"] == "store_manager"
    assert (await gql(APPROVE, {"id": po_id}))["approvePurchaseOrder"]["purchaseOrder"]["status"] == "APPROVED"
    assert (await gql(SEND, {"id": po_id}))["sendPurchaseOrder"]["purchaseOrder"]["status"] == "SENT"
    event = await _scalar(
        sessions, "SELECT payload FROM outbox_event WHERE topic = 'purchase_order.sent' AND dispatched_at IS NULL"
    )
    assert event["number"] == number and event["lines"][0]["partCode"] == "BRK-0001-A"
    assert event["lines"][0]["quantity"] == "100" and event["lines"][0]["unitPrice"] == "190"

    notice = (
        await gql(
            SHIP,
            {
                "input": {
                    "number": "DN-2411-001",
                    "carrier": "顺丰",
                    "trackingNumber": "SF1234567890",
                    "expectedArrival": date.today().isoformat(),
                    "lines": [
                        {"purchaseOrderNumber": number, "lineNo": 1, "quantity": "100", "lotNo": "B2411"},
                        {"purchaseOrderNumber": number, "lineNo": 2, "quantity": "20", "unitPrice": "250"},
                    ],
                }
            },
        )
    )["createShipNotice"]
    assert notice["errors"] == []
    label = notice["shipNotice"]["label"]
    line_labels = [x["label"] for x in notice["shipNotice"]["lines"]]
    too_many = (
        await gql(
            SHIP,
            {"input": {"number": "DN-X", "lines": [{"purchaseOrderNumber": number, "lineNo": 2, "quantity": "5"}]}},
        )
    )["createShipNotice"]
    assert too_many["errors"][0]["code"] == "QUANTITY_OUT_OF_TOLERANCE" and too_many["shipNotice"] is None

    # Warehouse dock: the notice guides the session.
    started = (await gql(START, {"loc": "WH", "notice": label}))["startReceiving"]
    assert started["errors"] == []
    wh = started["receivingSession"]
    assert wh["qcLocation"] == {"code": "WH-QC", "kind": "BIN", "path": "HQ/WH/WH-QC"}
    outside = (await gql(START, {"loc": "NOWHERE"}))["startReceiving"]
    assert outside["errors"][0]["code"] == "UNKNOWN_LOCATION"

    first = await _scan(gql, wh["id"], line_labels[0], "60", "scan-1")
    assert first["errors"] == [] and first["scan"]["status"] == "POSTED"
    assert first["receipts"][0]["lotNo"] == "B2411" and first["receipts"][0]["unitCost"] == "190"
    assert first["receipts"][0]["value"] == "11400.00"
    assert await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 60
    # 295 on hand at 180, plus 60 at 190.
    assert await _avg(sessions, "BRK-0001-A") == Decimal("181.690141")
    await _ledger_ok(sessions)

    again = await _scan(gql, wh["id"], line_labels[0], "60", "scan-1")
    assert again["replayed"] is True and again["scan"]["id"] == first["scan"]["id"]
    assert await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 60

    unknown = await _scan(gql, wh["id"], "9999999999999", "1", "scan-2")
    assert unknown["scan"]["status"] == "HELD" and unknown["errors"][0]["code"] == "UNKNOWN_BARCODE"
    wrong = await _scan(gql, wh["id"], "6901234567922", "3", "scan-3")  # oil filter: not on the notice
    assert wrong["errors"][0]["code"] == "WRONG_ITEM"
    over = await _scan(gql, wh["id"], "6901234567892", "50", "scan-4")  # 40 open + 5% tolerance
    assert over["errors"][0]["code"] == "OVER_RECEIPT" and over["receipts"] == []
    assert await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 60
    rest = await _scan(gql, wh["id"], "6901234567892", "40", "scan-5")
    assert rest["errors"] == [] and rest["receipts"][0]["lotNo"] == "B2411"
    for held in (unknown, wrong, over):
        decided = (
            await gql(RESOLVE_HOLD, {"input": {"scanId": held["scan"]["id"], "decision": "DISCARD", "note": "refused"}})
        )["resolveReceivingHold"]
        assert decided["errors"] == [] and decided["scan"]["status"] == "DISCARDED"
    closed = (await gql(CLOSE_SESSION, {"id": wh["id"]}))["closeReceivingSession"]
    assert closed["receivingSession"]["status"] == "closed" and closed["shortReceipts"] == []
    await _ledger_ok(sessions)

    # Store dock without bins.
    store = (await gql(START, {"loc": "S-BJ01"}))["startReceiving"]["receivingSession"]
    assert store["qcLocation"]["code"] == "S-BJ01-QC"
    pads = await _scan(gql, store["id"], "BRK-0002-A", "20", "scan-6")
    assert pads["errors"] == []
    store_receipt = pads["receipts"][0]
    assert store_receipt["lotNo"] == f"{number}-2"  # FIFO part without a supplier lot gets one
    assert store_receipt["qcLocation"]["code"] == "S-BJ01-QC"

    # QC: reject 5 of the first warehouse receipt, accept the rest.
    wh_first, wh_rest = first["receipts"][0]["id"], rest["receipts"][0]["id"]
    avg_before = await _avg(sessions, "BRK-0001-A")
    inspected = (
        await gql(
            INSPECT,
            {
                "input": {
                    "receiptLineId": wh_first,
                    "acceptedQuantity": "55",
                    "rejectedQuantity": "5",
                    "reason": "cracked friction material",
                    "idempotencyKey": "qc-1",
                }
            },
        )
    )["inspectReceipt"]
    assert inspected["errors"] == []
    assert inspected["receiptLine"]["pendingQcQuantity"] == "0"
    rtv = inspected["returnToVendor"]
    assert rtv["lines"][0]["creditAmount"] == "950.00"
    assert Decimal(rtv["lines"][0]["stockUnitCost"]) == avg_before  # the ledger's moving average
    assert await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 95
    assert await _avg(sessions, "BRK-0001-A") == avg_before
    replay = (
        await gql(
            INSPECT,
            {
                "input": {
                    "receiptLineId": wh_first,
                    "acceptedQuantity": "55",
                    "rejectedQuantity": "5",
                    "reason": "cracked friction material",
                    "idempotencyKey": "qc-1",
                }
            },
        )
    )["inspectReceipt"]
    assert replay["replayed"] is True and await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 95
    too_much = (await gql(INSPECT, {"input": {"receiptLineId": wh_rest, "acceptedQuantity": "41"}}))["inspectReceipt"]
    assert too_much["errors"][0]["code"] == "INVALID_QUANTITY"
    for receipt, qty in ((wh_rest, "40"), (store_receipt["id"], "20")):
        ok = (await gql(INSPECT, {"input": {"receiptLineId": receipt, "acceptedQuantity": qty}}))["inspectReceipt"]
        assert ok["errors"] == []
    await _ledger_ok(sessions)

    resend = (await gql(SEND, {"id": po_id}))["sendPurchaseOrder"]
    assert resend["errors"][0]["code"] == "INVALID_STATE" and resend["purchaseOrder"] is None
    # The store line is complete and inspected: matched and released for invoicing already.
    released = await _scalar(
        sessions, "SELECT count(*) FROM outbox_event WHERE topic = 'purchase_order_line.released_for_invoicing'"
    )
    assert released == 1

    # Putaway: A-class pads go next to the pads already in zone A; the store puts away into itself.
    plan = (await gql(SUGGEST, {"id": wh_first}))["suggestPutaway"]
    assert plan["suggestions"] == [
        {"location": {"code": "WH-A-01-01"}, "quantity": "55", "reason": "already holds this part"}
    ]
    stored = (
        await gql(
            PUTAWAY,
            {
                "input": {
                    "receiptLineId": wh_first,
                    "locationCode": "WH-A-01-01",
                    "quantity": "55",
                    "idempotencyKey": "p1",
                }
            },
        )
    )["confirmPutaway"]
    assert stored["errors"] == [] and stored["move"]["toLocation"]["code"] == "WH-A-01-01"
    assert stored["receiptLine"]["awaitingPutawayQuantity"] == "0"
    replayed = (
        await gql(
            PUTAWAY,
            {
                "input": {
                    "receiptLineId": wh_first,
                    "locationCode": "WH-A-01-01",
                    "quantity": "55",
                    "idempotencyKey": "p1",
                }
            },
        )
    )["confirmPutaway"]
    assert replayed["replayed"] is True
    wrong_place = (
        await gql(
            PUTAWAY,
            {"input": {"receiptLineId": wh_rest, "locationCode": "S-BJ02", "quantity": "40", "idempotencyKey": "p2"}},
        )
    )["confirmPutaway"]
    assert wrong_place["errors"][0]["code"] == "INVALID_LOCATION"
    other_bin = (
        await gql(
            PUTAWAY,
            {
                "input": {
                    "receiptLineId": wh_rest,
                    "locationCode": "WH-A-01-02",
                    "quantity": "40",
                    "idempotencyKey": "p3",
                }
            },
        )
    )["confirmPutaway"]
    assert other_bin["errors"] == []
    store_plan = (await gql(SUGGEST, {"id": store_receipt["id"]}))["suggestPutaway"]
    assert store_plan["suggestions"][0]["location"]["code"] == "S-BJ01"
    into_store = (
        await gql(
            PUTAWAY,
            {
                "input": {
                    "receiptLineId": store_receipt["id"],
                    "locationCode": "S-BJ01",
                    "quantity": "20",
                    "idempotencyKey": "p4",
                }
            },
        )
    )["confirmPutaway"]
    assert into_store["errors"] == [] and into_store["move"]["unitCost"] == "250"
    assert await _on_hand(sessions, "BRK-0001-A", "WH-QC") == 0
    assert await _on_hand(sessions, "BRK-0001-A", "WH-A-01-01") == 255
    assert await _on_hand(sessions, "BRK-0002-A", "S-BJ01") == 30
    await _ledger_ok(sessions)

    # Close: the warehouse line (95 accepted of 100) goes to the exception queue.
    closed_po = (await gql(CLOSE, {"id": po_id}))["closePurchaseOrder"]
    assert closed_po["errors"] == [] and closed_po["purchaseOrder"]["status"] == "CLOSED"
    lines = {x["lineNo"]: x for x in closed_po["purchaseOrder"]["lines"]}
    assert lines[2]["match"]["status"] == "RELEASED" and lines[2]["match"]["invoiceAmount"] == "5000.00"
    assert lines[1]["match"]["status"] == "EXCEPTION"
    assert lines[1]["match"]["reasons"] == [
        {"code": "QUANTITY_OUT_OF_TOLERANCE", "message": "accepted 95 vs ordered 100"}
    ]
    twice = (await gql(CLOSE, {"id": po_id}))["closePurchaseOrder"]
    assert twice["errors"][0]["code"] == "INVALID_STATE" and "already closed" in twice["errors"][0]["message"]

    queue = (await gql(MATCHES))["matchExceptions"]["edges"]
    assert [e["node"]["purchaseOrderLine"]["lineNo"] for e in queue] == [1]
    finance = await gql_as("finance")  # finance (or HQ operations) settles quantity differences
    resolved = (await finance(RESOLVE_MATCH, {"id": queue[0]["node"]["id"]}))["resolveMatchException"]
    assert resolved["errors"] == [] and resolved["match"]["status"] == "RELEASED"
    assert resolved["match"]["invoiceQuantity"] == "95" and resolved["match"]["invoiceAmount"] == "18050.00"
    assert (await gql(MATCHES))["matchExceptions"]["edges"] == []

    # Finance: every value move of the order.
    view = (await finance(FINANCE_VIEW, {"number": number}))["purchaseOrder"]
    by_type: dict[str, Decimal] = {}
    for move in view["stockMoves"]:
        by_type[move["docType"]] = by_type.get(move["docType"], Decimal(0)) + Decimal(move["value"])
    assert by_type["po_receipt"] == Decimal("11400.00") + Decimal("7600.00") + Decimal("5000.00")
    assert by_type["return_to_vendor"] == (5 * avg_before).quantize(Decimal("0.01"))
    assert view["returnsToVendor"][0]["lines"][0]["creditAmount"] == "950.00"
    assert [(a["decision"], a["requiredRole"]) for a in view["approvals"]] == [("approved", "store_manager")]

    node = await gql(
        "query($id: ID!, $rs: ID!) { node(id: $id) { ... on PurchaseOrder { number status } }"
        " receivingSession(id: $rs) { status receipts { quantity } holds { id } } }",
        {"id": po_id, "rs": wh["id"]},
    )
    assert node["node"] == {"number": number, "status": "CLOSED"}
    assert [r["quantity"] for r in node["receivingSession"]["receipts"]] == ["60", "40"]
    assert node["receivingSession"]["holds"] == []

    # Supplier metrics: two deliveries (one per line and day), both on time, 5 of 120 rejected.
    rows = (await gql(PERFORMANCE))["supplierPerformance"]
    total = {k: sum(Decimal(str(r[k] or 0)) for r in rows) for k in rows[0] if k not in ("month", "supplier")}
    assert total["deliveries"] == 2 and total["onTimeDeliveries"] == 2
    assert total["inspectedQuantity"] == 120 and total["rejectedQuantity"] == 5
    assert total["orderedQuantity"] == 120 and total["filledQuantity"] == 115
    this_month = next(r for r in rows if r["month"] == date.today().strftime("%Y-%m"))
    assert this_month["onTimeRate"] == "1.0000" and this_month["rejectRate"] == "0.0417"
    assert this_month["averageLeadTimeDays"] == "0" and this_month["averagePromisedLeadTimeDays"] == "7"
    await _ledger_ok(sessions)
