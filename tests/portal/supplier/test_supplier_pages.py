"""The supplier portal over HTTP (httpx → ASGI, real PostgreSQL): what each page shows, the forms'
error paths, CSRF on every write, and that another supplier's ids answer 404 on every page and
action — with nothing changed behind the 404."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from domain.identity.policy import ALL_SCOPES
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing.models import ShipNotice
from domain.vmi import proposals
from domain.vmi.models import VmiProposal
from domain.vmi.statements.models import Statement, StatementComment
from portal.web.i18n import catalogue
from tests.portal.helpers import csrf_of, login
from tests.portal.supplier.world import CLOSING, World, build_world

BASE = "https://ims.test"
TEMPLATES = Path(__file__).resolve().parents[3] / "portal" / "templates" / "supplier"
SUPPLIER_CODE = Path(__file__).resolve().parents[3] / "portal" / "supplier"
BJ01_MANAGER = Principal(
    PrincipalKind.USER, "mgr-bj01", frozenset({Role.STORE_MANAGER}), ("HQ/R-N/S-BJ01",), scopes=ALL_SCOPES
)


@pytest.fixture
async def world(sessions) -> World:  # type: ignore[no-untyped-def]
    return await build_world(sessions)


@pytest.fixture
async def web(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def signed_in(web: httpx.AsyncClient, username: str = "supplier.sup01", lang: str = "zh-CN") -> None:
    web.cookies.set("lang", lang, domain="ims.test")
    assert (await login(web, "portal", username)).status_code == 303


async def post(web: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]) -> httpx.Response:
    """As a browser: open a page of the portal, post a form with that page's CSRF token."""
    page = await web.get(page_url)
    assert page.status_code == 200, page.text
    return await web.post(action, data={"csrf": csrf_of(page.text), **data})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------------------------ isolation


async def test_another_suppliers_ids_answer_404_on_every_page_and_action(web, world, sessions) -> None:
    await signed_in(web)
    other = world.sup02
    pages = [
        f"/portal/proposals/{other.proposal_ids[0]}",
        f"/portal/orders/{other.order_ids[0]}",
        f"/portal/notices/{other.notice_ids[0]}",
        f"/portal/notices/{other.notice_ids[0]}/labels.pdf",
        f"/portal/notices/{other.notice_ids[0]}/labels.zpl",
        f"/portal/deliveries/{other.notice_ids[0]}",
        f"/portal/statements/{other.statement_id}",
        f"/portal/statements/{other.statement_id}/download/pdf",
        f"/portal/statements/{other.statement_id}/download/xlsx",
        # ids that do not exist, or that no integer column can hold
        "/portal/proposals/987654",
        "/portal/statements/99999999999",
        "/portal/notices/0",
    ]
    for url in pages:
        response = await web.get(url)
        assert response.status_code == 404, url
        assert 'data-status="404"' in response.text, url
        assert "EF-0001" not in response.text and "East Filters" not in response.text
    token = csrf_of((await web.get("/portal/")).text)
    actions = [
        (f"/portal/proposals/{other.proposal_ids[0]}", {"action": "submit", f"qty-{other.agreement_ids[0]}": "5"}),
        (f"/portal/proposals/{other.proposal_ids[0]}/cancel", {}),
        ("/portal/proposals/new", {"agreementId": str(other.agreement_ids[0])}),
        (f"/portal/statements/{other.statement_id}/confirm", {}),
        (f"/portal/statements/{other.statement_id}/dispute", {"disputeComment": "not mine"}),
        (f"/portal/statements/{other.statement_id}/comment", {"comment": "hello"}),
    ]
    for url, data in actions:
        response = await web.post(url, data={"csrf": token, **data})
        assert response.status_code == 404, url
    async with sessions() as s:
        proposal = await s.get(VmiProposal, other.proposal_ids[0])
        statement = await s.get(Statement, other.statement_id)
        comments = (
            await s.execute(select(StatementComment).where(StatementComment.statement_id == other.statement_id))
        ).scalars()
        assert proposal is not None and proposal.status == "draft"
        assert statement is not None and statement.status == "issued"
        assert all(c.body != "hello" for c in comments)
    # The lists show only SUP-01's own objects.
    for url in ("/portal/", "/portal/proposals", "/portal/orders", "/portal/notices", "/portal/statements"):
        body = (await web.get(url)).text
        assert "EF-0001" not in body and "S-BJ02" not in body and "SUP-02" not in body, url


async def test_every_write_needs_the_session_csrf_token(web, world, sessions, app) -> None:
    await signed_in(web)
    sup01 = world.sup01
    writes = [
        ("/portal/notices/new", {"number": "DN-CSRF"}),
        ("/portal/proposals/new", {"agreementId": str(sup01.agreement_ids[0])}),
        (f"/portal/statements/{sup01.statement_id}/confirm", {}),
        (f"/portal/statements/{sup01.statement_id}/dispute", {"disputeComment": "x"}),
        (f"/portal/statements/{sup01.statement_id}/comment", {"comment": "x"}),
    ]
    for url, data in writes:
        for token in (None, "forged-token"):
            form = data if token is None else {"csrf": token, **data}
            response = await web.post(url, data=form)
            assert response.status_code == 403, (url, token)
    async with sessions() as s:
        assert (await s.get(Statement, sup01.statement_id)).status == "issued"  # type: ignore[union-attr]
        mine = select(VmiProposal).where(VmiProposal.supplier_id == sup01.supplier_id)
        assert (await s.execute(mine)).first() is None
    # Signed out, a page sends to the login page, and so does a POST (changing nothing).
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as anonymous:
        response = await anonymous.get("/portal/statements")
        assert response.status_code == 303 and "/portal/login" in response.headers["location"]
        response = await anonymous.post(f"/portal/statements/{sup01.statement_id}/confirm", data={"csrf": "x"})
        assert response.status_code == 303 and "/portal/login" in response.headers["location"]
    async with sessions() as s:
        assert (await s.get(Statement, sup01.statement_id)).status == "issued"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------ the pages


async def test_dashboard_shows_shared_stock_chart_and_alerts(web, world) -> None:
    await signed_in(web)
    body = (await web.get("/portal/")).text
    assert 'data-part="BRK-0001-A"' in body and 'data-part="FLT-0001-C"' in body
    assert "figure" in body and "bar-danger" in body  # the days-of-cover chart, BRK below its minimum
    assert 'data-alert="below-min"' in body
    assert 'data-alert="late"' in body and "DN-LATE-1" in body
    assert 'data-alert="to-answer"' in body
    assert "共享库存" in body and "低于最低" in body
    web.cookies.set("lang", "en", domain="ims.test")
    english = await web.get("/portal/")
    assert "Shared stock" in english.text and "Days of cover" in english.text


async def test_ship_notice_errors_then_created_with_labels(web, world, sessions) -> None:
    await signed_in(web, lang="en")
    form = await web.get("/portal/notices/new")
    assert world.open_order_number in form.text
    rows = re.findall(r'data-po-line="([^"]+)"', form.text)
    assert f"{world.open_order_number}/1" in rows
    key = re.search(rf'data-po-line="{world.open_order_number}/1">.*?name="qty-(\d+)"', form.text, re.S)
    assert key is not None
    line = key.group(1)
    token = csrf_of(form.text)
    # 20 of 10 ordered is past the tolerance: refused, shown at that line's input, nothing stored.
    refused = await web.post(
        "/portal/notices/new",
        data={"csrf": token, "number": "DN-WEB-1", "carrier": "SF", f"qty-{line}": "20", f"lot-{line}": "L1"},
    )
    assert refused.status_code == 400
    assert re.search(r'class="qty has-error".*?class="error">[^<]*exceeds', refused.text, re.S)
    assert 'value="DN-WEB-1"' in refused.text and 'value="L1"' in refused.text  # the form keeps what was typed
    bad_date = await web.post(
        "/portal/notices/new",
        data={"csrf": token, "number": "DN-WEB-1", f"qty-{line}": "5", "expectedArrival": "next week"},
    )
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
    async with sessions() as s:
        assert (await s.execute(select(ShipNotice).where(ShipNotice.number == "DN-WEB-1"))).first() is None

    created = await web.post(
        "/portal/notices/new",
        data={
            "csrf": token,
            "number": "dn-web-1",
            "carrier": "SF Express",
            "trackingNumber": "SF9988",
            f"qty-{line}": "6",
            f"lot-{line}": "LOT-A",
        },
    )
    assert created.status_code == 303
    notice_url = created.headers["location"]
    page = await web.get(notice_url)
    assert "DN-WEB-1" in page.text and "Ship notice DN-WEB-1 created" in page.text
    label = re.search(r"data-notice-label>(SN-\d+)<", page.text)
    assert label is not None
    assert f'aria-label="{label.group(1)}"' in page.text  # the Code 128 SVG of the label
    pdf = await web.get(f"{notice_url}/labels.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    zpl = (await web.get(f"{notice_url}/labels.zpl")).text
    assert f"^FD{label.group(1)}^FS" in zpl and f"{label.group(1)}-01" in zpl and "^BC" in zpl
    # Duplicate notice numbers are refused at the number field.
    again = await web.post("/portal/notices/new", data={"csrf": token, "number": "DN-WEB-1", f"qty-{line}": "1"})
    assert again.status_code == 400 and "already recorded" in again.text


async def test_proposal_drafted_by_the_system_then_submitted_within_and_outside_bounds(web, world, sessions) -> None:
    await signed_in(web, lang="en")
    brk, flt = world.sup01.agreement_ids
    drafted = await post(web, "/portal/", "/portal/proposals/new", {"agreementId": str(brk), "idempotencyKey": "k1"})
    assert drafted.status_code == 303
    url = drafted.headers["location"]
    draft = await web.get(url)
    assert "drafted with the suggested quantity" in draft.text
    suggested = re.search(rf'name="qty-{brk}"[^>]*value="([^"]*)"', draft.text, re.S)
    assert suggested is not None and Decimal(suggested.group(1)) > 0
    # The same click again (same key) answers with the same draft.
    again = await post(web, "/portal/", "/portal/proposals/new", {"agreementId": str(brk), "idempotencyKey": "k1"})
    assert again.headers["location"] == url

    bad = await post(web, url, url, {"action": "submit", f"qty-{brk}": "-3"})
    assert bad.status_code == 400 and "has-error" in bad.text
    submitted = await post(web, url, url, {"action": "submit", f"qty-{brk}": suggested.group(1)})
    assert submitted.status_code == 303
    done = await web.get(url)
    assert 'data-proposal-status="ordered"' in done.text and "approved automatically" in done.text
    order = re.search(r'href="/portal/orders/(\d+)" data-order="([^"]+)"', done.text)
    assert order is not None
    order_page = await web.get(f"/portal/orders/{order.group(1)}")
    assert order_page.status_code == 200 and "BRK-0001-A" in order_page.text and "VMI" in order_page.text

    # Far past the maximum: the buyer decides; the buyer rejects with a comment the supplier reads.
    drafted = await post(web, "/portal/", "/portal/proposals/new", {"agreementId": str(flt)})
    url = drafted.headers["location"]
    waiting = await post(web, url, url, {"action": "submit", f"qty-{flt}": "500", "comment": "campaign"})
    assert waiting.status_code == 303
    assert "waits for the buyer" in (await web.get(url)).text
    proposal_id = int(url.rsplit("/", 1)[1])
    async with sessions() as s, s.begin():
        await proposals.decide_proposal(s, BJ01_MANAGER, proposal_id, approve=False, comment="太多了 / too many")
    listing = await web.get("/portal/proposals")
    assert 'data-status="rejected"' in listing.text and "too many" in listing.text
    assert 'data-status="automatic"' in listing.text and order.group(2) in listing.text


async def test_statement_dispute_comment_thread_and_downloads(web, world) -> None:
    await signed_in(web, lang="en")
    url = f"/portal/statements/{world.sup01.statement_id}"
    page = await web.get(url)
    assert page.status_code == 200
    assert re.search(r'data-total="receipts">¥1,440.00<', page.text)
    assert re.search(r'data-total="returns">¥180.00<', page.text)
    assert re.search(r'data-total="closing">¥1,260.00<', page.text)
    assert "BRK-0001-A" in page.text and "please check" in page.text
    # Lines page by page (numbered 1..n in statement order).
    second = await web.get(f"{url}?size=1&page=2")
    assert re.findall(r'<td data-label="#" class="num">(\d+)</td>', second.text) == ["2"]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    token = csrf_of(page.text)
    empty = await web.post(f"{url}/dispute", data={"csrf": token, "disputeComment": "  "})
    assert empty.status_code == 400 and "comment is required" in empty.text
    disputed = await web.post(f"{url}/dispute", data={"csrf": token, "disputeComment": "数量不对 / 7 arrived, not 8"})
    assert disputed.status_code == 303
    page = await web.get(url)
    assert 'data-statement-status="disputed"' in page.text and "7 arrived, not 8" in page.text
    assert "data-confirm-form" not in page.text  # nothing to confirm while disputed
    assert 'data-alert="disputed"' in (await web.get("/portal/")).text
    late = await web.post(f"{url}/confirm", data={"csrf": token})
    assert late.status_code == 400 and "cannot be confirmed" in late.text
    commented = await web.post(f"{url}/comment", data={"csrf": token, "comment": "delivery note attached"})
    assert commented.status_code == 303
    assert text_of((await web.get(url)).text).count("delivery note attached") == 1

    xlsx = await web.get(f"{url}/download/xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    assert "attachment" in xlsx.headers["content-disposition"]
    cells = [c for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) for c in row]
    assert any(c in (CLOSING, float(CLOSING)) for c in cells)
    assert (await web.get(f"{url}/download/docx")).status_code == 404


async def test_deliveries_timeline_late_flags_and_scorecard(web, world) -> None:
    await signed_in(web, lang="en")
    listing = await web.get("/portal/deliveries")
    assert "DN-LATE-1" in listing.text and "data-late" in listing.text
    late_only = await web.get("/portal/deliveries?late=1")
    assert "DN-LATE-1" in late_only.text and "DN-RCV-1" not in late_only.text
    timeline = await web.get(f"/portal/deliveries/{world.received_notice_id}")
    assert 'data-stage="received"' in timeline.text
    assert 'data-event="discrepancy"' in timeline.text and "cracked" in timeline.text
    for junk in ("?before=99999999999", "?before=abc&late=1"):  # cursors that name nothing
        assert (await web.get(f"/portal/deliveries{junk}")).status_code == 200
        assert (await web.get(f"/portal/notices{junk}")).status_code == 200
    card = await web.get("/portal/scorecard")
    assert card.status_code == 200
    assert 'data-kpi="on-time"' in card.text and "On-time rate by month" in card.text


# ----------------------------------------------------------------------------------- languages


def test_every_supplier_text_has_a_chinese_translation() -> None:
    """Each English msgid of the supplier pages (templates and views) is in the zh-CN catalogue."""
    found: set[str] = set()
    pattern = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)+)"|_\(\s*'((?:[^'\\]|\\.)+)'""")
    sources = [*TEMPLATES.glob("*.html"), *SUPPLIER_CODE.glob("*.py")]
    for path in sources:
        for match in pattern.finditer(path.read_text()):
            found.add(match.group(1) or match.group(2))
    ui = (TEMPLATES / "ui.html").read_text()
    labels = re.findall(r'"[a-z_]+": "([^"]+)"', ui[ui.index("LABELS") : ui.index("TONES")])
    nav = re.findall(r'NavItem\("([^"]+)"', (SUPPLIER_CODE / "routes.py").read_text())
    missing = sorted(m for m in found | set(labels) | set(nav) if m not in catalogue())
    assert missing == []
