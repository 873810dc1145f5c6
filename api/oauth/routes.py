"""OAuth2 endpoints and the login page, as Starlette routes.

    POST /oauth/token        client_credentials, authorization_code (+ PKCE S256), refresh_token
    GET  /oauth/authorize    authorization-code flow for internal frontends (login first)
    GET|POST /oauth/login    the login page; POST /oauth/logout
    POST /oauth/introspect   RFC 7662          POST /oauth/revoke   RFC 7009
    GET  /.well-known/oauth-authorization-server   RFC 8414      GET /oauth/jwks

Token and login requests are rate limited per IP and per client / username, in PostgreSQL so
every worker counts together. Errors are RFC 6749 JSON bodies; nothing else is ever shown."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InsecureTransportError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from api.auth import runtime_of
from api.oauth.models import ALL_METHODS, SECRET_METHODS, PreparedRequest, User
from api.oauth.runtime import AuthRuntime
from api.oauth.server import IMSAuthorizationServer, run_in_worker
from api.oauth.session import LOGIN_CSRF_COOKIE, end_session, read_session, same_token, start_session
from domain.identity import oauth_store, ratelimit
from domain.identity.oauth_store import UserRecord
from domain.identity.policy import ALL_SCOPES
from domain.identity.service import authenticate_password

log = logging.getLogger("ims.oauth")
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_FIELDS = 30


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _oauth_json(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    extra = {k: v for k, v in (headers or []) if k.lower() != "content-type"}
    return JSONResponse(body if body != "" else {}, status_code=status, headers={**_NO_STORE, **extra})


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers={**_NO_STORE, **(headers or {})}
    )


async def _form(request: Request) -> list[tuple[str, str]] | Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return _error(400, "invalid_request", "send the parameters as application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    keys = [k for k, _ in items]
    if len(keys) != len(set(keys)):
        return _error(400, "invalid_request", "a parameter was repeated")
    return items


async def _limited(runtime: AuthRuntime, keys: list[str], limit: int) -> Response | None:
    async with runtime.sessions() as session, session.begin():
        wait = await ratelimit.hit(session, keys, limit)
        if secrets.randbelow(200) == 0:
            await ratelimit.purge(session)
            await oauth_store.purge_expired(session)
    if wait is None:
        return None
    return _error(429, "temporarily_unavailable", "too many requests; retry later", {"Retry-After": str(wait)})


async def _run_endpoint(request: Request, form: list[tuple[str, str]], method: str, *args: Any) -> Response:
    """Prepare the request, run one Authlib server method in a worker, commit, answer. The
    transaction commits even when Authlib answers with an error: a replayed refresh token's
    family revocation must stick."""
    runtime = runtime_of(request)
    try:
        prepared = PreparedRequest(request.method, str(request.url), request.headers, form=form)
    except InsecureTransportError:
        return _error(400, "invalid_request", "OAuth requires https")
    keys = await runtime.keys()
    async with runtime.sessions() as session, session.begin():
        server = IMSAuthorizationServer(session, keys, runtime.settings)
        target = getattr(server, method)
        status, body, headers = await run_in_worker(target, *args, prepared)
    return _oauth_json(status, body, headers)


async def _client_endpoint(request: Request, method: str, *args: Any) -> Response:
    """Every endpoint that authenticates a client shares one limit per IP and per client id, counted
    before the secret is checked, so guessing secrets is slow whichever endpoint is used."""
    runtime = runtime_of(request)
    form = await _form(request)
    if isinstance(form, Response):
        return form
    basic_id, _ = extract_basic_authorization(request.headers)
    client_id = basic_id or dict(form).get("client_id") or "-"
    keys = [f"token:ip:{_client_ip(request)}", f"token:client:{client_id[:64]}"]
    limited = await _limited(runtime, keys, runtime.settings.rate_limit_token_per_minute)
    if limited is not None:
        return limited
    return await _run_endpoint(request, form, method, *args)


async def token(request: Request) -> Response:
    return await _client_endpoint(request, "create_token_response")


async def introspect(request: Request) -> Response:
    return await _client_endpoint(request, "create_endpoint_response", "introspection")


async def revoke(request: Request) -> Response:
    return await _client_endpoint(request, "create_endpoint_response", "revocation")


# ------------------------------------------------------------------------------ authorization


def _safe_next(value: str | None) -> str:
    """Only local paths: the login page must not become an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000:
        return "/graphql"
    return value


async def authorize(request: Request) -> Response:
    """Authorization-code flow for internal (first-party) frontends: a logged-in user is sent back
    with a code at once; otherwise to the login page, which returns here."""
    runtime = runtime_of(request)
    query = list(request.query_params.multi_items())
    if len(query) > _MAX_FIELDS:
        return _error(400, "invalid_request", "too many parameters")
    try:
        prepared = PreparedRequest("GET", str(request.url), request.headers, query=query)
    except InsecureTransportError:
        return _error(400, "invalid_request", "OAuth requires https")
    login = read_session(await runtime.session_serializer(), request, runtime.settings.session_ttl)
    keys = await runtime.keys()
    async with runtime.sessions() as session, session.begin():
        server = IMSAuthorizationServer(session, keys, runtime.settings)
        user = await oauth_store.active_user(session, login.user_id) if login else None
        try:
            grant = await run_in_worker(server.get_consent_grant, prepared, None)
        except OAuth2Error as error:
            if error.redirect_uri:
                status, _, headers = error()
                return Response(status_code=status, headers=dict(headers))
            return _error(400, error.error or "invalid_request", error.get_error_description() or "")
        if user is None:
            target = "/oauth/login?" + urlencode({"next": request.url.path + "?" + request.url.query})
            return RedirectResponse(target, status_code=303)
        status, _, headers = await run_in_worker(
            server.create_authorization_response, prepared, User(UserRecord(user.id, user.username)), grant
        )
    return Response(status_code=status, headers=dict(headers))


# --------------------------------------------------------------------------------------- login


def _login_page(request: Request, csrf: str, next_url: str, error: str | None, status: int = 200) -> Response:
    response = templates.TemplateResponse(
        request, "login.html", {"csrf": csrf, "next": next_url, "error": error}, status_code=status
    )
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            "X-Frame-Options": "DENY",
        }
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
        path="/oauth",
    )
    return response


async def login(request: Request) -> Response:
    runtime = runtime_of(request)
    if request.method == "GET":
        csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        return _login_page(request, csrf, _safe_next(request.query_params.get("next")), None)
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    next_url = _safe_next(str(form.get("next", "")))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_token(expected, str(form.get("csrf", ""))):
        return _login_page(request, secrets.token_urlsafe(24), next_url, "会话已过期，请重试 / Please try again.", 400)
    ip = _client_ip(request)
    limited = await _limited(
        runtime,
        [f"login:ip:{ip}", f"login:user:{username.strip().lower()}"],
        runtime.settings.rate_limit_login_per_minute,
    )
    if limited is not None:
        return _login_page(request, expected or "", next_url, "尝试次数过多，请稍后再试 / Too many attempts.", 429)
    async with runtime.sessions() as session, session.begin():
        user = await authenticate_password(session, username, password)
    if user is None:
        return _login_page(request, expected or "", next_url, "用户名或密码错误 / Wrong username or password.", 401)
    response = RedirectResponse(next_url, status_code=303)
    start_session(
        response,
        await runtime.session_serializer(),
        user.id,
        secure=request.url.scheme == "https",
        max_age=runtime.settings.session_ttl,
    )
    return response


async def logout(request: Request) -> Response:
    runtime = runtime_of(request)
    login_session = read_session(await runtime.session_serializer(), request, runtime.settings.session_ttl)
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    if login_session is not None and not same_token(login_session.csrf, str(form.get("csrf", ""))):
        return _error(403, "invalid_request", "missing or wrong CSRF token")
    response = RedirectResponse("/oauth/login", status_code=303)
    end_session(response)
    return response


# ------------------------------------------------------------------------------------ metadata


def metadata_document(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "scopes_supported": sorted(ALL_SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ALL_METHODS,
        "introspection_endpoint_auth_methods_supported": SECRET_METHODS,
        "revocation_endpoint_auth_methods_supported": ALL_METHODS,
        "code_challenge_methods_supported": ["S256"],
    }


async def metadata(request: Request) -> Response:
    document = metadata_document(runtime_of(request).settings.oauth_issuer)
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


async def jwks(request: Request) -> Response:
    keys = await runtime_of(request).keys()
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


async def _safe(request: Request, exc: Exception) -> Response:
    """Authlib or a bug: log it with the request id, show the client nothing of it."""
    if isinstance(exc, AuthlibBaseError):
        return _error(400, "invalid_request", "the request could not be processed")
    log.exception("oauth endpoint failed")
    return _error(500, "server_error", "unexpected error; quote the X-Request-ID header when reporting it")


def oauth_routes() -> list[Route]:
    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/authorize", authorize, methods=["GET"]),
        Route("/oauth/login", login, methods=["GET", "POST"]),
        Route("/oauth/logout", logout, methods=["POST"]),
        Route("/oauth/introspect", introspect, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/oauth/jwks", jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    ]


exception_handlers = {Exception: _safe}
