"""The web foundation in real headless Chromium against a live `ims serve` (plain http on
127.0.0.1, where Chromium keeps Secure cookies)."""

from __future__ import annotations

import base64

import pytest
from playwright.async_api import Browser, Page

from integrations.labels import code128_svg
from tests.portal.browser import new_context, screenshot, sign_in

pytestmark = pytest.mark.browser


async def test_sign_in_switch_language_and_sign_out_on_a_phone(phone_page: Page) -> None:
    page = phone_page
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto("/portal/login")
    assert await page.locator("h1").inner_text() == "登录"
    await screenshot(page, "portal-login-phone")

    await sign_in(page, "portal", "supplier.sup01")
    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["ims_portal"]
    assert session["secure"] and session["httpOnly"] and session["sameSite"] in ("Lax", "Strict")
    assert session["path"] == "/portal"
    assert await page.locator(".who").inner_text() == "supplier.sup01"

    # On a phone the navigation is folded behind the menu button.
    nav = page.locator("[data-nav]")
    assert not await nav.is_visible()
    await page.click("[data-nav-toggle]")
    assert await nav.is_visible()
    await screenshot(page, "portal-home-phone-menu")

    await page.click("a[hreflang=en]")
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.locator("form.inline button").inner_text() == "Sign out"
    await page.goto("/portal/account")
    assert "Who am I" in await page.locator("main").inner_text()

    async with page.expect_navigation():
        await page.click("form.inline button")
    assert page.url.endswith("/portal/login")
    assert "You have signed out." in await page.locator(".flash").inner_text()
    await page.goto("/portal/account")
    assert "/portal/login" in page.url
    assert csp_errors == []


async def test_wrong_kind_of_user_and_404_in_the_browser(desktop_page: Page) -> None:
    page = desktop_page
    await page.goto("/console/login")
    await page.fill("#f-username", "supplier.sup01")
    await page.fill("#f-password", "correct horse battery staple")
    async with page.expect_navigation():
        await page.click("form.stack button[type=submit]")
    assert "/portal/login" in await page.locator("[data-login-error]").inner_text()
    await sign_in(page, "console", "staff.bj01")
    response = await page.goto("/console/nothing-here")
    assert response is not None and response.status == 404
    assert await page.locator("[data-status]").get_attribute("data-status") == "404"
    await screenshot(page, "console-404-desktop")


async def test_vendored_zxing_decoder_reads_our_code128(browser: Browser, live_web) -> None:  # type: ignore[no-untyped-def]
    """The camera fallback (ZXing, vendored) decodes the Code 128 the label module draws."""
    context = await new_context(browser, live_web.base_url, phone=False)
    page = await context.new_page()
    await sign_in(page, "console", "staff.bj01")
    await page.add_script_tag(url="/console/static/scan.js")
    svg = code128_svg("BRK-0001-A", module_mm=None, show_text=False)
    data_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    decoded = await page.evaluate(
        """async (src) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = 165 * 4; canvas.height = 200;
            const ctx = canvas.getContext("2d");
            ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
            ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
            const decode = await window.IMSScan.zxingCanvasDecoder();  // loads the vendored ZXing
            return decode(canvas);
        }""",
        data_uri,
    )
    await context.close()
    assert decoded == "BRK-0001-A"
