"""The browser login session: a signed cookie (HttpOnly, SameSite=Lax) naming the user, plus a
CSRF token. The CSRF token is also set in the readable `csrftoken` cookie, which GraphiQL echoes in
the `X-CSRFToken` header; a cookie-authenticated POST must present it, and a cross-site page can
neither read the cookie nor set the header."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "ims_session"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
LOGIN_CSRF_COOKIE = "ims_login_csrf"


@dataclass(frozen=True)
class LoginSession:
    user_id: int
    csrf: str


def read_session(serializer: URLSafeTimedSerializer, connection: HTTPConnection, max_age: int) -> LoginSession | None:
    raw = connection.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 2000:
        return None
    try:
        data = serializer.loads(raw, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("c"), str):
        return None
    return LoginSession(user_id=data["u"], csrf=data["c"])


def start_session(
    response: Response, serializer: URLSafeTimedSerializer, user_id: int, *, secure: bool, max_age: int
) -> str:
    csrf = secrets.token_urlsafe(24)
    value = serializer.dumps({"u": user_id, "c": csrf})
    response.set_cookie(SESSION_COOKIE, value, max_age=max_age, httponly=True, secure=secure, samesite="lax", path="/")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, secure=secure, samesite="lax", path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/oauth")
    return csrf


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def same_token(expected: str | None, presented: str | None) -> bool:
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
