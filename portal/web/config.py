"""The two server-rendered areas that share this web foundation, and their runtime settings.

`/portal` serves supplier users, `/console` internal users; each has its own session cookie
(path-scoped, signed with its own salt) so a session of one area is worthless in the other."""

from __future__ import annotations

import os
from dataclasses import dataclass

from domain.principal import PrincipalKind
from domain.settings import Settings


@dataclass(frozen=True)
class Area:
    name: str  # "portal" | "console"
    prefix: str  # mount path, no trailing slash
    principal_kind: PrincipalKind
    user_kind: str  # app_user.kind allowed to sign in here
    title: str  # msgid of the app name in the header
    cookie: str  # session cookie name
    # Package holding the area's pages: its `routes` module exports ROUTES (and NAV).
    pages_package: str
    other_prefix: str  # where the other kind of user signs in (shown when refused)


SUPPLIER_PORTAL = Area(
    name="portal",
    prefix="/portal",
    principal_kind=PrincipalKind.SUPPLIER_USER,
    user_kind="supplier",
    title="IMS supplier portal",
    cookie="ims_portal",
    pages_package="portal.supplier",
    other_prefix="/console",
)
STORE_CONSOLE = Area(
    name="console",
    prefix="/console",
    principal_kind=PrincipalKind.USER,
    user_kind="internal",
    title="IMS store console",
    cookie="ims_console",
    pages_package="portal.console",
    other_prefix="/portal",
)
AREAS = (SUPPLIER_PORTAL, STORE_CONSOLE)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class WebSettings:
    # Secure cookies always: browsers accept them on http://localhost and http://127.0.0.1 too.
    # IMS_WEB_INSECURE_COOKIES=1 turns Secure off for plain http on another host (a LAN test box).
    secure_cookies: bool = True
    idle_seconds: int = 30 * 60  # a session unused this long ends
    absolute_seconds: int = 8 * 3600  # a session ends this long after sign-in, used or not
    refresh_after: int = 60  # re-sign the cookie (slide the idle window) at most this often
    login_per_minute: int = 10  # per client IP, on top of the per-username lockout
    lock_threshold: int = 5
    lock_seconds: int = 15 * 60
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls, settings: Settings) -> WebSettings:
        return cls(
            secure_cookies=os.environ.get("IMS_WEB_INSECURE_COOKIES") != "1",
            idle_seconds=_env_int("IMS_WEB_IDLE_SECONDS", 30 * 60),
            absolute_seconds=settings.session_ttl,
            login_per_minute=settings.rate_limit_login_per_minute,
            timezone=os.environ.get("IMS_TIMEZONE", "Asia/Shanghai"),
        )
