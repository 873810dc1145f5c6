"""Report downloads: `exportReport` returns a short-lived signed link, `GET /exports/{token}`
serves the file.

Why a link and not base64 in the GraphQL answer: a 20,000-row workbook would bloat the JSON by a
third and sit in client memory; a link streams like any download and works in a plain <a href>.
The token (itsdangerous, signed with the settings secret or a database-held one) carries the
report, format, parameters and the requesting principal's scope, so the download needs no other
credentials, is valid a few minutes only and sees exactly what the requester saw. The report is
computed when the link is fetched."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.analytics.reports import REPORT_NAMES, ReportParams, run_report
from domain.analytics.settings import business_now, get_analytics_settings
from domain.errors import DomainError
from domain.principal import Principal, PrincipalKind, Role
from domain.settings import Settings
from integrations.csv_export import CSV_MEDIA_TYPE, report_csv
from integrations.excel.report import XLSX_MEDIA_TYPE, report_xlsx

log = logging.getLogger("ims.exports")
SALT = "ims.report-export"
FORMATS = ("xlsx", "csv")


async def _serializer(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> URLSafeTimedSerializer:
    secret: str | bytes | None = settings.secret_key
    if secret is None:
        from domain.identity.keys import server_secret

        async with sessions() as session, session.begin():
            secret = await server_secret(session, "export-links")
    return URLSafeTimedSerializer(secret, salt=SALT)


def _principal_claims(p: Principal) -> dict[str, Any]:
    return {
        "k": p.kind.value,
        "n": p.name,
        "r": sorted(r.value for r in p.roles),
        "l": list(p.location_paths) if p.location_paths is not None else None,
        "s": p.supplier_id,
        "sc": sorted(p.scopes),
        "u": p.user_id,
        "c": p.client_id,
        "g": [[r.value, path] for r, path in p.grants],
    }


def _principal(c: dict[str, Any]) -> Principal:
    return Principal(
        kind=PrincipalKind(c["k"]),
        name=c["n"],
        roles=frozenset(Role(r) for r in c["r"]),
        location_paths=tuple(c["l"]) if c["l"] is not None else None,
        supplier_id=c["s"],
        scopes=frozenset(c["sc"]),
        user_id=c["u"],
        client_id=c["c"],
        grants=tuple((Role(r), path) for r, path in c["g"]),
    )


@dataclass(frozen=True)
class ExportLink:
    path: str
    filename: str
    expires_at: datetime


def filename_for(name: str, fmt: str, at: datetime) -> str:
    return f"ims-{name.replace('_', '-')}-{at:%Y%m%d-%H%M}.{fmt}"


async def make_link(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    name: str,
    fmt: str,
    params: ReportParams,
) -> ExportLink:
    serializer = await _serializer(settings, sessions)
    token = serializer.dumps({"n": name, "f": fmt, "p": params.as_dict(), "u": _principal_claims(principal)})
    now = business_now()
    return ExportLink(
        path=f"/exports/{token}",
        filename=filename_for(name, fmt, now),
        expires_at=now + timedelta(seconds=get_analytics_settings().export_link_seconds),
    )


def _problem(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


async def export_download(request: Request) -> Response:
    state = request.app.state
    token = request.path_params["token"]
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{10,4000}", token):
        return _problem(404, "no such export")
    serializer = await _serializer(state.settings, state.sessions)
    try:
        claims = serializer.loads(token, max_age=get_analytics_settings().export_link_seconds)
    except SignatureExpired:
        return _problem(410, "this export link has expired; ask for a new one")
    except BadSignature:
        return _problem(404, "no such export")
    name, fmt = claims.get("n"), claims.get("f")
    if name not in REPORT_NAMES or fmt not in FORMATS:
        return _problem(404, "no such export")
    try:
        principal = _principal(claims["u"])
        params = ReportParams.from_dict(claims.get("p") or {})
        async with state.read_sessions() as session:
            table = await run_report(session, principal, name, params)
    except DomainError as error:
        return _problem(403 if error.code == "FORBIDDEN" else 400, error.message)
    body, media_type = (report_xlsx(table), XLSX_MEDIA_TYPE) if fmt == "xlsx" else (report_csv(table), CSV_MEDIA_TYPE)
    filename = filename_for(name, fmt, table.generated_at)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
