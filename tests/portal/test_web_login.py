"""Sign-in, sessions, CSRF and lockout of the web areas, over real HTTP against the ASGI app."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select, text

from domain.audit.models import AuditEntry
from domain.identity import service as identity
from domain.principal import Principal
from tests.portal.helpers import csrf_of, login, set_cookie_headers
from tests.seed import TEST_PASSWORD

BASE = "https://ims.test"


@pytest.fixture
async def web(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_supplier_signs_in_with_a_secure_httponly_samesite_cookie(web, sessions) -> None:
    response = await login(web, "portal", "supplier.sup01")
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/"
    [cookie] = set_cookie_headers(response, "ims_portal")
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].split("=")[1].strip().lower() in ("lax", "strict")
    assert attributes["path"].split("=")[1].strip() == "/portal"
    home = await web.get("/portal/")
    assert home.status_code == 200
    assert "supplier.sup01" in home.text
    async with sessions() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.actor))).all()
    assert ("identity.login", "supplier_user:supplier.sup01") in actions


async def test_wrong_password_is_refused_without_a_session(web) -> None:
    response = await login(web, "console", "staff.bj01", "not the password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text  # zh-CN by default
    assert not set_cookie_headers(response, "ims_console")
    assert (await web.get("/console/")).status_code == 303


async def test_pages_need_a_session_and_come_back_after_sign_in(web) -> None:
    response = await web.get("/console/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Faccount"
    page = await web.get(response.headers["location"])
    signed_in = await web.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "staff.bj01",
            "password": TEST_PASSWORD,
            "next": "/console/account",
        },
    )
    assert signed_in.headers["location"] == "/console/account"
    # An outside target is not followed (no open redirect).
    await web.post("/console/logout", data={"csrf": csrf_of((await web.get("/console/account")).text)})
    page = await web.get("/console/login")
    evil = await web.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "username": "staff.bj01", "password": TEST_PASSWORD, "next": "//evil.test/"},
    )
    assert evil.headers["location"] == "/console/"


async def _forget_ip_limit(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM rate_limit_bucket"))


async def test_five_failures_lock_the_account_and_a_success_resets_the_count(web, sessions) -> None:
    for _ in range(4):
        assert (await login(web, "console", "staff.bj01", "wrong password!")).status_code == 401
    ok = await login(web, "console", "staff.bj01")
    assert ok.status_code == 303  # four failures, then success: the counter starts again
    await web.post("/console/logout", data={"csrf": csrf_of((await web.get("/console/")).text)})
    await _forget_ip_limit(sessions)  # the per-IP limit (10 a minute) is another mechanism

    for attempt in range(1, 6):
        failed = await login(web, "console", "staff.bj01", "wrong password!")
        assert failed.status_code == 401
        assert "用户名或密码错误" in failed.text
        assert ("data-login-hint" in failed.text) is (attempt == 5)
    locked = await login(web, "console", "staff.bj01")  # the right password, but locked
    assert locked.status_code == 401
    assert "锁定" in locked.text
    assert not set_cookie_headers(locked, "ims_console")

    # Every worker reads the same lock from PostgreSQL; when the lock time has passed, sign-in works.
    async with sessions() as session, session.begin():
        row = (await session.execute(text("SELECT locked_until > now() FROM login_lockout"))).scalar_one()
        assert row is True
        await session.execute(text("UPDATE login_lockout SET locked_until = now() - interval '1 second'"))
    assert (await login(web, "console", "staff.bj01")).status_code == 303
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM login_lockout"))).scalar_one() == 0


async def test_a_post_without_or_with_a_wrong_csrf_token_is_forbidden(web) -> None:
    assert (await web.get("/portal/login")).status_code == 200
    missing = await web.post("/portal/login", data={"username": "supplier.sup01", "password": TEST_PASSWORD})
    assert missing.status_code == 403
    assert 'data-status="403"' in missing.text
    assert not set_cookie_headers(missing, "ims_portal")

    assert (await login(web, "portal", "supplier.sup01")).status_code == 303
    new = "a brand new password"
    change = {"currentPassword": TEST_PASSWORD, "newPassword": new, "repeatPassword": new}
    assert (await web.post("/portal/account/password", data=change)).status_code == 403
    assert (await web.post("/portal/account/password", data={**change, "csrf": "forged"})).status_code == 403
    assert (await web.post("/portal/logout", data={"csrf": "forged"})).status_code == 403
    assert (await web.get("/portal/account")).status_code == 200  # still signed in
    # The login form's token is not the session's token.
    login_token = csrf_of((await web.get("/console/login")).text)
    assert (await web.post("/portal/account/password", data={**change, "csrf": login_token})).status_code == 403


async def test_supplier_users_stay_out_of_the_console_and_staff_out_of_the_portal(web) -> None:
    refused = await login(web, "console", "supplier.sup01")
    assert refused.status_code == 403
    assert "/portal/login" in refused.text
    assert not set_cookie_headers(refused, "ims_console")
    refused = await login(web, "portal", "staff.bj01")
    assert refused.status_code == 403
    assert not set_cookie_headers(refused, "ims_portal")

    # A portal session cookie is worthless in the console, even renamed: each area signs its own.
    signed_in = await login(web, "portal", "supplier.sup01")
    value = web.cookies.get("ims_portal", path="/portal")
    assert signed_in.status_code == 303 and value
    async with httpx.AsyncClient(transport=web._transport, base_url=BASE) as other:
        other.cookies.set("ims_console", value, path="/console")
        assert (await other.get("/console/")).status_code == 303


async def test_a_deactivated_user_is_signed_out_on_the_next_request(web, sessions) -> None:
    assert (await login(web, "console", "manager.bj01")).status_code == 303
    assert (await web.get("/console/")).status_code == 200
    async with sessions() as session, session.begin():
        await identity.set_user_active(session, Principal.system("test"), "manager.bj01", False)
    response = await web.get("/console/")
    assert response.status_code == 303
    assert "/console/login" in response.headers["location"]
    assert (await login(web, "console", "manager.bj01")).status_code == 401


async def test_sign_out_ends_the_session(web) -> None:
    assert (await login(web, "console", "staff.bj01")).status_code == 303
    token = csrf_of((await web.get("/console/")).text)
    response = await web.post("/console/logout", data={"csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert (await web.get("/console/")).status_code == 303
    assert "您已退出登录" in (await web.get("/console/login")).text  # the flash message, once


async def _console_codec(app):  # type: ignore[no-untyped-def]
    mount = next(r for r in app.routes if getattr(r, "path", "") == "/console")
    return await mount.app.state.web.codec()


async def test_idle_and_absolute_expiry(app, web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert (await login(web, "console", "staff.bj01")).status_code == 303
    codec = await _console_codec(app)
    user_id = codec.load(_Cookies(web.cookies.get("ims_console", path="/console"))).user_id
    real = time.time

    def cookie(signed_ago: int, signed_in_ago: int) -> str:
        monkeypatch.setattr(time, "time", lambda: real() - signed_ago)
        try:
            return codec._session.dumps({"u": user_id, "c": "x", "t": int(real() - signed_in_ago)})
        finally:
            monkeypatch.setattr(time, "time", real)

    async def status(value: str) -> int:
        web.cookies.set("ims_console", value, domain="ims.test", path="/console")
        return (await web.get("/console/")).status_code

    assert await status(cookie(10, 3600)) == 200  # used 10 s ago, signed in an hour ago
    assert await status(cookie(31 * 60, 31 * 60)) == 303  # idle for 31 minutes (limit 30)
    assert await status(cookie(60, 8 * 3600 + 60)) == 303  # active, but signed in over 8 hours ago
    # Working keeps the session alive: a cookie older than a minute is re-signed on the response.
    web.cookies.set("ims_console", cookie(120, 600), domain="ims.test", path="/console")
    response = await web.get("/console/")
    assert response.status_code == 200 and set_cookie_headers(response, "ims_console")


class _Cookies:
    def __init__(self, value: str | None) -> None:
        self.cookies = {"ims_console": value or ""}


async def test_login_rate_limit_per_ip(web) -> None:
    statuses = []
    for n in range(11):  # 10 a minute per address; different usernames, so no lockout is involved
        statuses.append((await login(web, "portal", f"nobody{n}", "wrong password!")).status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
