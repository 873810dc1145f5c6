"""Statement downloads: `GET /statements/{id}.pdf` and `GET /statements/{id}.xlsx` (`id`: the
statement's number in the database, or its GraphQL global id).

Two ways in, one domain call (`download_statement`, same visibility as GraphQL and the portal):

- a Bearer access token (or the browser login session): the principal's own rights apply — a
  supplier gets only its own issued statements, and any other id answers 404, never 403, so ids
  of other suppliers' statements reveal nothing;
- a short-lived signed link, minted by GraphQL's `Statement.downloadUrl` for someone who could
  see the statement: `?exp=<unix seconds>&sig=<HMAC-SHA256>` over the statement id, the format
  and the expiry, with the server secret (IMS_SECRET_KEY, else a database-held one shared by every
  process). It works without a token — a plain <a href> in a browser or a finance tool — for
  `LINK_SECONDS`; a changed id, format, expiry or signature, or a stale link, answers 403."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import weakref

from authlib.oauth2 import OAuth2Error
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import NotAuthenticated, authenticate, challenge
from api.graphql.relay import int_key, pk_or_none
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.settings import Settings
from domain.vmi.statements.queries import download_statement
from domain.vmi.statements.render import StatementFormat, StatementRenderer

log = logging.getLogger("ims.statements")
LINK_SECONDS = 300
SECRET_NAME = "statement-links"
# Reads through a verified link: the link itself is the authorization (its minter could see it).
LINK_PRINCIPAL = Principal.system("statement-link")


# The database-held secret never changes once created: read it once per app (session factory).
_SECRETS: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], bytes] = weakref.WeakKeyDictionary()


async def _secret(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    found = _SECRETS.get(sessions)
    if found is None:
        from domain.identity.keys import server_secret

        async with sessions() as session, session.begin():
            found = await server_secret(session, SECRET_NAME)
        _SECRETS[sessions] = found
    return found


def signature(secret: bytes, statement_id: int, fmt: str, expires: int) -> str:
    message = f"statement:{statement_id}:{fmt}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


async def download_url(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    statement_id: int,
    fmt: StatementFormat,
    now: float | None = None,
) -> str:
    """A signed path for this statement and format, valid for LINK_SECONDS (the caller has checked
    that the requester may see the statement)."""
    expires = int(now if now is not None else time.time()) + LINK_SECONDS
    sig = signature(await _secret(settings, sessions), statement_id, fmt.value, expires)
    return f"/statements/{statement_id}.{fmt.value}?exp={expires}&sig={sig}"


def _problem(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


async def _link_valid(request: Request, statement_id: int, fmt: str) -> bool:
    raw_exp, sig = request.query_params.get("exp", ""), request.query_params.get("sig", "")
    if not raw_exp.isdigit() or len(raw_exp) > 12 or len(sig) != 64:
        return False
    expires = int(raw_exp)
    if expires < time.time() or expires > time.time() + LINK_SECONDS + 60:
        return False
    state = request.app.state
    expected = signature(await _secret(state.settings, state.sessions), statement_id, fmt, expires)
    return hmac.compare_digest(expected, sig)


def _statement_id(ref: str) -> int | None:
    pk = int_key(ref)
    return pk if pk is not None else pk_or_none(ref, "Statement")


async def statement_download(request: Request) -> Response:
    statement_id = _statement_id(request.path_params["ref"])
    if statement_id is None:
        return _problem(404, "no such statement")
    try:
        fmt = StatementFormat(request.path_params["fmt"])
    except ValueError:
        return _problem(404, "no such statement file: use .pdf or .xlsx")
    if "sig" in request.query_params or "exp" in request.query_params:
        if not await _link_valid(request, statement_id, fmt.value):
            return _problem(403, "this download link is invalid or has expired; ask for a new one")
        principal = LINK_PRINCIPAL
    else:
        try:
            principal = (await authenticate(request)).principal
        except NotAuthenticated:
            return challenge(None)
        except OAuth2Error as error:
            return challenge(error)
    state = request.app.state
    renderer: StatementRenderer = state.statement_renderer
    try:
        async with state.read_sessions() as session:
            file = await download_statement(session, principal, statement_id, fmt, renderer)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return _problem(404, "no such statement")
        if error.code == ErrorCode.FORBIDDEN:
            return _problem(403, error.message)
        return _problem(400, error.message)
    return Response(
        file.body,
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
