"""The request-level helper every view gets: the signed-in Principal, read and write sessions,
rendering in the layout, flash messages, CSRF and error pages.

A view is `async def name(page: Page) -> Response`, wrapped by `@view` (sign-in required) or
`@public_view` (the login page). The wrapper checks the CSRF token of EVERY POST before the view
runs, maps DomainErrors to error pages, and the area app refuses to mount an unwrapped endpoint."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from domain.audit import service as audit
from domain.errors import DomainError, ErrorCode
from domain.identity.keys import server_secret
from domain.identity.policy import ALL_SCOPES, Permission, can
from domain.identity.principals import principal_for_user
from domain.principal import Principal
from domain.settings import Settings
from portal.web import i18n
from portal.web.config import Area, WebSettings
from portal.web.errors import PageError
from portal.web.session import SessionCodec, WebSession, same_token
from portal.web.templating import current_page, hidden, render_string, static_version

log = logging.getLogger("ims.web")
CSRF_FIELD = "csrf"
IDEMPOTENCY_FIELD = "idempotencyKey"
SCAN_HEADER = "x-ims-scan"
_MAX_FIELDS = 500
_MAX_FILES = 10
_NOT_FOUND_CODES = {
    ErrorCode.NOT_FOUND,
    ErrorCode.UNKNOWN_PART,
    ErrorCode.UNKNOWN_LOCATION,
    ErrorCode.UNKNOWN_LOT,
    ErrorCode.UNKNOWN_SUPPLIER,
}

View = Callable[["Page"], Awaitable[Response]]


@dataclass(frozen=True)
class NavItem:
    """A header navigation entry; hidden from principals who lack `permission`."""

    label: str  # English msgid
    path: str  # inside the area, e.g. "/proposals"
    permission: Permission | None = None


class WebRuntime:
    """Per-area, per-process state: the database session factories shared with the API app,
    settings, the navigation, and the cookie codec (its secret loaded once from PostgreSQL)."""

    def __init__(
        self,
        area: Area,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        web: WebSettings,
        nav: Sequence[NavItem] = (),
    ) -> None:
        self.area = area
        self.sessions = sessions
        self.read_sessions = read_sessions
        self.settings = settings
        self.web = web
        self.nav = tuple(nav)
        self._codec: SessionCodec | None = None
        self._lock = asyncio.Lock()

    async def codec(self) -> SessionCodec:
        if self._codec is None:
            async with self._lock:
                if self._codec is None:
                    async with self.sessions() as session, session.begin():
                        secret = await server_secret(session, "web-session")
                    self._codec = SessionCodec(secret, self.area, self.web)
        return self._codec


def runtime_of(request: Request) -> WebRuntime:
    return request.app.state.web


@dataclass
class Pagination:
    """Offset pages from `?page=N&size=M`: ask the service for `limit` (= size + 1) rows from
    `offset`, then `trim(rows)` keeps `size` of them and tells whether a next page exists."""

    number: int
    size: int
    has_next: bool = False
    total: int | None = None
    base_query: list[tuple[str, str]] = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def limit(self) -> int:
        return self.size + 1

    def trim(self, rows: Sequence[Any]) -> list[Any]:
        self.has_next = len(rows) > self.size
        return list(rows[: self.size])

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    def url_for(self, number: int) -> str:
        return "?" + urlencode([*self.base_query, ("page", str(number))])


class Page:
    def __init__(
        self,
        request: Request,
        runtime: WebRuntime,
        codec: SessionCodec,
        principal: Principal | None,
        session: WebSession | None,
        lang: str,
    ) -> None:
        self.request = request
        self.runtime = runtime
        self.area = runtime.area
        self.codec = codec
        self.principal: Principal = principal  # type: ignore[assignment]  # None only in @public_view
        self.session = session
        self.lang = lang
        self.form: FormData | None = None
        self.csrf = session.csrf if session else ""
        self._flashes: list[tuple[str, str]] = []
        self.ended = False

    # ------------------------------------------------------------------------------ basics

    def _(self, msgid: str, /, **params: Any) -> str:
        return i18n.gettext(msgid, **params)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.request.path_params)

    def url(self, path: str = "/") -> str:
        return self.area.prefix + (path if path.startswith("/") else "/" + path)

    def static(self, path: str) -> str:
        return f"{self.area.prefix}/static/{path}?v={static_version(path)}"

    @property
    def origin(self) -> audit.Origin:
        state = self.request.scope.get("state", {})
        client = self.request.client
        return audit.Origin(request_id=state.get("request_id"), ip=client.host if client else None)

    @property
    def is_scan(self) -> bool:
        return self.request.headers.get(SCAN_HEADER) == "1"

    def value(self, name: str, default: str = "") -> str:
        """A submitted form field (POST) or query parameter (GET), stripped; never a file."""
        source = self.form if self.form is not None else self.request.query_params
        raw = source.get(name, default)
        return raw.strip() if isinstance(raw, str) else default

    @property
    def idempotency_key(self) -> str | None:
        key = self.value(IDEMPOTENCY_FIELD)
        return key[:100] if key else None

    def pagination(self, size: int = 25, max_size: int = 100) -> Pagination:
        query = self.request.query_params
        try:
            number = max(1, min(int(query.get("page", "1")), 100_000))
        except ValueError:
            number = 1
        try:
            chosen = max(1, min(int(query.get("size", str(size))), max_size))
        except ValueError:
            chosen = size
        base = [(k, v) for k, v in query.multi_items() if k != "page"]
        return Pagination(number, chosen, base_query=base)

    def can(self, permission: Permission) -> bool:
        return self.principal is not None and can(self.principal, permission)

    @property
    def nav(self) -> list[NavItem]:
        if self.principal is None:
            return []
        return [item for item in self.runtime.nav if item.permission is None or can(self.principal, item.permission)]

    # ---------------------------------------------------------------------------- database

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """An autocommit read session (no transaction held open while the page renders)."""
        async with self.runtime.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction per POST: everything or nothing, its audit entry included. Without an
        explicit `audit(...)` a generic entry (view name, form fields, secrets redacted) is written."""
        async with self.runtime.sessions() as session, session.begin():
            yield session
            if not session.info.get(audit.AUDITED) and self.principal is not None:
                endpoint = getattr(self.request.scope.get("endpoint"), "__name__", "view")
                form = {k: v for k, v in (self.form or {}).items() if isinstance(v, str) and k != CSRF_FIELD}
                await audit.record(
                    session,
                    self.principal,
                    f"web.{self.area.name}.{endpoint}",
                    after={"path": self.request.url.path, "form": form},
                    origin=self.origin,
                )

    async def audit(
        self,
        session: AsyncSession,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        await audit.record(
            session,
            self.principal,
            action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
            origin=self.origin,
        )

    # --------------------------------------------------------------------------- responses

    def flash(self, message: str, level: str = "success") -> None:
        """Shown once on the next rendered page (levels: success, info, warning, error)."""
        self._flashes.append((level, message))

    def csrf_field(self) -> Any:
        return hidden(CSRF_FIELD, self.csrf)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "page": self,
            "principal": self.principal,
            "area": self.area,
            "lang": self.lang,
            "csrf_field": self.csrf_field,
            "url": self.url,
            "static": self.static,
            "request": self.request,
            **extra,
        }

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        shown = self.codec.read_flashes(self.request) + self._flashes
        self._flashes = []
        response = HTMLResponse(render_string(template, self.context(flashes=shown, **context)), status_code=status)
        if self.request.cookies.get(self.codec.flash_cookie):
            self.codec.clear_flashes(response)
        return response

    def redirect(self, path: str, *, flash: str | None = None, level: str = "success") -> RedirectResponse:
        """303 to a path inside the area (POST → redirect → GET); `path` is area-relative."""
        if flash:
            self.flash(flash, level)
        response = RedirectResponse(self.url(path), status_code=303)
        self.codec.write_flashes(response, self.codec.read_flashes(self.request) + self._flashes)
        self._flashes = []
        return response

    def scan_result(
        self, ok: bool, message: str, *, html: str | None = None, redirect: str | None = None, status: int = 200
    ) -> Response:
        """The answer to a scan form: JSON for scan.js (`X-IMS-Scan: 1`), else flash + redirect
        back (the same form works without JavaScript)."""
        if self.is_scan:
            body: dict[str, Any] = {"ok": ok, "message": message}
            if html is not None:
                body["html"] = html
            if redirect is not None:
                body["redirect"] = self.url(redirect)
            return JSONResponse(body, status_code=status)
        target = redirect or self.request.url.path.removeprefix(self.area.prefix) or "/"
        return self.redirect(target, flash=message, level="success" if ok else "error")

    def error(self, status: int, message: str | None = None) -> Response:
        if self.is_scan:
            return JSONResponse({"ok": False, "message": message or _status_text(status)}, status_code=status)
        return self.render("error.html", status=status, status_code=status, message=message)


def _status_text(status: int) -> str:
    return {
        400: i18n.gettext("The request could not be processed."),
        403: i18n.gettext("You do not have access to this page."),
        404: i18n.gettext("This page does not exist, or you may not see it."),
        429: i18n.gettext("Too many requests. Please wait a minute and try again."),
        500: i18n.gettext("Something went wrong on our side. Please try again."),
    }.get(status, i18n.gettext("The request could not be processed."))


async def _parse_form(page: Page) -> bool:
    try:
        page.form = await page.request.form(max_files=_MAX_FILES, max_fields=_MAX_FIELDS)
    except Exception:  # malformed body: treat like a missing CSRF token
        log.info("unparseable form body", exc_info=True)
        return False
    return True


def _domain_error_response(page: Page, error: DomainError) -> Response:
    if error.code in _NOT_FOUND_CODES:
        return page.error(404)
    if error.code is ErrorCode.FORBIDDEN:
        return page.error(403)
    return page.error(400, i18n.gettext(error.message))


async def _run(page: Page, fn: View) -> Response:
    try:
        return await fn(page)
    except PageError as error:
        return page.error(error.status, error.message)
    except DomainError as error:
        return _domain_error_response(page, error)


def _login_redirect(page: Page) -> Response:
    target = page.request.url.path + (f"?{page.request.url.query}" if page.request.url.query else "")
    url = page.url("/login") + "?" + urlencode({"next": target})
    if page.is_scan:
        return JSONResponse(
            {"ok": False, "message": i18n.gettext("Please sign in again."), "redirect": url}, status_code=401
        )
    return RedirectResponse(url, status_code=303)


async def build_page(request: Request, *, signed_in: bool) -> Page:
    runtime = runtime_of(request)
    lang = i18n.pick_language(request)
    i18n.set_language(lang, runtime.web.timezone)
    codec = await runtime.codec()
    session = codec.load(request)
    principal = None
    if session is not None:
        async with runtime.read_sessions() as db:
            principal = await principal_for_user(db, session.user_id, scopes=ALL_SCOPES)
        if principal is None or principal.kind is not runtime.area.principal_kind:
            principal, session = None, None
    page = Page(request, runtime, codec, principal, session, lang)
    current_page.set(page)
    if not signed_in:
        page.csrf = session.csrf if session else (codec.login_csrf(request) or "")
    return page


def view(fn: View | None = None, *, permission: Permission | None = None) -> Any:
    """A page for signed-in users of the area (optionally with `permission`). POSTs must carry the
    session's CSRF token in the `csrf` field (`{{ csrf_field() }}`), else 403."""

    def wrap(fn: View) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            page = await build_page(request, signed_in=True)
            if page.principal is None:
                response = _login_redirect(page)
                if request.cookies.get(page.area.cookie):
                    page.codec.end(response)
                return response
            if request.method == "POST":
                if not await _parse_form(page) or not same_token(page.csrf, _field(page.form, CSRF_FIELD)):
                    return page.error(403, i18n.gettext("The form has expired. Please reload the page and try again."))
            if permission is not None and not can(page.principal, permission):
                return page.error(403)
            response = await _run(page, fn)
            if page.session is not None and not page.ended:
                page.codec.refresh_if_due(response, page.session)
            return response

        endpoint.__portal_view__ = True  # type: ignore[attr-defined]
        return endpoint

    return wrap(fn) if fn is not None else wrap


def public_view(fn: View) -> Callable[[Request], Awaitable[Response]]:
    """A page without sign-in (login, language switch). POSTs still need the CSRF token: the
    session's, or before sign-in the login cookie's (double submit)."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        page = await build_page(request, signed_in=False)
        if request.method == "POST":
            if not await _parse_form(page) or not same_token(page.csrf, _field(page.form, CSRF_FIELD)):
                return page.error(403, i18n.gettext("The form has expired. Please reload the page and try again."))
        return await _run(page, fn)

    endpoint.__portal_view__ = True  # type: ignore[attr-defined]
    return endpoint


def _field(form: FormData | None, name: str) -> str | None:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else None


def form_errors(error: DomainError) -> dict[str, str]:
    """Field name → translated message, for `ui.field(..., errors=errors)`; a DomainError without
    a field goes under "" (shown above the form). Form inputs use the domain's field names."""
    errors = getattr(error, "errors", None) or [error]
    result: dict[str, str] = {}
    for item in errors:
        result.setdefault(item.field[-1] if item.field else "", i18n.gettext(item.message))
    return result
