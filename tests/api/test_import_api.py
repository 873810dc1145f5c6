"""Imports, exports and cleanup over GraphQL: multipart file upload, base64 downloads, admin-only."""

from __future__ import annotations

import base64
import io
import json

import httpx
from openpyxl import Workbook, load_workbook
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.observability import RequestContextMiddleware

IMPORT = """
mutation($input: ImportDataInput!) {
  importData(input: $input) {
    report { applied rowsTotal rowsApplied errorCount summary computedTotal
             errors { row column value kind message } annotatedFile { fileName contentBase64 } }
    errors { code message }
  }
}"""


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(
    client: httpx.AsyncClient, variables: dict, content: bytes, name: str = "parts.xlsx"
) -> httpx.Response:
    operations = {"query": IMPORT, "variables": {"input": {**variables, "file": None}}}
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
    )


PARTS = ["code", "name_zh", "name_en", "category", "uom", "purchase_price", "sale_price"]


async def test_upload_dry_run_import_and_errors(client):
    content = _xlsx(PARTS, [["FLT-0020-C", "燃油滤清器", "Fuel filter", "FLT", "PCS", 35, 70]])
    dry = await _upload(client, {"kind": "PARTS", "dryRun": True}, content)
    assert dry.status_code == 200, dry.text
    report = dry.json()["data"]["importData"]["report"]
    assert report["applied"] is False and report["errorCount"] == 0 and report["summary"]["inserted"] == 1

    done = (await _upload(client, {"kind": "PARTS"}, content)).json()["data"]["importData"]["report"]
    assert done["applied"] and done["rowsApplied"] == 1
    found = await client.post("/graphql", json={"query": '{ part(code: "FLT-0020-C") { nameEn } }'})
    assert found.json()["data"]["part"] == {"nameEn": "Fuel filter"}

    content = _xlsx(PARTS, [["FLT-0021-C", "x", "y", "FLT", "BUCKET", 1, 2]])
    report = (await _upload(client, {"kind": "PARTS"}, content)).json()["data"]["importData"]["report"]
    assert not report["applied"]
    assert report["errors"] == [
        {"row": 2, "column": "uom", "value": "BUCKET", "kind": "choice", "message": report["errors"][0]["message"]}
    ]
    marked = load_workbook(io.BytesIO(base64.b64decode(report["annotatedFile"]["contentBase64"])))
    assert marked.worksheets[0]["E2"].comment is not None

    opening = _xlsx(["part_code", "location_code", "quantity", "unit_cost"], [["FLT-0001-C", "S-SH01", 2, "28.5"]])
    wrong = await _upload(client, {"kind": "OPENING_STOCK", "controlTotal": "50"}, opening, "opening.xlsx")
    result = wrong.json()["data"]["importData"]["report"]
    assert (
        not result["applied"] and result["computedTotal"] == "57.00" and result["errors"][0]["kind"] == "control_total"
    )


async def test_imports_and_merges_are_for_admins_and_hq_only(client, gql_as, anon_client):
    content = _xlsx(PARTS, [["FLT-0022-C", "x", "y", "FLT", "PCS", 1, 2]])
    staff = await gql_as("staff.bj01")
    operations = {"query": IMPORT, "variables": {"input": {"kind": "PARTS", "file": None}}}
    refused = await staff.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("p.xlsx", content, "application/octet-stream")},
        headers=staff.headers,
    )
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await anon_client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("p.xlsx", content, "application/octet-stream")},
    )
    assert anonymous.status_code == 401
    merge = (
        'mutation { mergeParts(input: {duplicateCode: "BRK-0002-A", survivorCode: "BRK-0001-A"}) { errors { code } } }'
    )
    body = await staff(merge, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_exports_templates_cleanup_and_dms(client, gql):
    data = await gql("{ exportData(kind: PARTS, format: CSV) { fileName contentType contentBase64 } }")
    text = base64.b64decode(data["exportData"]["contentBase64"]).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("code,barcode,name_zh") and "BRK-0001-A" in text
    stock = await gql("{ exportData(kind: STOCK) { fileName size contentBase64 } }")
    sheet = load_workbook(io.BytesIO(base64.b64decode(stock["exportData"]["contentBase64"]))).worksheets[0]
    assert sheet["A1"].value == "part_code" and sheet.max_row > 5
    template = await gql("{ importTemplate(kind: OPENING_STOCK) { fileName contentBase64 } }")
    book = load_workbook(io.BytesIO(base64.b64decode(template["importTemplate"]["contentBase64"])))
    assert book.sheetnames[0] == "opening_stock" and book["opening_stock"]["A1"].comment is not None

    report = await gql("{ partCompleteness(first: 10) { parts complete missingPhoto items { code missing } } }")
    assert report["partCompleteness"]["parts"] == 4 and report["partCompleteness"]["missingPhoto"] == 4
    zombies = await gql("{ zombieParts(months: 6) { code } duplicatePartCandidates { a { code } b { code } } }")
    assert zombies["zombieParts"] == []

    mutation = """
    mutation($input: ReceiveDmsWorkOrderInput!) {
      receiveDmsWorkOrder(input: $input) { workOrder { number } replayed errors { code field } }
    }"""
    variables = {
        "input": {
            "externalId": "RO-77",
            "storeCode": "S-BJ01",
            "vehicle": {"vin": "LSVAU2180N2183294", "make": "大众", "model": "朗逸"},
            "faultDescription": "保养",
            "lines": [{"partCode": "FLT-0001-C", "quantity": "1"}],
        }
    }
    first = (await gql(mutation, variables))["receiveDmsWorkOrder"]
    again = (await gql(mutation, variables))["receiveDmsWorkOrder"]
    assert first["errors"] == [] and again["replayed"] and again["workOrder"] == first["workOrder"]
    unknown = {"input": {**variables["input"], "externalId": "RO-78", "lines": [{"dmsPartNo": "X", "quantity": "1"}]}}
    errors = (await gql(mutation, unknown))["receiveDmsWorkOrder"]["errors"]
    assert errors == [{"code": "UNKNOWN_PART", "field": ["lines", "0", "dmsPartNo"]}]


async def test_uploads_have_their_own_size_limit():
    async def echo(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse(str(len(await request.body())))

    app = RequestContextMiddleware(Starlette(routes=[Route("/graphql", echo, methods=["POST"])]), 100, 1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/graphql", content=b"x" * 500)).status_code == 413
        upload = await c.post("/graphql", files={"f": ("a.csv", b"x" * 500)})
        assert upload.status_code == 200
        assert (await c.post("/graphql", files={"f": ("a.csv", b"x" * 1500)})).status_code == 413
