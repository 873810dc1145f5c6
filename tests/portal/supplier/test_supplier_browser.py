"""The supplier portal end to end in real headless Chromium against a live `ims serve`: a supplier
signs in, sees its shared stock, submits a proposal, creates a ship notice and prints its label,
follows a delivery, downloads a statement PDF (whose text holds the totals the page shows) and
disputes it; another supplier's URLs answer 404. One screenshot per page (docs/screens/ with
IMS_SCREENSHOTS=1). The world is built once on the live database, tagged so it cannot collide
with other browser tests sharing it."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from domain.db import create_engine, session_factory
from tests.portal.browser import new_context, screenshot, sign_in
from tests.portal.conftest import LiveWeb
from tests.portal.supplier.world import World, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def world(live_web: LiveWeb) -> AsyncIterator[World]:
    engine = create_engine(live_web.db_url)
    try:
        yield await build_world(session_factory(engine), tag=uuid.uuid4().hex[:6])
    finally:
        await engine.dispose()


@pytest.fixture
async def supplier_phone(browser: Browser, live_web: LiveWeb) -> AsyncIterator[Page]:
    context = await new_context(browser, live_web.base_url, phone=True)
    page = await context.new_page()
    await sign_in(page, "portal", "supplier.sup01")
    yield page
    await context.close()


@pytest.fixture
async def supplier_desktop(browser: Browser, live_web: LiveWeb) -> AsyncIterator[Page]:
    context = await new_context(browser, live_web.base_url, phone=False, accept_downloads=True)
    page = await context.new_page()
    await sign_in(page, "portal", "supplier.sup01")
    yield page
    await context.close()


async def test_shared_stock_then_a_proposal_submitted_on_a_phone(supplier_phone: Page, world: World) -> None:
    page = supplier_phone
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto("/portal/")
    row = page.locator('[data-part="FLT-0001-C"]').first
    await expect(row).to_be_visible()
    await expect(page.locator("figure.chart")).to_be_visible()
    assert "共享库存" in await page.locator("h1").inner_text()
    await expect(page.locator('[data-alert="late"]').filter(has_text=world.late_notice_number)).to_be_visible()
    await screenshot(page, "portal-dashboard")

    async with page.expect_navigation():
        await page.click('[data-propose="BRK-0001-A"]')
    brk = world.sup01.agreement_ids[0]
    quantity = page.locator(f'input[name="qty-{brk}"]')
    assert float(await quantity.input_value()) > 0  # pre-filled by the system
    await screenshot(page, "portal-proposal-draft")
    async with page.expect_navigation():
        await page.click("[data-submit-proposal]")
    await expect(page.locator("[data-proposal-status]")).to_have_attribute("data-proposal-status", "ordered")
    await expect(page.locator(".flash-success")).to_be_visible()
    order = page.locator("[data-order]")
    number = await order.inner_text()
    assert number.startswith("PO-")
    await screenshot(page, "portal-proposal-ordered")
    await page.goto("/portal/proposals")
    await expect(page.locator('[data-status="automatic"]').first).to_be_visible()
    await screenshot(page, "portal-proposals")
    await page.goto("/portal/orders")
    await expect(page.locator(f'[data-order="{number}"]')).to_be_visible()
    await screenshot(page, "portal-orders")
    async with page.expect_navigation():
        await page.click(f'[data-order="{number}"]')
    await expect(page.locator("main")).to_contain_text("BRK-0001-A")
    await screenshot(page, "portal-order")
    await page.goto("/portal/account")
    await expect(page.locator("[data-account-supplier]")).to_contain_text("SUP-01")
    await screenshot(page, "portal-account")
    assert csp == []


async def test_ship_notice_with_label_then_the_delivery_timeline(supplier_desktop: Page, world: World) -> None:
    page = supplier_desktop
    await page.goto(f"/portal/notices/new?po={world.open_order_number}")
    line = page.locator(f'tr[data-po-line="{world.open_order_number}/1"]')
    await expect(line).to_be_visible()
    number = f"DN-WEB-{uuid.uuid4().hex[:6].upper()}"
    await page.fill("#f-number", number)
    await page.fill("#f-carrier", "顺丰速运")
    await page.fill("#f-trackingNumber", "SF1234567890")
    await line.locator('input[name^="qty-"]').fill("4")
    await line.locator('input[name^="lot-"]').fill("L2611")
    await screenshot(page, "portal-notice-form")
    async with page.expect_navigation():
        await page.click("[data-notice-form] button[type=submit]")
    await expect(page.locator(".flash-success")).to_contain_text(number)
    label = await page.locator("[data-notice-label]").inner_text()
    assert re.fullmatch(r"SN-\d{6}", label)
    await expect(page.locator(f'[data-barcode="{label}"] svg')).to_be_visible()
    await expect(page.locator(f'[data-qr="{label}"] svg')).to_be_visible()
    await screenshot(page, "portal-notice")
    pdf = await page.request.get(await page.locator("[data-label-pdf]").get_attribute("href") or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(await pdf.body())).pages)
    assert label in text and "前刹车片" in text

    await page.goto("/portal/deliveries")
    await expect(page.locator(f'[data-delivery="{label}"]')).to_be_visible()
    await screenshot(page, "portal-deliveries")
    await page.goto(f"/portal/deliveries/{world.received_notice_id}")
    await expect(page.locator("[data-stage]").first).to_have_attribute("data-stage", "received")
    await expect(page.locator('[data-event="discrepancy"]').first).to_be_visible()
    await screenshot(page, "portal-delivery-timeline")
    await page.goto("/portal/scorecard")
    await expect(page.locator('[data-kpi="on-time"]')).to_be_visible()
    await screenshot(page, "portal-scorecard")


async def test_statement_pdf_download_holds_the_totals_then_dispute(supplier_desktop: Page, world: World) -> None:
    page = supplier_desktop
    await page.goto("/portal/statements")
    await screenshot(page, "portal-statements")
    await page.goto(f"/portal/statements/{world.sup01.statement_id}")
    receipts = await page.locator('[data-total="receipts"]').inner_text()
    closing = await page.locator('[data-total="closing"]').inner_text()
    assert receipts.startswith("¥") and receipts != "¥0.00"
    await screenshot(page, "portal-statement")
    async with page.expect_download() as info:
        await page.click('[data-download="pdf"]')
    download = await info.value
    assert download.suggested_filename.endswith(".pdf")
    body = open(await download.path(), "rb").read()  # noqa: ASYNC230 - a local temp file
    assert body.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert receipts.removeprefix("¥") in text and closing.removeprefix("¥") in text
    assert "前刹车片" in text  # the Chinese part name of the receipt line

    await page.fill("#f-disputeComment", "实收 7 件，不是 8 件")
    async with page.expect_navigation():
        await page.click("[data-dispute-statement]")
    await expect(page.locator("[data-statement-status]")).to_have_attribute("data-statement-status", "disputed")
    await expect(page.locator("[data-thread]")).to_contain_text("实收 7 件")
    await screenshot(page, "portal-statement-disputed")


async def test_another_suppliers_urls_answer_404(browser: Browser, live_web: LiveWeb, world: World) -> None:
    other = world.sup02
    urls = [
        f"/portal/proposals/{other.proposal_ids[0]}",
        f"/portal/orders/{other.order_ids[0]}",
        f"/portal/notices/{other.notice_ids[0]}",
        f"/portal/notices/{other.notice_ids[0]}/labels.pdf",
        f"/portal/deliveries/{other.notice_ids[0]}",
        f"/portal/statements/{other.statement_id}",
        f"/portal/statements/{other.statement_id}/download/pdf",
    ]
    context = await new_context(browser, live_web.base_url, phone=False)
    page = await context.new_page()
    try:
        await sign_in(page, "portal", world.sup02_user)  # the owner sees them...
        for url in urls[:1] + urls[5:6]:
            response = await page.goto(url)
            assert response is not None and response.status == 200, url
        await context.clear_cookies()
        await sign_in(page, "portal", "supplier.sup01")  # ...another supplier does not
        for url in urls:
            if url.endswith(("labels.pdf", "/pdf")):  # downloads: fetched with the page's cookies
                fetched = await page.request.get(url)
                assert fetched.status == 404, url
                continue
            response = await page.goto(url)
            assert response is not None and response.status == 404, url
            await expect(page.locator("[data-status]")).to_have_attribute("data-status", "404")
        await screenshot(page, "portal-404")
    finally:
        await context.close()
