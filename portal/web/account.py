"""Sign-in, sign-out, language switch and the account page, shared by both areas."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.audit import service as audit
from domain.catalog.models import Supplier
from domain.errors import DomainError
from domain.identity import lockout, ratelimit
from domain.identity.lockout import LoginOutcome
from domain.identity.service import change_password, grants_of
from domain.principal import Principal
from portal.web import i18n
from portal.web.i18n import gettext as _
from portal.web.page import Page, form_errors, public_view, view


def _safe_next(page: Page, value: str | None) -> str:
    """Only paths inside this area: the login page must not become an open redirect."""
    prefix = page.area.prefix + "/"
    if not value or not value.startswith(prefix) or "//" in value or "\\" in value or len(value) > 2000:
        return "/"
    return value.removeprefix(page.area.prefix)


def _login_page(page: Page, *, error: str | None = None, hint: str | None = None, status: int = 200) -> Response:
    token = page.codec.login_csrf(page.request) or secrets.token_urlsafe(24)
    page.csrf = token
    response = page.render(
        "login.html",
        status=status,
        error=error,
        hint=hint,
        username=page.value("username")[:64],
        next=page.url(_safe_next(page, page.value("next"))),
    )
    page.codec.set_login_csrf(response, token)
    return response


@public_view
async def login(page: Page) -> Response:
    if page.request.method == "GET":
        if page.principal is not None:
            return page.redirect(_safe_next(page, page.value("next")))
        return _login_page(page)
    username = page.value("username")[:64]
    password = str(page.form.get("password", "") if page.form else "")[:256]
    client = page.request.client
    ip = client.host if client else "unknown"
    web = page.runtime.web
    async with page.runtime.sessions() as session, session.begin():
        wait = await ratelimit.hit(session, [f"web:login:ip:{ip}"], web.login_per_minute)
    if wait is not None:
        response = _login_page(page, error=_("Too many attempts. Please wait a minute and try again."), status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    if not username or not password:
        return _login_page(page, error=_("Enter your username and password."), status=400)
    async with page.runtime.sessions() as session, session.begin():
        result = await lockout.password_login(
            session,
            username,
            password,
            kind=page.area.user_kind,
            threshold=web.lock_threshold,
            lock_seconds=web.lock_seconds,
        )
        actor = Principal.system(f"web-{page.area.name}-login")
        if result.outcome is LoginOutcome.OK and result.user is not None:
            actor = Principal(kind=page.area.principal_kind, name=result.user.username, user_id=result.user.id)
            action = "identity.login"
        else:
            action = "identity.login_failed"
        await audit.record(
            session,
            actor,
            action,
            target_type="User",
            target_id=result.user.id if result.user else None,
            after={"area": page.area.name, "username": username.strip().lower(), "outcome": result.outcome.value},
            origin=page.origin,
        )
    if result.outcome is LoginOutcome.WRONG_KIND:
        message = _("This account cannot sign in here. Use {url} instead.", url=page.area.other_prefix + "/login")
        return _login_page(page, error=message, status=403)
    if result.outcome is not LoginOutcome.OK or result.user is None:
        hint = None
        if result.outcome is LoginOutcome.LOCKED:
            minutes = max(1, round(web.lock_seconds / 60))
            hint = _(
                "Too many failed attempts: sign-in is locked for {minutes} minutes. Try again later.", minutes=minutes
            )
        return _login_page(page, error=_("Wrong username or password."), hint=hint, status=401)
    response = page.redirect(_safe_next(page, page.value("next")))
    page.codec.start(response, result.user.id)
    return response


@view
async def logout(page: Page) -> Response:
    if page.request.method == "GET":  # a link must not sign out (no CSRF on GET); show the form
        return page.render("logout.html")
    page.ended = True
    response = page.redirect("/login", flash=_("You have signed out."), level="info")
    page.codec.end(response)
    return response


@public_view
async def switch_language(page: Page) -> Response:
    lang = i18n.normalise(page.params.get("lang")) or i18n.DEFAULT_LANGUAGE
    target = page.value("next")
    prefix = page.area.prefix + "/"
    if not target.startswith(prefix) or "//" in target or "\\" in target or len(target) > 2000:
        target = page.url("/")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        i18n.LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        secure=page.runtime.web.secure_cookies,
        samesite="lax",
    )
    return response


async def _account_page(page: Page, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    principal = page.principal
    grants = []
    supplier = None
    async with page.read() as session:
        if principal.user_id is not None:
            grants = (await grants_of(session, [principal.user_id])).get(principal.user_id, [])
        if principal.supplier_id is not None:
            supplier = await session.get(Supplier, principal.supplier_id)
    return page.render(
        "account.html",
        status=status,
        grants=grants,
        supplier=supplier,
        errors=errors or {},
        now=datetime.now(UTC),
    )


@view
async def account(page: Page) -> Response:
    return await _account_page(page)


@view
async def password(page: Page) -> Response:
    if page.request.method == "GET":
        return page.redirect("/account")
    form = page.form
    current = str(form.get("currentPassword", "")) if form else ""
    new = str(form.get("newPassword", "")) if form else ""
    repeat = str(form.get("repeatPassword", "")) if form else ""
    if new != repeat:
        return await _account_page(page, errors={"repeatPassword": _("The two new passwords differ.")}, status=400)
    try:
        async with page.write() as session:
            user = await change_password(session, page.principal, current, new)
            await page.audit(session, "identity.change_password", target_type="User", target_id=user.id)
    except DomainError as error:
        return await _account_page(page, errors=form_errors(error), status=400)
    return page.redirect("/account", flash=_("Your password has been changed."))


def account_routes() -> list[Route]:
    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
        Route("/lang/{lang}", switch_language, methods=["GET"]),
        Route("/account", account, methods=["GET"]),
        Route("/account/password", password, methods=["GET", "POST"]),
    ]
