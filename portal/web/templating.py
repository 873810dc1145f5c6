"""One Jinja2 environment for both areas: autoescaped, `_()` and the formatting filters as
globals, every template rendered inside `base.html`'s layout."""

from __future__ import annotations

import hashlib
import uuid
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from portal.web import i18n
from portal.web.charts import bar_chart_data

PORTAL_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PORTAL_DIR / "templates"
STATIC_DIR = PORTAL_DIR / "static"
# The Page of the current request, so macros imported without context still get csrf_field()/url().
current_page: ContextVar[Any] = ContextVar("ims_web_page", default=None)


@cache
def static_version(relative: str) -> str:
    """A content hash for cache-busting `?v=` (static files are cached for a day)."""
    path = (STATIC_DIR / relative).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        return "0"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


ROLE_LABELS = {
    "store_staff": "Store staff",
    "store_manager": "Store manager",
    "regional_manager": "Regional manager",
    "hq_operations": "HQ operations",
    "finance": "Finance",
    "admin": "Administrator",
    "supplier": "Supplier",
    "system": "System",
}


def role_label(role: Any) -> str:
    value = getattr(role, "value", role)
    return i18n.gettext(ROLE_LABELS.get(str(value), str(value)))


def _csrf_field() -> Markup:
    page = current_page.get()
    return page.csrf_field() if page is not None else Markup("")


def _url(path: str = "/") -> str:
    page = current_page.get()
    return page.url(path) if page is not None else path


def _static(path: str) -> str:
    page = current_page.get()
    return page.static(path) if page is not None else f"/static/{path}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=i18n.gettext,
        new_idempotency_key=new_idempotency_key,
        bar_chart_data=bar_chart_data,
        role_label=role_label,
        csrf_field=_csrf_field,
        url=_url,
        static=_static,
        LANGUAGES=i18n.LANGUAGES,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
    )
    env.filters.update(
        number=i18n.format_number,
        money=i18n.format_money,
        percent=i18n.format_percent,
        date=i18n.format_date,
        datetime=i18n.format_datetime,
    )
    return env


def render_string(template: str, context: dict[str, object]) -> str:
    return environment().get_template(template).render(context)


def hidden(name: str, value: str) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
