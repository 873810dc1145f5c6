"""Signed session cookies of one area, the CSRF token they carry, the pre-login CSRF cookie and
flash messages.

The cookie holds {user id, CSRF token, sign-in time}; itsdangerous signs it with a secret shared
by every worker (kept in PostgreSQL). Idle expiry is the signature's age (the cookie is re-signed
as the user keeps working); absolute expiry is the sign-in time. The user is re-read from the
database on every request, so deactivation or a role change applies at once."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from portal.web.config import Area, WebSettings

MAX_FLASHES = 5


@dataclass(frozen=True)
class WebSession:
    user_id: int
    csrf: str
    signed_in_at: int
    signed_at: int  # when the cookie was last signed (idle window start)


def same_token(expected: str | None, presented: str | None) -> bool:
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


class SessionCodec:
    def __init__(self, secret: bytes, area: Area, settings: WebSettings) -> None:
        self.area = area
        self.settings = settings
        self._session = URLSafeTimedSerializer(secret, salt=f"ims.web.{area.name}.session")
        self._flash = URLSafeTimedSerializer(secret, salt=f"ims.web.{area.name}.flash")

    @property
    def flash_cookie(self) -> str:
        return f"{self.area.cookie}_flash"

    @property
    def login_csrf_cookie(self) -> str:
        return f"{self.area.cookie}_login"

    def _set(self, response: Response, name: str, value: str, max_age: int, samesite: str = "lax") -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.area.prefix,
            httponly=True,
            secure=self.settings.secure_cookies,
            samesite=samesite,  # type: ignore[arg-type]
        )

    def _delete(self, response: Response, name: str) -> None:
        response.delete_cookie(
            name, path=self.area.prefix, httponly=True, secure=self.settings.secure_cookies, samesite="lax"
        )

    # ------------------------------------------------------------------------------ session

    def load(self, connection: HTTPConnection) -> WebSession | None:
        raw = connection.cookies.get(self.area.cookie)
        if not raw or len(raw) > 1000:
            return None
        try:
            data, signed = self._session.loads(raw, max_age=self.settings.idle_seconds, return_timestamp=True)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        user_id, csrf, since = data.get("u"), data.get("c"), data.get("t")
        if not isinstance(user_id, int) or not isinstance(csrf, str) or not isinstance(since, int):
            return None
        if since + self.settings.absolute_seconds < time.time():
            return None
        return WebSession(user_id, csrf, since, int(signed.timestamp()))

    def _write(self, response: Response, session: WebSession) -> None:
        value = self._session.dumps({"u": session.user_id, "c": session.csrf, "t": session.signed_in_at})
        remaining = session.signed_in_at + self.settings.absolute_seconds - int(time.time())
        self._set(response, self.area.cookie, value, max(1, min(self.settings.idle_seconds, remaining)))

    def start(self, response: Response, user_id: int) -> WebSession:
        now = int(time.time())
        session = WebSession(user_id, secrets.token_urlsafe(24), now, now)
        self._write(response, session)
        self._delete(response, self.login_csrf_cookie)
        return session

    def refresh_if_due(self, response: Response, session: WebSession) -> None:
        """Slide the idle window, at most once a minute (not on every response)."""
        if time.time() - session.signed_at >= self.settings.refresh_after:
            self._write(response, session)

    def end(self, response: Response) -> None:
        self._delete(response, self.area.cookie)

    # --------------------------------------------------------------------- pre-login CSRF

    def login_csrf(self, connection: HTTPConnection) -> str | None:
        value = connection.cookies.get(self.login_csrf_cookie)
        return value if value and len(value) < 100 else None

    def set_login_csrf(self, response: Response, token: str) -> None:
        # Double-submit: the form echoes this cookie; a cross-site page can neither read nor set it.
        self._set(response, self.login_csrf_cookie, token, 3600, samesite="strict")

    # ------------------------------------------------------------------------------ flash

    def read_flashes(self, connection: HTTPConnection) -> list[tuple[str, str]]:
        raw = connection.cookies.get(self.flash_cookie)
        if not raw or len(raw) > 4000:
            return []
        try:
            data = self._flash.loads(raw, max_age=300)
        except BadSignature:
            return []
        if not isinstance(data, list):
            return []
        return [(str(level), str(text)) for level, text in data[:MAX_FLASHES]]

    def write_flashes(self, response: Response, flashes: list[tuple[str, str]]) -> None:
        if flashes:
            data = json.loads(json.dumps([[level, text[:300]] for level, text in flashes[-MAX_FLASHES:]]))
            self._set(response, self.flash_cookie, self._flash.dumps(data), 300)

    def clear_flashes(self, response: Response) -> None:
        self._delete(response, self.flash_cookie)
