"""The store console over HTTP (ASGI, a private database per test): every page in both languages,
store isolation (a clerk of S-BJ01 cannot see or act on S-BJ02: 404/403, nothing written), blind
counting with recount prompts, discounts within the role's limit, shipping and receiving a
transfer, labels. Each flow is checked against the ledger."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text

from domain.purchasing import ship_notices
from portal.web import i18n
from tests.portal.console.world import (
    HQ,
    PART_A,
    PART_A_BARCODE,
    PART_B,
    World,
    build_world,
    ledger_ok,
    move_count,
    moved,
    on_hand,
)
from tests.portal.helpers import csrf_of, login

BASE = "https://ims.test"
SCAN = {"X-IMS-Scan": "1", "Accept": "application/json"}


@pytest.fixture
async def world(sessions) -> World:  # type: ignore[no-untyped-def]
    return await build_world(sessions)


@pytest.fixture
async def web(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def signed_in(web: httpx.AsyncClient, username: str = "staff.bj01", lang: str = "zh-CN") -> str:
    web.cookies.set("lang", lang, domain="ims.test", path="/")
    assert (await login(web, "console", username)).status_code == 303
    return csrf_of((await web.get("/console/account")).text)


async def post(web: httpx.AsyncClient, action: str, data: dict[str, str], *, scan: bool = False) -> httpx.Response:
    token = csrf_of((await web.get("/console/account")).text)
    return await web.post(action, data={"csrf": token, **data}, headers=SCAN if scan else None)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_every_page_renders_in_both_languages_without_inline_code(web, world: World) -> None:
    pages = [
        "/console/",
        "/console/sites",
        "/console/lookup",
        "/console/lookup?q=brake",
        f"/console/parts/{PART_A}",
        "/console/receive",
        "/console/receive/sessions/0",
        "/console/putaway",
        "/console/workorders",
        f"/console/workorders/{world.wo_bj01}",
        "/console/transfers",
        f"/console/transfers/{world.t_out}",
        f"/console/transfers/{world.t_in}",
        "/console/count",
        f"/console/count/plans/{world.plan_bj01}",
        "/console/sell",
        "/console/sales",
        "/console/labels",
        "/console/bins/S-BJ01",
    ]
    for lang in ("zh-CN", "en"):
        await signed_in(web, "manager.bj01", lang)
        for url in pages:
            response = await web.get(url)
            expected = 404 if url.endswith("/sessions/0") else 200
            assert response.status_code == expected, (url, response.text[:2000])
            assert " style=" not in response.text and "<script>" not in response.text, url
        report = await web.get("/console/report")
        assert report.status_code == 200, report.text
        assert ("Daily operations report" if lang == "en" else "每日运营报告") in report.text
        await web.post("/console/logout", data={"csrf": csrf_of((await web.get("/console/")).text)})
    home = await web.get("/console/")
    assert home.status_code == 303  # signed out


async def test_home_shows_the_clerks_store_and_only_their_tasks(web, world: World) -> None:
    await signed_in(web, "staff.bj01", "en")
    home = (await web.get("/console/")).text
    assert 'data-site="S-BJ01"' in home
    for tile in ("/lookup", "/receive", "/putaway", "/workorders", "/transfers", "/count", "/sell", "/labels"):
        assert f'data-tile="{tile}"' in home
    assert 'data-tile="/report"' not in home  # the daily report is for managers
    assert (await web.get("/console/report")).status_code == 403
    # A region-wide user picks a site first, then works there.
    web.cookies.clear()
    await signed_in(web, "regional.north", "en")
    first = await web.get("/console/")
    assert first.status_code == 303 and first.headers["location"] == "/console/sites"
    picker = await web.get("/console/sites")
    assert 'data-site-choice="S-BJ02"' in picker.text and 'data-site-choice="S-SH01"' not in picker.text
    chosen = await post(web, "/console/sites", {"site": "S-BJ02"})
    assert chosen.status_code == 303
    assert 'data-site="S-BJ02"' in (await web.get("/console/")).text


async def test_lookup_finds_by_code_barcode_alias_and_shows_other_stores(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    by_barcode = await post(web, "/console/lookup", {"q": PART_A_BARCODE}, scan=True)
    assert by_barcode.json() == {"ok": True, "message": PART_A, "redirect": f"/console/parts/{PART_A}"}
    several = await post(web, "/console/lookup", {"q": "brake"}, scan=True)
    body = several.json()
    assert body["ok"] and "BRK-0001-A" in body["html"] and PART_B in body["html"]  # synonyms and names
    alias = await post(web, "/console/lookup", {"q": "Brake Pads Front"}, scan=True)
    assert alias.json()["redirect"] == "/console/parts/BRK-0001-A"
    nothing = await post(web, "/console/lookup", {"q": "no-such-thing"}, scan=True)
    assert nothing.status_code == 404 and nothing.json()["ok"] is False

    page = (await web.get("/console/parts/BRK-0001-A")).text
    assert 'data-site-stock="S-BJ02"' in page and "8 km" in page
    assert page.index('data-site-stock="S-BJ02"') < page.index('data-site-stock="S-BJ03"')  # nearest first
    assert 'data-substitute="BRK-0002-A"' in page
    assert 'data-request-transfer="S-BJ02"' in page
    ours = (await web.get(f"/console/parts/{PART_A}")).text
    assert "data-available-here>17<" in ours  # 20 on hand, 3 reserved for the approved transfer out

    before = await move_count(sessions)
    requested = await post(
        web, "/console/transfers/request", {"part": PART_A, "from": "S-BJ02", "quantity": "5", "idempotencyKey": "k1"}
    )
    assert requested.status_code == 303 and requested.headers["location"].startswith("/console/transfers/")
    detail = await web.get(requested.headers["location"])
    assert "Requested" in detail.text and "S-BJ02" in detail.text
    assert await move_count(sessions) == before  # a request moves nothing


async def test_a_clerk_of_one_store_cannot_see_or_act_on_another(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    before = await move_count(sessions)
    for url in (
        f"/console/workorders/{world.wo_bj02}",
        f"/console/count/plans/{world.plan_bj02}",
        f"/console/receive/sessions/{world.session_bj02}",
        f"/console/transfers/{world.t_other}",
        f"/console/sales/{world.sale_bj02}",
    ):
        response = await web.get(url)
        assert response.status_code == 404, url
        assert 'data-status="404"' in response.text
    writes = [
        (f"/console/workorders/{world.wo_bj02}/reserve", {}),
        (f"/console/workorders/{world.wo_bj02}/pick", {"code": PART_A, "bin": "S-BJ02", "quantity": "1"}),
        (f"/console/workorders/{world.wo_bj02}/issue", {}),
        (f"/console/count/plans/{world.plan_bj02}/scan", {"code": PART_A, "location": "S-BJ02", "quantity": "1"}),
        (f"/console/receive/sessions/{world.session_bj02}/scan", {"code": PART_A, "quantity": "1"}),
        (f"/console/transfers/{world.t_other}/ship", {"all": "1"}),
        (f"/console/transfers/{world.t_other}/ship/scan", {"code": PART_A, "quantity": "1"}),
        (f"/console/sales/{world.sale_bj02}/return", {"line": "1", "qty_1": "1", "reason": "x"}),
    ]
    for action, data in writes:
        for scan in (False, True):
            response = await post(web, action, {**data, "idempotencyKey": f"x-{action}-{scan}"}, scan=scan)
            if response.status_code == 303:  # the form way: back with an error, never a success
                followed = await web.get(response.headers["location"])
                assert followed.status_code == 404 or "flash-error" in followed.text, action
            else:
                assert response.status_code in (403, 404), (action, response.status_code, response.text[:500])
    # The site cookie cannot move the clerk to another store.
    web.cookies.set("ims_console_site", "S-BJ02", domain="ims.test", path="/console")
    assert 'data-site="S-BJ01"' in (await web.get("/console/")).text
    refused = await post(web, "/console/sites", {"site": "S-BJ02"})
    assert "flash-error" in (await web.get(refused.headers["location"])).text
    # Receiving cannot be started for a site outside the scope either, nor a transfer requested into it.
    assert await move_count(sessions) == before
    assert await ledger_ok(sessions) == []


async def test_blind_count_with_a_recount_prompt(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    page = (await web.get(f"/console/count/plans/{world.plan_bj01}")).text
    assert f'data-task="{PART_A}@S-BJ01"' in page
    assert 'value="S-BJ01"' in page  # the only location: prefilled
    assert "20" not in text_of(page.split("data-count-tasks", 1)[1])  # the book quantity is never shown

    def scan(qty: str, key: str) -> dict[str, str]:
        return {"code": PART_A_BARCODE, "location": "S-BJ01", "quantity": qty, "idempotencyKey": key}

    first = await post(web, f"/console/count/plans/{world.plan_bj01}/scan", scan("12", "c1"), scan=True)
    body = first.json()
    assert body["ok"] is False and "Recount" in body["message"]
    assert set(body) == {"ok", "message", "html"} and "20" not in text_of(body["html"]) and "-8" not in body["html"]
    assert f'data-task="{PART_A}@S-BJ01" data-task-status="recount"' in body["html"]
    retried = await post(web, f"/console/count/plans/{world.plan_bj01}/scan", scan("12", "c1"), scan=True)
    assert retried.json()["message"] == body["message"]  # same key: the first answer, not a second count
    second = await post(web, f"/console/count/plans/{world.plan_bj01}/scan", scan("20", "c2"), scan=True)
    assert second.json()["ok"] is True and "Counted" in second.json()["message"]
    assert f'data-task="{PART_A}@S-BJ01"' not in second.json()["html"]
    wrong = await post(
        web,
        f"/console/count/plans/{world.plan_bj01}/scan",
        {"code": "NOPE-1", "location": "S-BJ01", "quantity": "1", "idempotencyKey": "c3"},
        scan=True,
    )
    assert wrong.status_code == 404 and wrong.json()["ok"] is False
    async with sessions() as s:
        tasks = (
            await s.execute(
                text(
                    "SELECT t.status, t.attempts, t.counted_qty FROM count_task t JOIN part p ON p.id = t.part_id "
                    "WHERE t.plan_id = :plan AND p.code = :code"
                ),
                {"plan": world.plan_bj01, "code": PART_A},
            )
        ).one()
    assert tuple(tasks) == ("counted", 2, Decimal(20))
    assert await on_hand(sessions, PART_A, "S-BJ01") == 20  # counting alone moves nothing


async def test_counter_sale_discount_limit_receipt_and_return(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    added = await post(web, "/console/sell/scan", {"code": PART_A_BARCODE, "quantity": "2"}, scan=True)
    assert added.json()["ok"] and f'data-cart-line="{PART_A}"' in added.json()["html"]
    await post(web, "/console/sell/scan", {"code": PART_B, "quantity": "1.5"}, scan=True)
    cart = (await web.get("/console/sell")).text
    assert "¥250.00" in cart  # 2 × 80 + 1.5 × 60

    too_much = await post(web, "/console/sell/checkout", {"payment": "cash", "discount": "10", "idempotencyKey": "s1"})
    assert too_much.status_code == 400 and "data-checkout-error" in too_much.text
    assert "5%" in too_much.text  # the clerk's limit is named
    no_reference = await post(web, "/console/sell/checkout", {"payment": "wechat_pay", "idempotencyKey": "s2"})
    assert no_reference.status_code == 400
    assert await moved(sessions, PART_A, "S-BJ01", "V-CUSTOMER") == 0  # nothing sold yet

    sold = await post(
        web,
        "/console/sell/checkout",
        {"payment": "wechat_pay", "reference": "WX20261125001", "discount": "5", "idempotencyKey": "s3"},
    )
    assert sold.status_code == 303, sold.text
    receipt = (await web.get(sold.headers["location"])).text
    number = re.search(r"data-sale-number>([^<]+)<", receipt).group(1)  # type: ignore[union-attr]
    assert number.startswith("S-BJ01-")
    assert "¥237.50" in receipt and "WX20261125001" in receipt  # 250 − 5 %
    assert await moved(sessions, PART_A, "S-BJ01", "V-CUSTOMER", "counter_sale") == 2
    assert await moved(sessions, PART_B, "S-BJ01", "V-CUSTOMER", "counter_sale") == Decimal("1.5")
    assert "data-cart-line" not in (await web.get("/console/sell")).text  # the cart is emptied

    returned = await post(
        web,
        f"/console/sales/{number}/return",
        {"line": "1", "qty_1": "1", "reason": "wrong size", "idempotencyKey": "r1"},
    )
    assert returned.status_code == 303
    after = (await web.get(returned.headers["location"])).text
    assert "data-return=" in after and "¥76.00" in after  # one filter at 80 − 5 %
    assert await moved(sessions, PART_A, "V-CUSTOMER", "S-BJ01", "counter_sale_return") == 1
    assert await on_hand(sessions, PART_A, "S-BJ01") == 19
    assert await ledger_ok(sessions) == []


async def test_ship_by_scanning_and_receive_a_transfer(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    wrong = await post(web, f"/console/transfers/{world.t_out}/ship/scan", {"code": PART_B, "quantity": "1"}, scan=True)
    assert wrong.status_code == 400 and "not on this transfer" in wrong.json()["message"]
    too_many = await post(
        web, f"/console/transfers/{world.t_out}/ship/scan", {"code": PART_A, "quantity": "4"}, scan=True
    )
    assert too_many.status_code == 400
    scanned = await post(
        web, f"/console/transfers/{world.t_out}/ship/scan", {"code": PART_A_BARCODE, "quantity": "2"}, scan=True
    )
    assert scanned.json()["ok"] and f'data-draft-item="{PART_A}"' in scanned.json()["html"]
    shipped = await post(web, f"/console/transfers/{world.t_out}/ship", {"idempotencyKey": "ship-1"})
    assert shipped.status_code == 303
    page = (await web.get(shipped.headers["location"])).text
    assert "Partially shipped" in page and "data-draft-item" not in page
    assert await moved(sessions, PART_A, "S-BJ01", "V-TRANSIT", "transfer_ship") == 2

    # S-BJ02's shipment of 4 arrives with one missing.
    incoming = (await web.get(f"/console/transfers/{world.t_in}")).text
    assert f'data-arrived="{PART_A}"' in incoming
    received = await post(
        web,
        f"/console/transfers/{world.t_in}/receive",
        {"shipment": "1", "part": PART_A, "arrived": "3", "note": "one box crushed", "idempotencyKey": "rcv-1"},
    )
    assert received.status_code == 303
    after = (await web.get(received.headers["location"])).text
    assert "discrepancy" in after and "Missing 1" in after
    assert await moved(sessions, PART_A, "V-TRANSIT", "S-BJ01", "transfer_receive") == 3
    assert await on_hand(sessions, PART_A, "S-BJ01") == 20 - 2 + 3
    assert await ledger_ok(sessions) == []


async def test_labels_as_pdf_and_zpl(web, world: World) -> None:
    await signed_in(web, "staff.bj01", "en")
    pdf = await web.get(f"/console/labels/part/{PART_A}", params={"format": "pdf", "copies": "3"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    zpl = await web.get(f"/console/labels/part/{PART_A_BARCODE}", params={"format": "zpl", "copies": "2"})
    assert zpl.status_code == 200 and "^PQ2" in zpl.text and PART_A in zpl.text and "^BC" in zpl.text
    many = await web.get("/console/labels/parts", params={"codes": f"{PART_A}\n{PART_B}", "format": "zpl"})
    assert many.text.count("^XA") == 2
    bins = await web.get("/console/labels/bins", params={"all": "1", "format": "zpl"})
    assert bins.status_code == 200 and "S-BJ01" in bins.text
    wh = await web.get("/console/labels/bin/WH-A-01-01", params={"format": "zpl"})
    assert wh.status_code == 404  # the warehouse is outside a Beijing clerk's scope
    bin_page = (await web.get("/console/bins/S-BJ01")).text
    assert "/console/labels/bin/S-BJ01?format=pdf" in bin_page and PART_A in bin_page
    assert (await web.get("/console/labels/parts", params={"codes": "", "format": "pdf"})).status_code == 400
    assert (await web.get(f"/console/labels/part/{PART_A}", params={"copies": "1000"})).status_code == 400


def test_every_console_text_has_a_chinese_translation() -> None:
    """Every _("...") msgid of the console's code and templates is in the zh-CN catalogue."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    files = list((root / "portal" / "console").glob("*.py")) + list(
        (root / "portal" / "templates" / "console").glob("*.html")
    )
    pattern = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)+)"|_\(\s*'((?:[^'\\]|\\.)+)'""")
    catalogue = i18n.catalogue()
    missing = sorted(
        {m.group(1) or m.group(2) for path in files for m in pattern.finditer(path.read_text())} - set(catalogue)
    )
    assert missing == []


async def test_receiving_shows_discrepancies_then_qc_and_putaway(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    listing = (await web.get("/console/receive")).text
    assert f'data-order="{world.po_bj01}"' in listing
    started = await post(web, "/console/receive/start", {"po": str(world.po_bj01_id)})
    assert started.status_code == 303
    session_url = started.headers["location"]
    assert session_url.startswith("/console/receive/sessions/") and session_url.endswith(f"?po={world.po_bj01_id}")
    scan_url = session_url.replace("?", "/scan?")

    def scan(code: str, qty: str, key: str) -> dict[str, str]:
        return {"code": code, "quantity": qty, "idempotencyKey": key}

    good = await post(web, scan_url, scan(PART_A_BARCODE, "8", "r1"), scan=True)
    assert good.json()["ok"] is True and good.json()["message"] == f"Received 8 × {PART_A}"
    assert "Short 2" in good.json()["html"]
    unknown = await post(web, scan_url, scan("UNKNOWN-XYZ", "1", "r2"), scan=True)
    assert unknown.json()["ok"] is False and unknown.json()["message"].startswith("Unknown part")
    over = await post(web, scan_url, scan(PART_B, "6", "r3"), scan=True)
    assert over.json()["ok"] is False and over.json()["message"].startswith("Over-delivery")
    again = await post(web, scan_url, scan(PART_A_BARCODE, "8", "r1"), scan=True)
    assert again.json()["message"] == good.json()["message"]  # a retried scan books nothing twice
    page = (await web.get(session_url)).text
    assert 'data-hold="UNKNOWN_BARCODE"' in page and 'data-hold="OVER_RECEIPT"' in page
    assert await moved(sessions, PART_A, "V-SUPPLIER", "S-BJ01") == 8
    assert await moved(sessions, PART_B, "V-SUPPLIER", "S-BJ01") == 0  # held: nothing reached stock

    closed = await post(web, session_url.split("?")[0] + "/close", {})
    assert closed.status_code == 303 and closed.headers["location"] == "/console/putaway"
    waiting = (await web.get("/console/putaway")).text
    receipt_url = re.search(rf'href="(/console/putaway/\d+)"><strong>{PART_A}', waiting).group(1)  # type: ignore[union-attr]
    inspected = await post(web, receipt_url + "/inspect", {"accepted": "8", "idempotencyKey": "qc1"})
    assert inspected.status_code == 303
    receipt = (await web.get(receipt_url)).text
    assert 'data-suggested-bin="S-BJ01"' in receipt  # a store without bins stores in itself
    wrong_bin = await post(
        web, receipt_url + "/confirm", {"code": "S-BJ02", "quantity": "8", "idempotencyKey": "p0"}, scan=True
    )
    assert wrong_bin.json()["ok"] is False
    put = await post(
        web, receipt_url + "/confirm", {"code": "S-BJ01", "quantity": "8", "idempotencyKey": "p1"}, scan=True
    )
    assert put.json() == {"ok": True, "message": "Put away 8 in S-BJ01.", "redirect": "/console/putaway"}
    assert await moved(sessions, PART_A, "S-BJ01-QC", "S-BJ01", "putaway") == 8
    assert await on_hand(sessions, PART_A, "S-BJ01") == 28
    assert await ledger_ok(sessions) == []


async def test_work_order_reserve_pick_issue_and_return(web, world: World, sessions) -> None:
    await signed_in(web, "staff.bj01", "en")
    url = f"/console/workorders/{world.wo_bj01}"
    assert f'href="{url}"' in (await web.get("/console/workorders")).text
    reserved = await post(web, url + "/reserve", {})
    assert reserved.status_code == 303
    page = (await web.get(url)).text
    assert f'data-pick="{PART_A}@S-BJ01"' in page and "CL-1" in page and "CL-2" not in page  # oldest lot first

    def pick(code: str, bin_code: str, qty: str, key: str) -> dict[str, str]:
        return {"code": code, "bin": bin_code, "quantity": qty, "idempotencyKey": key}

    wrong = await post(web, url + "/pick", pick(PART_A, "S-BJ03", "2", "p0"), scan=True)
    assert wrong.status_code == 400 and "pick it from S-BJ01" in wrong.json()["message"]
    without_js = await post(web, url + "/pick", pick(PART_A, "S-BJ03", "2", "p0"))  # the plain form post
    assert without_js.status_code == 303 and without_js.headers["location"] == url
    assert "pick it from S-BJ01" in (await web.get(url)).text  # the message, once, on the page
    too_many = await post(web, url + "/pick", pick(PART_A, "S-BJ01", "3", "p1"), scan=True)
    assert too_many.status_code == 400
    first = await post(web, url + "/pick", pick(PART_A_BARCODE, "S-BJ01", "2", "p2"), scan=True)
    assert first.json()["ok"] and first.json()["message"] == f"Picked 2 × {PART_A_BARCODE}"
    second = await post(web, url + "/pick", pick(PART_B, "s-bj01", "1.5", "p3"), scan=True)
    assert second.json()["ok"], second.json()
    assert await moved(sessions, PART_A, "S-BJ01", "V-WORKSHOP") == 0  # picking moves nothing

    issued = await post(web, url + "/issue", {"idempotencyKey": "i1"})
    assert issued.status_code == 303
    assert "Issued 3.5 unit(s)" in (await web.get(issued.headers["location"])).text
    assert await moved(sessions, PART_A, "S-BJ01", "V-WORKSHOP", "workshop_issue") == 2
    assert await moved(sessions, PART_B, "S-BJ01", "V-WORKSHOP", "workshop_issue") == Decimal("1.5")
    back = await post(web, url + "/return", {"code": PART_A, "quantity": "1", "idempotencyKey": "b1"})
    assert back.status_code == 303
    assert await moved(sessions, PART_A, "V-WORKSHOP", "S-BJ01", "workshop_return") == 1
    assert await on_hand(sessions, PART_A, "S-BJ01") == 19
    assert await ledger_ok(sessions) == []


def test_texts_chosen_at_runtime_have_chinese_too() -> None:
    """Tile and menu titles, hold reasons, payment methods and refusal headlines."""
    from portal.console import common, home, receiving, routes, sales

    catalogue = i18n.catalogue()
    wanted = {item.label for item in routes.NAV}
    wanted |= set(receiving.HOLD_TEXT.values()) | set(sales.PAYMENT_LABELS.values()) | set(common.CODE_TEXT.values())

    class Everything:
        def can(self, permission: object) -> bool:
            return True

    for tile in home.tiles(Everything()):  # type: ignore[arg-type]
        wanted |= {tile["title"], tile["hint"]}
    assert sorted(wanted - set(catalogue)) == []


async def test_receiving_by_scanned_po_number_and_ship_notice_label(web, world: World, sessions) -> None:
    async with sessions() as s, s.begin():
        created = await ship_notices.create_ship_notice(
            s,
            HQ,
            ship_notices.ShipNoticeInput(
                number="DN-7781", lines=[ship_notices.ShipNoticeLineInput(world.po_bj01, 2, Decimal(4), lot_no="N-77")]
            ),
        )
        label, line_label = created.notice.label, created.lines[0].label
    await signed_in(web, "staff.bj01", "en")
    assert f'data-notice="{label}"' in (await web.get("/console/receive")).text
    by_number = await post(web, "/console/receive/start", {"code": world.po_bj01.lower()}, scan=True)
    assert by_number.json()["redirect"].endswith(f"?po={world.po_bj01_id}")
    by_label = await post(web, "/console/receive/start", {"code": label}, scan=True)
    session_url = by_label.json()["redirect"]
    page = (await web.get(session_url)).text
    assert "data-expected-notice" in page and line_label in page
    got = await post(
        web, session_url + "/scan", {"code": line_label, "quantity": "3", "idempotencyKey": "n1"}, scan=True
    )
    assert got.json()["ok"] is True and PART_B in got.json()["message"]
    closed = await post(web, session_url + "/close", {})
    assert closed.headers["location"] == session_url
    after = await web.get(session_url)
    assert 'data-hold="SHORT_RECEIPT"' in after.text and "arrived short" in after.text
    assert await moved(sessions, PART_B, "V-SUPPLIER", "S-BJ01") == 3
    unknown = await post(web, "/console/receive/start", {"code": "SN-NOPE"}, scan=True)
    assert unknown.status_code == 404 and unknown.json()["ok"] is False
