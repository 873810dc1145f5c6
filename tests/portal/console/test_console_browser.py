"""The store console in headless Chromium with a phone viewport, against the live `ims serve`: a
store clerk (staff.bj01 at S-BJ01) looks a part up, receives a purchase order by typed scans,
picks and issues for a work order, counts blind, sells over the counter; each flow is checked
against the ledger. A clerk of S-BJ01 gets nowhere at S-BJ02. Each page is saved as a screenshot
(docs/screens/console-*.png with IMS_SCREENSHOTS=1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from domain.db import create_engine, session_factory
from tests.portal.browser import new_context, screens_dir, sign_in
from tests.portal.console.world import (
    PART_A,
    PART_A_BARCODE,
    PART_B,
    Sessions,
    World,
    build_world,
    ledger_ok,
    move_count,
    moved,
    on_hand,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def live_sessions(live_web) -> AsyncIterator[Sessions]:  # type: ignore[no-untyped-def]
    engine = create_engine(live_web.db_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def world(live_sessions: Sessions) -> World:
    return await build_world(live_sessions)


@pytest.fixture
async def clerk(browser, live_web, world: World) -> AsyncIterator[Page]:  # type: ignore[no-untyped-def]
    """staff.bj01 signed in on a phone (zh-CN)."""
    context = await new_context(browser, live_web.base_url, phone=True)
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await sign_in(page, "console", "staff.bj01")
    yield page
    await context.close()


async def shot(page: Page, name: str) -> None:
    """A full-page screenshot in CSS pixels (small PNGs for the docs)."""
    await page.screenshot(path=str(screens_dir() / f"{name}.png"), full_page=True, scale="css")


async def scan(page: Page, value: str, *, navigates: bool = False) -> str:
    """Type into the scan input like a keyboard-wedge scanner (text + Enter) and return the answer's
    message once the page shows it. Other fields of the form are filled by the caller first."""
    form = page.locator("form[data-scan-form]").first
    field = form.locator("[data-scan-input]")
    action = (await form.get_attribute("action") or "").split("?")[0]
    await field.fill(value)
    if navigates:  # the answer sends the browser on (one match, putaway done)
        async with page.expect_navigation():
            await field.press("Enter")
        return ""
    async with page.expect_response(lambda r: r.request.method == "POST" and action in r.url) as answer:
        await field.press("Enter")
    message = (await (await answer.value).json())["message"]
    await expect(form.locator("[data-scan-status]")).to_have_text(message)
    return message


async def book(sessions: Sessions, part: str, location: str) -> Decimal:
    async with sessions() as s:
        value = (
            await s.execute(
                text(
                    "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
                    "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND l.code = :l"
                ),
                {"p": part, "l": location},
            )
        ).scalar_one()
    return Decimal(value)


async def test_clerk_looks_up_a_part_and_requests_a_transfer(clerk: Page, live_sessions: Sessions) -> None:
    page = clerk
    await expect(page.locator("[data-site]")).to_have_text("S-BJ01")
    await shot(page, "console-home")
    await page.click("[data-nav-toggle]")
    await page.click("nav [href='/console/lookup']")
    await scan(page, "刹车片")  # a trade synonym: several parts
    await expect(page.locator("[data-parts] [data-part]")).not_to_have_count(0)
    await shot(page, "console-lookup")
    await scan(page, PART_A_BARCODE, navigates=True)  # one part: straight to it
    await expect(page.locator("[data-part-code]")).to_have_text(PART_A)
    await expect(page.locator("[data-site-stock='S-BJ02']")).to_contain_text("8 km")
    await expect(page.locator("[data-substitute]")).to_have_count(0)
    await shot(page, "console-part")

    moves = await move_count(live_sessions)
    form = page.locator("[data-request-transfer='S-BJ02']")
    await form.locator("input[name=quantity]").fill("2")
    async with page.expect_navigation():
        await form.locator("button").click()
    await expect(page.locator(".flash-success")).to_contain_text("S-BJ02")
    await shot(page, "console-transfer-requested")
    assert await move_count(live_sessions) == moves  # a request books nothing


async def test_clerk_receives_a_purchase_order_by_typed_scans(
    clerk: Page, world: World, live_sessions: Sessions
) -> None:
    page = clerk
    before = await on_hand(live_sessions, PART_A, "S-BJ01")
    received_before = await moved(live_sessions, PART_A, "V-SUPPLIER", "S-BJ01")
    await page.goto("/console/receive")
    await shot(page, "console-receive")
    async with page.expect_navigation():
        await page.locator(f"[data-order='{world.po_bj01}'] button").click()
    await page.fill("#f-quantity", "10")
    assert "10" in await scan(page, PART_A_BARCODE)
    await page.fill("#f-quantity", "4")
    assert PART_B in await scan(page, PART_B)
    await page.fill("#f-quantity", "1")
    held = await scan(page, "NO-SUCH-PART")
    assert "未知配件" in held  # unknown part, in red
    await expect(page.locator("form[data-scan-form]")).to_have_class("scan flash-error")
    await expect(page.locator("[data-hold='UNKNOWN_BARCODE']")).to_have_count(1)
    await shot(page, "console-receive-session")
    async with page.expect_navigation():
        await page.click("text=结束收货")
    assert page.url.endswith("/console/putaway")
    await shot(page, "console-putaway")

    async with page.expect_navigation():
        await page.locator(f"[data-receipt='{PART_A}'] a").first.click()
    async with page.expect_navigation():
        await page.click("[data-qc] button[type=submit]")
    await expect(page.locator("[data-suggested-bin='S-BJ01']")).to_be_visible()
    await shot(page, "console-putaway-receipt")
    await scan(page, "S-BJ01", navigates=True)
    assert page.url.endswith("/console/putaway")
    assert await moved(live_sessions, PART_A, "V-SUPPLIER", "S-BJ01") == received_before + 10
    assert await on_hand(live_sessions, PART_A, "S-BJ01") == before + 10
    assert await book(live_sessions, PART_A, "S-BJ01-QC") == 0  # all put away into the store
    assert await ledger_ok(live_sessions) == []


async def test_clerk_picks_and_issues_for_a_work_order(clerk: Page, world: World, live_sessions: Sessions) -> None:
    page = clerk
    issued_before = await moved(live_sessions, PART_A, "S-BJ01", "V-WORKSHOP", "workshop_issue")
    await page.goto("/console/workorders")
    await shot(page, "console-workorders")
    async with page.expect_navigation():
        await page.click(f"a[href='/console/workorders/{world.wo_bj01}']")
    async with page.expect_navigation():
        await page.click("text=预留配件")
    await expect(page.locator(f"[data-pick='{PART_B}@S-BJ01']")).to_contain_text("CL-1")  # oldest lot first
    # Scan the part, Enter jumps to the bin field, scan the bin, Enter picks (quantity typed first).
    await page.fill("#f-quantity", "2")
    await page.locator("[data-scan-input]").fill(PART_A_BARCODE)
    await page.locator("[data-scan-input]").press("Enter")
    await expect(page.locator("#f-bin")).to_be_focused()
    async with page.expect_response(lambda r: r.url.endswith("/pick")):
        await page.keyboard.type("S-BJ01")
        await page.keyboard.press("Enter")
    await expect(page.locator("[data-scan-status]")).to_contain_text(PART_A_BARCODE)
    await page.fill("#f-quantity", "1.5")
    await page.fill("#f-bin", "S-BJ01")
    assert PART_B in await scan(page, PART_B)
    await expect(page.locator(f"[data-line='{PART_A}'] [data-picked]")).to_have_text("2")
    await shot(page, "console-workorder")
    async with page.expect_navigation():
        await page.click("[data-issue]")
    await expect(page.locator(".flash-success")).to_contain_text("3.5")
    assert await moved(live_sessions, PART_A, "S-BJ01", "V-WORKSHOP", "workshop_issue") == issued_before + 2
    assert await moved(live_sessions, PART_B, "S-BJ01", "V-WORKSHOP", "workshop_issue") >= Decimal("1.5")
    assert await ledger_ok(live_sessions) == []


async def test_clerk_counts_blind_with_a_recount_prompt(clerk: Page, world: World, live_sessions: Sessions) -> None:
    page = clerk
    await page.goto("/console/count")
    await shot(page, "console-count")
    async with page.expect_navigation():
        await page.click(f"a[href='/console/count/plans/{world.plan_bj01}']")
    await page.fill("#f-location", "S-BJ01")
    actual = await book(live_sessions, PART_B, "S-BJ01")
    assert str(actual.normalize()) not in await page.locator("[data-count-tasks]").inner_text()
    # Scan the part; Enter moves to the empty quantity; the count is far off: recount.
    await page.locator("[data-scan-input]").fill(PART_B)
    await page.locator("[data-scan-input]").press("Enter")
    await expect(page.locator("#f-quantity")).to_be_focused()
    async with page.expect_response(lambda r: "/scan" in r.url):
        await page.keyboard.type(f"{(actual + 7).normalize():f}")
        await page.keyboard.press("Enter")
    await expect(page.locator("[data-scan-status]")).to_contain_text("复盘")
    await expect(page.locator(f"[data-task='{PART_B}@S-BJ01']")).to_have_attribute("data-task-status", "recount")
    await shot(page, "console-count-recount")
    await page.fill("#f-quantity", f"{actual.normalize():f}")
    assert "已盘点" in await scan(page, PART_B)
    await expect(page.locator(f"[data-task='{PART_B}@S-BJ01']")).to_have_count(0)
    async with live_sessions() as s:
        status, attempts, counted = (
            await s.execute(
                text(
                    "SELECT t.status, t.attempts, t.counted_qty FROM count_task t JOIN part p ON p.id = t.part_id "
                    "WHERE t.plan_id = :plan AND p.code = :p"
                ),
                {"plan": world.plan_bj01, "p": PART_B},
            )
        ).one()
    assert (status, attempts, counted) == ("counted", 2, actual)
    assert await book(live_sessions, PART_B, "S-BJ01") == actual  # counting books nothing


async def test_clerk_sells_over_the_counter(clerk: Page, live_sessions: Sessions) -> None:
    page = clerk
    sold_before = await moved(live_sessions, PART_A, "S-BJ01", "V-CUSTOMER", "counter_sale")
    await page.goto("/console/sell")
    assert PART_A in await scan(page, PART_A_BARCODE)
    await page.fill("#f-quantity", "2")
    assert PART_B in await scan(page, PART_B)
    await expect(page.locator("[data-cart-sum]")).to_have_text("¥200.00")  # 80 + 2 × 60
    await page.fill("#f-discount", "10")  # more than store staff may give
    async with page.expect_navigation():
        await page.click("[data-checkout-form] button[type=submit]")
    await expect(page.locator("[data-checkout-error]")).to_contain_text("5%")
    await shot(page, "console-sell")
    await page.fill("#f-discount", "5")
    await page.select_option("#f-payment", "wechat_pay")
    await page.fill("#f-reference", "WX4200001234")
    async with page.expect_navigation():
        await page.click("[data-checkout-form] button[type=submit]")
    await expect(page.locator("[data-sale-total]")).to_have_text("¥190.00")
    await expect(page.locator("[data-payment]")).to_contain_text("WX4200001234")
    await shot(page, "console-sale-receipt")
    assert await moved(live_sessions, PART_A, "S-BJ01", "V-CUSTOMER", "counter_sale") == sold_before + 1
    assert await ledger_ok(live_sessions) == []


async def test_clerk_of_one_store_cannot_act_on_another(clerk: Page, world: World, live_sessions: Sessions) -> None:
    page = clerk
    moves = await move_count(live_sessions)
    response = await page.goto(f"/console/workorders/{world.wo_bj02}")
    assert response is not None and response.status == 404
    await shot(page, "console-other-store-404")
    for url in (f"/console/count/plans/{world.plan_bj02}", f"/console/sales/{world.sale_bj02}"):
        response = await page.goto(url)
        assert response is not None and response.status == 404
    # A forged form post (the clerk's own valid CSRF token) against S-BJ02's work order and count.
    await page.goto("/console/")
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    statuses = await page.evaluate(
        """async ([token, urls]) => {
            const out = [];
            for (const url of urls) {
                const body = new FormData();
                body.set("csrf", token); body.set("idempotencyKey", "forged-" + url);
                body.set("code", "CSL-0001-A"); body.set("bin", "S-BJ02"); body.set("location", "S-BJ02");
                body.set("quantity", "1");
                const r = await fetch(url, {method: "POST", body, headers: {"X-IMS-Scan": "1"}});
                out.push(r.status);
            }
            return out;
        }""",
        [
            token,
            [
                f"/console/workorders/{world.wo_bj02}/pick",
                f"/console/workorders/{world.wo_bj02}/issue",
                f"/console/count/plans/{world.plan_bj02}/scan",
                f"/console/receive/sessions/{world.session_bj02}/scan",
            ],
        ],
    )
    assert all(status in (403, 404) for status in statuses), statuses
    assert await move_count(live_sessions) == moves


async def test_screens_of_the_other_pages(browser, live_web, world: World) -> None:  # type: ignore[no-untyped-def]
    """The manager's pages (daily report) and the remaining lists, for docs/console.md."""
    context = await new_context(browser, live_web.base_url, phone=True)
    page = await context.new_page()
    await sign_in(page, "console", "manager.bj01")
    for url, name in (
        ("/console/transfers", "console-transfers"),
        (f"/console/transfers/{world.t_out}", "console-transfer-ship"),
        (f"/console/transfers/{world.t_in}", "console-transfer-receive"),
        ("/console/sales", "console-sales"),
        ("/console/labels", "console-labels"),
        ("/console/bins/S-BJ01", "console-bin"),
        ("/console/report", "console-report"),
    ):
        response = await page.goto(url)
        assert response is not None and response.status == 200, url
        await shot(page, name)
    await context.close()
    context = await new_context(browser, live_web.base_url, phone=True, lang="en")
    page = await context.new_page()
    await sign_in(page, "console", "regional.north")
    assert page.url.endswith("/console/sites")
    await shot(page, "console-sites")
    async with page.expect_navigation():
        await page.click("[data-site-choice='S-BJ02']")
    await expect(page.locator("[data-site]")).to_have_text("S-BJ02")
    await shot(page, "console-home-en")
    await context.close()
