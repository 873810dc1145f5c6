"""The factory of one web area (a Starlette sub-application) and the mounts for the API app.

Each area = the foundation's routes (login, logout, language, account) + the routes of its pages
package (`portal.supplier.routes` / `portal.console.routes`: ROUTES and NAV) + static files,
wrapped in the security headers, with error pages in the layout."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from domain.settings import Settings
from portal.web import i18n
from portal.web.account import account_routes
from portal.web.config import AREAS, Area, WebSettings
from portal.web.page import NavItem, WebRuntime, _status_text, runtime_of
from portal.web.security import SecurityHeaders
from portal.web.templating import STATIC_DIR, render_string, static_version

log = logging.getLogger("ims.web")


def _pages(area: Area) -> tuple[list[BaseRoute], list[NavItem]]:
    module = importlib.import_module(f"{area.pages_package}.routes")
    return list(module.ROUTES), list(getattr(module, "NAV", []))


def _check_wrapped(routes: Sequence[BaseRoute]) -> None:
    """Every page goes through @view / @public_view, where CSRF and sign-in are enforced."""
    for route in routes:
        if isinstance(route, Route) and not getattr(route.endpoint, "__portal_view__", False):
            raise RuntimeError(f"{route.path}: wrap the endpoint in portal.web.view or public_view")


async def _error_page(request: Request, status: int) -> Response:
    """404/405/500 outside a view (no route, a bug): rendered in the layout, signed-in or not."""
    try:
        runtime = runtime_of(request)
        lang = i18n.pick_language(request)
        i18n.set_language(lang, runtime.web.timezone)
        area = runtime.area
        context = {
            "page": None,
            "principal": None,
            "area": area,
            "lang": lang,
            "flashes": [],
            "request": request,
            "url": lambda path="/": area.prefix + path,
            "static": lambda path: f"{area.prefix}/static/{path}?v={static_version(path)}",
            "csrf_field": lambda: "",
            "status_code": status,
            "message": _status_text(status),
        }
        return HTMLResponse(render_string("error.html", context), status_code=status)
    except Exception:
        log.exception("error page failed")
        return HTMLResponse("<h1>Error</h1>", status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return await _error_page(request, 404 if status == 405 and request.method == "GET" else status)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("web page failed", exc_info=exc)
    return await _error_page(request, 500)


def create_area_app(
    area: Area,
    sessions: async_sessionmaker[AsyncSession],
    read_sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    web: WebSettings | None = None,
) -> Starlette:
    web = web or WebSettings.from_env(settings)
    page_routes, nav = _pages(area)
    routes: list[BaseRoute] = [*account_routes(), *page_routes]
    _check_wrapped(routes)
    routes.append(Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, static_prefix="/static/")],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.web = WebRuntime(area, sessions, read_sessions, settings, web, nav)
    return app


def web_mounts(
    sessions: async_sessionmaker[AsyncSession],
    read_sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> list[Mount]:
    """`/portal` and `/console`, for api.app.create_app's routes."""
    return [Mount(a.prefix, app=create_area_app(a, sessions, read_sessions, settings)) for a in AREAS]
