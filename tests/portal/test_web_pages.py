"""Layout, languages, error pages, security headers, the account page and the macros."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from starlette.responses import Response
from starlette.routing import Route

from portal.web import i18n
from portal.web.app import _check_wrapped
from portal.web.charts import bar_chart_data
from portal.web.templating import environment
from tests.portal.helpers import csrf_of, login
from tests.seed import TEST_PASSWORD

BASE = "https://ims.test"


@pytest.fixture
async def web(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_language_from_cookie_then_accept_language_then_chinese(web) -> None:
    assert "<h1>登录</h1>" in (await web.get("/portal/login")).text
    english = await web.get("/portal/login", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert "<h1>Sign in</h1>" in english.text and 'lang="en"' in english.text
    weighted = await web.get("/portal/login", headers={"Accept-Language": "en;q=0.4, zh-CN;q=0.8"})
    assert "<h1>登录</h1>" in weighted.text
    switched = await web.get("/portal/lang/en", params={"next": "/portal/login"})
    assert switched.status_code == 303 and switched.headers["location"] == "/portal/login"
    assert "<h1>Sign in</h1>" in (await web.get("/portal/login", headers={"Accept-Language": "zh-CN"})).text
    outside = await web.get("/portal/lang/zh-CN", params={"next": "https://evil.test/"})
    assert outside.headers["location"] == "/portal/"
    assert "<h1>登录</h1>" in (await web.get("/portal/login")).text


async def test_unknown_pages_answer_404_in_the_layout_with_security_headers(web) -> None:
    assert (await login(web, "console", "staff.bj01")).status_code == 303
    response = await web.get("/console/no/such/page")
    assert response.status_code == 404
    assert 'data-status="404"' in response.text
    assert 'class="topbar"' in response.text
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    page = await web.get("/console/")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline for the CSP to block
    static = await web.get("/console/static/portal.css")
    assert static.status_code == 200 and "max-age" in static.headers["cache-control"]
    assert static.headers["x-frame-options"] == "DENY"


async def test_account_page_shows_roles_and_changes_the_password(web) -> None:
    assert (await login(web, "console", "manager.bj01")).status_code == 303
    account = await web.get("/console/account", headers={"Accept-Language": "en"})
    assert "manager.bj01" in account.text and "Store manager" in account.text and "S-BJ01" in account.text
    token = csrf_of(account.text)
    new = "a longer new password"
    wrong = await web.post(
        "/console/account/password",
        data={"csrf": token, "currentPassword": "not it at all", "newPassword": new, "repeatPassword": new},
    )
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    short = await web.post(
        "/console/account/password",
        data={"csrf": token, "currentPassword": TEST_PASSWORD, "newPassword": "short", "repeatPassword": "short"},
    )
    assert short.status_code == 400 and 'id="e-newPassword"' in short.text
    done = await web.post(
        "/console/account/password",
        data={"csrf": token, "currentPassword": TEST_PASSWORD, "newPassword": new, "repeatPassword": new},
    )
    assert done.status_code == 303
    assert "密码已修改" in (await web.get("/console/account")).text
    await web.post("/console/logout", data={"csrf": token})
    assert (await login(web, "console", "manager.bj01")).status_code == 401
    assert (await login(web, "console", "manager.bj01", new)).status_code == 303


async def test_supplier_account_names_the_supplier(web) -> None:
    assert (await login(web, "portal", "supplier.sup01")).status_code == 303
    account = await web.get("/portal/account")
    assert "SUP-01" in account.text and "data-account-supplier" in account.text


def test_every_page_must_go_through_view_or_public_view() -> None:
    async def bare(request):  # type: ignore[no-untyped-def]
        return Response("no CSRF check here")

    with pytest.raises(RuntimeError, match="wrap the endpoint"):
        _check_wrapped([Route("/bare", bare, methods=["GET", "POST"])])


def test_numbers_dates_and_translations() -> None:
    from datetime import UTC, date, datetime

    i18n.set_language("zh-CN")
    assert i18n.gettext("Sign in") == "登录"
    assert i18n.gettext("Page {number}", number=3) == "第 3 页"
    assert i18n.format_date(date(2026, 11, 25)) == "2026年11月25日"
    assert i18n.format_datetime(datetime(2026, 11, 25, 2, 5, tzinfo=UTC)) == "2026年11月25日 10:05"
    i18n.set_language("en")
    assert i18n.gettext("Sign in") == "Sign in"
    assert i18n.format_date(date(2026, 11, 25)) == "25 Nov 2026"
    assert i18n.format_number(Decimal("1234567.500000")) == "1,234,567.5"
    assert i18n.format_number(Decimal("30.000000")) == "30"
    assert i18n.format_money(Decimal("-1234.5")) == "-¥1,234.50"
    assert i18n.format_percent(Decimal("0.953"), 1) == "95.3%"
    i18n.set_language("zh-CN")


def test_bar_chart_scales_clamps_and_marks() -> None:
    chart = bar_chart_data(
        [
            {"label": "A", "value": 5, "level": "danger"},
            {"label": "B", "value": Decimal("20"), "level": "ok"},
            {"label": "C", "value": None},
        ],
        marks=[{"label": "min", "value": 10}],
    )
    assert [b.percent for b in chart.bars] == [25.0, 100.0, 0.0]
    assert chart.bars[2].level == "none" and chart.marks[0].percent == 50.0
    capped = bar_chart_data([{"label": "A", "value": 45}], max_value=30)
    assert capped.bars[0].percent == 100.0

    template = environment().from_string(
        '{% import "macros.html" as ui %}{{ ui.bar_chart(items, unit="d", marks=marks, title="Cover") }}'
        "{{ ui.table(cols, rows) }}"
    )
    i18n.set_language("en")
    html = template.render(
        items=[{"label": "BRK-0001-A", "value": 3, "level": "danger"}, {"label": "FLT-0001-C", "value": 12}],
        marks=[{"label": "Minimum", "value": 6}],
        cols=[{"label": "Part", "key": "code"}, {"label": "Qty", "key": "qty", "format": "number"}],
        rows=[{"code": "<b>x</b>", "qty": Decimal("1234.50")}],
    )
    assert '<rect class="bar-fill" x="0" y="0" width="25.0" height="10">' in html
    assert 'x1="50.0"' in html and "3.0 d" in html and "Cover" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "1,234.5" in html  # escaped, formatted
