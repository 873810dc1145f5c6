"""Three-way match per order line: what was ordered (quantity, price), what the supplier shipped
(ship notice / delivery note: quantity, stated price) and what was received and accepted by QC.

A line is matched once its goods are all inspected and it is complete (received in full, closed
short by decision, or its order closed). Within tolerance it is released for invoicing (an outbox
event tells finance systems); otherwise it waits in the exception queue with typed reasons until
someone with the right role releases or disputes it.

Consignment lines (destined to a location the supplier owns) are not matched at all: the goods stay
the supplier's until consumed, and consumption is what its monthly statement charges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.events import emit
from domain.principal import Principal
from domain.purchasing import ownership
from domain.purchasing.common import clean_text, lock_one, locked, visible_orders_clause
from domain.purchasing.models import (
    MatchResult,
    MatchStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    ShipNotice,
    ShipNoticeLine,
)
from domain.purchasing.policy import PurchasingSettings, ensure_match_resolver, ensure_reader, get_purchasing_settings

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def compare(
    *,
    ordered: Decimal,
    shipped: Decimal | None,
    received: Decimal,
    accepted: Decimal,
    order_price: Decimal,
    shipped_price: Decimal | None,
    closed_short: bool,
    settings: PurchasingSettings,
) -> list[dict[str, str]]:
    """The reasons a line does not match (pure, so the rules are testable without a database)."""
    reasons: list[dict[str, str]] = []
    qty_tol = settings.match_quantity_tolerance
    if accepted > ordered * (1 + qty_tol) or (accepted < ordered * (1 - qty_tol) and not closed_short):
        reasons.append(
            {
                "code": ErrorCode.QUANTITY_OUT_OF_TOLERANCE.value,
                "message": f"accepted {_fmt(accepted)} vs ordered {_fmt(ordered)}",
            }
        )
    if shipped is None:
        if settings.require_ship_notice:
            reasons.append({"code": ErrorCode.SHIP_NOTICE_MISSING.value, "message": "no ship notice or delivery note"})
    elif abs(received - shipped) > shipped * qty_tol:
        reasons.append(
            {
                "code": ErrorCode.QUANTITY_OUT_OF_TOLERANCE.value,
                "message": f"received {_fmt(received)} vs shipped {_fmt(shipped)}",
            }
        )
    if shipped_price is not None and abs(shipped_price - order_price) > order_price * settings.match_price_tolerance:
        reasons.append(
            {
                "code": ErrorCode.PRICE_OUT_OF_TOLERANCE.value,
                "message": f"delivery note price {_fmt(shipped_price)} vs order price {_fmt(order_price)}",
            }
        )
    return reasons


async def evaluate_if_complete(
    session: AsyncSession, po_line_ids: Sequence[int], settings: PurchasingSettings | None = None
) -> list[MatchResult]:
    """Match the lines that are complete and fully inspected; leave the others waiting."""
    await session.flush()
    lines = await locked(session, PurchaseOrderLine, po_line_ids)
    pending = set(
        (
            await session.execute(
                select(ReceiptLine.po_line_id).where(
                    ReceiptLine.po_line_id.in_(list(lines)),
                    ReceiptLine.quantity > ReceiptLine.accepted_qty + ReceiptLine.rejected_qty,
                )
            )
        ).scalars()
    )
    ready = [
        line
        for line in lines.values()
        if line.id not in pending
        and line.received_qty > 0
        and (line.closed or line.received_qty - line.rejected_qty >= line.quantity)
    ]
    return await evaluate_lines(session, ready, settings)


async def evaluate_lines(
    session: AsyncSession, lines: Sequence[PurchaseOrderLine], settings: PurchasingSettings | None = None
) -> list[MatchResult]:
    """(Re)match lines; results already released or disputed are final and kept. Consignment lines
    are never matched: nothing is payable on receipt, the supplier invoices consumption."""
    settings = settings or get_purchasing_settings()
    if not lines:
        return []
    await session.flush()
    consignment = await ownership.consignment_line_ids(session, [line.id for line in lines])
    lines = [line for line in lines if line.id not in consignment]
    if not lines:
        return []
    ids = [line.id for line in lines]
    existing = {
        m.po_line_id: m
        for m in (
            await session.execute(select(MatchResult).where(MatchResult.po_line_id.in_(ids)).with_for_update())
        ).scalars()
    }
    shipped_rows = await session.execute(
        select(
            ShipNoticeLine.po_line_id,
            func.sum(ShipNoticeLine.quantity),
            func.sum(ShipNoticeLine.quantity * ShipNoticeLine.unit_price),
            func.sum(ShipNoticeLine.quantity).filter(ShipNoticeLine.unit_price.isnot(None)),
        )
        .join(ShipNotice, ShipNotice.id == ShipNoticeLine.ship_notice_id)
        .where(ShipNoticeLine.po_line_id.in_(ids), ShipNotice.status != "cancelled")
        .group_by(ShipNoticeLine.po_line_id)
    )
    shipped: dict[int, tuple[Decimal, Decimal | None]] = {}
    for po_line_id, qty, value, priced_qty in shipped_rows.tuples():
        price = (value / priced_qty).quantize(Decimal("0.0001")) if priced_qty else None
        shipped[po_line_id] = (qty, price)
    results = []
    released: list[MatchResult] = []
    for line in lines:
        found = existing.get(line.id)
        if found is not None and found.status != MatchStatus.EXCEPTION:
            results.append(found)
            continue
        shipped_qty, shipped_price = shipped.get(line.id, (None, None))
        accepted = line.received_qty - line.rejected_qty
        reasons = compare(
            ordered=line.quantity,
            shipped=shipped_qty,
            received=line.received_qty,
            accepted=accepted,
            order_price=line.unit_price,
            shipped_price=shipped_price,
            closed_short=line.closed_short,
            settings=settings,
        )
        result = found or MatchResult(po_line_id=line.id)
        result.status = (MatchStatus.EXCEPTION if reasons else MatchStatus.RELEASED).value
        result.ordered_qty = line.quantity
        result.shipped_qty = shipped_qty
        result.received_qty = line.received_qty
        result.accepted_qty = accepted
        result.order_price = line.unit_price
        result.shipped_price = shipped_price
        result.invoice_qty = accepted
        result.invoice_amount = (accepted * line.unit_price).quantize(CENT)
        result.reasons = reasons
        result.evaluated_at = datetime.now(UTC)
        if not reasons:
            result.released_at = result.evaluated_at
            released.append(result)
        if found is None:
            session.add(result)
        results.append(result)
    await session.flush()
    await _announce(session, released)
    return results


async def _announce(session: AsyncSession, released: Sequence[MatchResult]) -> None:
    """Tell finance integrations which order lines may now be invoiced."""
    if not released:
        return
    rows = await session.execute(
        select(
            PurchaseOrderLine.id, PurchaseOrderLine.line_no, PurchaseOrder.number, PurchaseOrder.supplier_id, Part.code
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .join(Part, Part.id == PurchaseOrderLine.part_id)
        .where(PurchaseOrderLine.id.in_([m.po_line_id for m in released]))
    )
    info = {row.id: row for row in rows}
    for match in released:
        row = info[match.po_line_id]
        payload: dict[str, Any] = {
            "purchaseOrder": row.number,
            "lineNo": row.line_no,
            "supplierId": row.supplier_id,
            "partCode": row.code,
            "quantity": match.invoice_qty,
            "unitPrice": match.order_price,
            "amount": match.invoice_amount,
        }
        await emit(session, "purchase_order_line.released_for_invoicing", payload)


async def resolve_match_exception(
    session: AsyncSession, principal: Principal, match_id: int, *, release: bool, note: str | None = None
) -> MatchResult:
    """Release the line for invoicing despite the difference, or dispute it with the supplier."""
    match = await lock_one(session, MatchResult, match_id, "match exception", "matchId")
    if match.status != MatchStatus.EXCEPTION:
        raise DomainError(ErrorCode.INVALID_STATE, f"this match is {match.status}, not an exception", ["matchId"])
    ensure_match_resolver(principal, [r["code"] for r in match.reasons])
    now = datetime.now(UTC)
    match.status = (MatchStatus.RELEASED if release else MatchStatus.DISPUTED).value
    match.resolved_by = principal.actor
    match.resolved_at = now
    match.resolution_note = clean_text(note, "note", 2000)
    if release:
        match.released_at = now
    await session.flush()
    if release:
        await _announce(session, [match])
    return match


async def list_matches(
    session: AsyncSession,
    principal: Principal,
    *,
    statuses: Sequence[str] = (MatchStatus.EXCEPTION.value,),
    first: int = 50,
    after_id: int | None = None,
) -> tuple[list[MatchResult], bool]:
    """The exception queue (or released lines), oldest first."""
    ensure_reader(principal)
    stmt = (
        select(MatchResult)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == MatchResult.po_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(MatchResult.status.in_(list(statuses)), visible_orders_clause(principal))
    )
    if after_id is not None:
        stmt = stmt.where(MatchResult.id > after_id)
    rows = list((await session.execute(stmt.order_by(MatchResult.id).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first
