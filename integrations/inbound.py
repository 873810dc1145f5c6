"""Shared plumbing of the signed inbound webhooks: signature check against the partner's secret,
strict JSON parsing (a malformed payload is refused with 400 naming the field, before anything is
looked up), and the mapping of domain errors to HTTP answers (422, or 409 for an external id reused
with another payload). Handlers run their work in one transaction with the idempotency claim, so
nothing is ever half-applied."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.integration.service import get_partner
from integrations.signing import SignatureError, verify

MAX_ITEMS = 5000


class Malformed(ValueError):
    """The payload is not what the endpoint accepts; nothing was looked at, nothing written."""


class Rejected(Exception):
    """Raised inside the transaction to roll it back (claim included) and answer 422."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


def sessions_of(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions


def error_response(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def domain_error_response(error: DomainError) -> JSONResponse:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    status = {ErrorCode.IDEMPOTENCY_CONFLICT: 409, ErrorCode.FORBIDDEN: 403, ErrorCode.NOT_FOUND: 404}.get(
        error.code, 422
    )
    return JSONResponse(
        {
            "error": "rejected",
            "message": error.message,
            "errors": [{"code": e.code.value, "message": e.message, "field": e.field} for e in errors],
        },
        status_code=status,
    )


async def signed_body(request: Request, partner_code: str) -> bytes:
    body = await request.body()
    async with sessions_of(request)() as session:
        partner = await get_partner(session, partner_code)
    if partner is None:
        raise SignatureError("unknown or inactive partner")
    verify(partner.secret, request.headers, body)
    return body


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise Malformed(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    return data


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise Malformed(f"{name} is required")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise Malformed(f"{name} has the wrong type")
    return value


def decimal_value(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Malformed(f"{name} must be a number or a numeric string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise Malformed(f"{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise Malformed(f"{name} must be finite")
    return number


def date_value(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Malformed(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def timestamp_value(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{name}: {value!r} is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def items(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = field(data, name, list)
    if not items or len(items) > MAX_ITEMS:
        raise Malformed(f"{name} needs 1 to {MAX_ITEMS} items")
    if not all(isinstance(item, dict) for item in items):
        raise Malformed(f"every item of {name} must be an object")
    return items


Handler = Callable[[Request], Awaitable[Response]]


def signed_endpoint(
    partner: Callable[[Request], str], handle: Callable[[Request, bytes], Awaitable[Response]]
) -> Handler:
    """Verify the signature of `partner(request)`, then run `handle(request, body)`."""

    async def endpoint(request: Request) -> Response:
        try:
            body = await signed_body(request, partner(request))
        except SignatureError as error:
            return error_response(401, "invalid_signature", str(error))
        try:
            return await handle(request, body)
        except Malformed as error:
            return error_response(400, "malformed_payload", str(error))
        except Rejected as rejected:
            return JSONResponse(rejected.body, status_code=422)
        except DomainError as error:
            return domain_error_response(error)

    return endpoint


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake_keys(record: dict[str, Any]) -> dict[str, Any]:
    """camelCase JSON keys → the snake_case column names of the import specs."""
    return {_CAMEL.sub("_", key).lower(): value for key, value in record.items()}
