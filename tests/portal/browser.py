"""Browser helpers for web-area tests: phone and desktop contexts in the shared Chromium, sign-in
through the real login form, and screenshots (kept under docs/screens/ with IMS_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from tests.seed import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}


def screens_dir() -> Path:
    if os.environ.get("IMS_SCREENSHOTS") == "1":
        path = ROOT / "docs" / "screens"
    else:
        path = Path(tempfile.gettempdir()) / "ims-screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save <name>.png (docs/screens/ when IMS_SCREENSHOTS=1, else a temp folder); returns the path."""
    path = screens_dir() / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def new_context(
    browser: Browser, base_url: str, *, phone: bool = True, lang: str = "zh-CN", **options: Any
) -> BrowserContext:
    """A fresh context (own cookies) with a phone (390×844, touch) or desktop viewport."""
    return await browser.new_context(base_url=base_url, locale=lang, **(PHONE if phone else DESKTOP), **options)


async def sign_in(page: Page, area: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form of /portal or /console; waits for the area's start page."""
    await page.goto(f"/{area}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", password)
    async with page.expect_navigation():
        await page.click("form.stack button[type=submit]")
    assert "/login" not in page.url, await page.content()
