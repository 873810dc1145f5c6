"""zh-CN and English. Messages are written in English in code and templates (`_("Sign in")`);
the zh-CN catalogue is a set of Python dicts, one module per area under `portal/locale/`, so
helpers adding pages never edit the same file. A missing translation shows the English text.

The language of a request: the `lang` cookie, else Accept-Language, else zh-CN. The current
language lives in a context variable set per request, so `_()` works the same in views, in
templates and inside imported macros."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import HTTPConnection

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)
DEFAULT_LANGUAGE = ZH
LANG_COOKIE = "lang"
LANGUAGE_NAMES = {ZH: "中文", EN: "English"}

_current: ContextVar[str] = ContextVar("ims_web_lang", default=DEFAULT_LANGUAGE)
_timezone: ContextVar[str] = ContextVar("ims_web_tz", default="Asia/Shanghai")


@cache
def catalogue() -> Mapping[str, str]:
    """English msgid → zh-CN text, merged from every `portal.locale.*` module's `ZH` dict."""
    import portal.locale as package

    merged: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"portal.locale.{info.name}")
        merged.update(getattr(module, "ZH", {}))
    return merged


def normalise(value: str | None) -> str | None:
    if not value:
        return None
    tag = value.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return ZH
    if tag.startswith("en"):
        return EN
    return None


def pick_language(connection: HTTPConnection) -> str:
    chosen = normalise(connection.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(connection.headers.get("accept-language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = normalise(tag)
        if lang and q > 0:
            ranked.append((-q, index, lang))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def set_language(lang: str, timezone: str | None = None) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    if timezone:
        _timezone.set(timezone)


def current_language() -> str:
    return _current.get()


def gettext(msgid: str, /, **params: Any) -> str:
    """Translate to the request's language; `{name}` placeholders are filled from `params`."""
    text = catalogue().get(msgid, msgid) if _current.get() == ZH else msgid
    return text.format(**params) if params else text


_ = gettext


def translate_to(lang: str, msgid: str, /, **params: Any) -> str:
    """Translate to a given language (e-mails and PDFs rendered outside a request)."""
    text = catalogue().get(msgid, msgid) if lang == ZH else msgid
    return text.format(**params) if params else text


# ---------------------------------------------------------------------------------- formatting


def format_number(value: Any, digits: int | None = None) -> str:
    """Grouped digits (1,234.5) — the same in both languages. `digits` fixes the decimals;
    without it a Decimal keeps its significant decimals (30.000000 → 30)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        number = value if digits is not None else _tidy(value)
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return str(value)
    if digits is not None:
        return f"{number:,.{digits}f}"
    return f"{number:,f}"


def _tidy(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def format_money(value: Any, currency: str = "CNY") -> str:
    if value is None or value == "":
        return ""
    symbol = "¥" if currency == "CNY" else f"{currency} "
    text = format_number(value, 2)
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def format_percent(value: Any, digits: int = 0) -> str:
    """A ratio (0.953) as a percentage (95%)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)) * 100:,.{digits}f}%"


_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(_timezone.get()))


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    if _current.get() == ZH:
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = _local(value)
    return f"{format_date(local)} {local:%H:%M}"
