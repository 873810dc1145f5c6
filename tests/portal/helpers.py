"""HTTP helpers for web-area tests (httpx over ASGI against the `app` fixture, base https://ims.test)."""

from __future__ import annotations

import re

import httpx

from tests.seed import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def login(
    client: httpx.AsyncClient, area: str, username: str, password: str = TEST_PASSWORD, **extra: str
) -> httpx.Response:
    """Open /<area>/login, then post the form with its CSRF token (as a browser does)."""
    page = await client.get(f"/{area}/login")
    assert page.status_code == 200, page.text
    form = {"csrf": csrf_of(page.text), "username": username, "password": password, **extra}
    return await client.post(f"/{area}/login", data=form)


async def form_post(client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]) -> httpx.Response:
    """GET a page, take its CSRF token, POST `data` to `action`."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf": csrf_of(page.text), **data})


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
