"""Scanned lists that are not yet a business document: the counter-sale cart and the lines a picker
scanned for a transfer shipment.

Nothing is booked until the clerk confirms (the sale, the shipment: one domain call each), so the
list lives with the browser, in a cookie signed with a server secret (the user cannot forge it
into another scope: every line is checked again by the domain service on confirmation). Each
draft is bound to its context (`transfer:7`, `sale:S-BJ01`) and to the user, so a list never leaks
into another transfer, store or person. A cookie holds about 4 KB: at most MAX_ITEMS lines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from domain.errors import DomainError, ErrorCode
from domain.identity.keys import server_secret
from portal.web import Page

MAX_ITEMS = 40
MAX_AGE = 12 * 3600
_lock = asyncio.Lock()


@dataclass
class DraftItem:
    code: str  # part code
    quantity: Decimal
    discount_pct: Decimal | None = None


@dataclass
class Draft:
    kind: str  # "cart" | "ship"
    context: str
    items: list[DraftItem] = field(default_factory=list)

    def add(self, code: str, quantity: Decimal) -> DraftItem:
        for item in self.items:
            if item.code == code:
                item.quantity += quantity
                return item
        if len(self.items) >= MAX_ITEMS:
            raise DomainError(ErrorCode.INVALID_INPUT, "the list is full; confirm it first", ["code"])
        item = DraftItem(code, quantity)
        self.items.append(item)
        return item

    def quantity_of(self, code: str) -> Decimal:
        return sum((i.quantity for i in self.items if i.code == code), Decimal(0))


async def _serializer(page: Page) -> URLSafeTimedSerializer:
    runtime = page.runtime
    cached = getattr(runtime, "console_drafts", None)
    if cached is None:
        async with _lock:
            cached = getattr(runtime, "console_drafts", None)
            if cached is None:
                async with runtime.sessions() as session, session.begin():
                    secret = await server_secret(session, "web-console-drafts")
                cached = URLSafeTimedSerializer(secret, salt="ims.web.console.draft")
                runtime.console_drafts = cached  # type: ignore[attr-defined]
    return cached


def _cookie(kind: str) -> str:
    return f"ims_console_{kind}"


def _number(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


async def load(page: Page, kind: str, context: str) -> Draft:
    """The draft of this kind for this context and user, or an empty one."""
    draft = Draft(kind, context)
    raw = page.request.cookies.get(_cookie(kind))
    if not raw or len(raw) > 4000:
        return draft
    try:
        data = (await _serializer(page)).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return draft
    if not isinstance(data, dict) or data.get("c") != context or data.get("u") != page.principal.user_id:
        return draft
    for entry in data.get("i", [])[:MAX_ITEMS]:
        if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[0], str):
            continue
        quantity = _number(entry[1])
        discount = _number(entry[2]) if entry[2] is not None else None
        if quantity is not None and quantity > 0:
            draft.items.append(DraftItem(entry[0][:40], quantity, discount))
    return draft


async def save(page: Page, response: Response, draft: Draft) -> None:
    if not draft.items:
        clear(page, response, draft.kind)
        return
    data = {
        "c": draft.context,
        "u": page.principal.user_id,
        "i": [
            [item.code, f"{item.quantity:f}", None if item.discount_pct is None else f"{item.discount_pct:f}"]
            for item in draft.items
        ],
    }
    response.set_cookie(
        _cookie(draft.kind),
        (await _serializer(page)).dumps(data),
        max_age=MAX_AGE,
        path=page.area.prefix,
        httponly=True,
        secure=page.runtime.web.secure_cookies,
        samesite="lax",
    )


def clear(page: Page, response: Response, kind: str) -> None:
    response.delete_cookie(
        _cookie(kind), path=page.area.prefix, httponly=True, secure=page.runtime.web.secure_cookies, samesite="lax"
    )
