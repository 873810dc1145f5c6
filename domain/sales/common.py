"""What selling and returning share: the store, scanned parts, idempotency keys and their lock."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.settings import business_today
from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location, LocationKind

SALE_DOC = "counter_sale"
RETURN_DOC = "counter_sale_return"
MAX_KEY = 120


async def store_by_code(session: AsyncSession, code: str, field: str = "storeCode") -> Location:
    value = (code or "").strip().upper()
    found = (await session.execute(select(Location).where(Location.code == value))).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {value}", [field])
    if found.kind != LocationKind.STORE or not found.active:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{value} is not an active store", [field])
    return found


async def part_by_scan(session: AsyncSession, scanned: str, field: list[str]) -> Part:
    """A part by what a scanner read: its code or its barcode."""
    value = (scanned or "").strip()
    found = (
        await session.execute(select(Part).where((Part.code == value.upper()) | (Part.barcode == value)).limit(1))
    ).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no part with code or barcode {value!r}", field)
    return found


def check_key(key: str | None) -> str:
    value = (key or "").strip()
    if not 1 <= len(value) <= MAX_KEY:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"an idempotency key of 1-{MAX_KEY} characters is required", ["idempotencyKey"]
        )
    return value


async def lock_key(session: AsyncSession, namespace: str, key: str) -> None:
    """Serialise requests carrying the same key until this transaction ends, so a retry sent while
    the first attempt is still running waits for it and then replays its answer."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{namespace}:{key}"})


def fingerprint(payload: dict[str, Any]) -> str:
    """What was asked, so a key reused for another request is refused instead of replayed."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def optional_text(value: str | None, limit: int, field: str) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"at most {limit} characters", [field])
    return cleaned or None


def today() -> date:
    """The business day (company time zone), which sale numbers, windows and reports use."""
    return business_today()
