"""Where statement lines come from: set-based reads of the ledger and the purchasing documents
for one supplier and one time window [start, end). Each returns `LineData` with everything a
reader needs to trace the line (move, posting, document, order, part).

- Receipts: ledger moves out of V-SUPPLIER posted by goods receipt (`po_receipt`, doc_ref = the
  order number) of this supplier's orders, at the order line's unit price. The move is paired
  with its receipt line (same posting, part, lot and quantity; ties in id order). Deliveries into
  a location the supplier owns (consignment) are not receipts: we owe nothing until consumed.
- Returns: moves into V-SUPPLIER — return-to-vendor documents of this supplier (credited at the
  order price), and any other move of a lot received from this supplier (at ledger cost). Goods
  leaving a supplier-owned location go back unpaid, so they are not returns either.
- Price differences: three-way-match price exceptions of this supplier's order lines that
  finance released (accepted the delivery-note price) inside the window: accepted quantity ×
  (delivery-note price − order price). A disputed exception stays at the order price.
- Consignment consumption: `domain.vmi.consignment.consignment_consumption_moves` at the
  agreement's consignment price.
- Credits: the credit notes finance added to the statement itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ErrorCode
from domain.vmi.statements.lines import LineData, Section, money, signed_amount
from domain.vmi.statements.models import StatementCredit

Consumption = Callable[[AsyncSession, int, datetime, datetime], Awaitable[Sequence[Any]]]

_RECEIPTS = text(
    """
    WITH mv AS (
        SELECT m.id, m.posting_id, m.part_id, m.lot_no, m.quantity, m.unit_cost, m.doc_type, m.doc_ref,
               m.created_at, m.to_location_id,
               row_number() OVER (PARTITION BY m.posting_id, m.part_id, m.lot_no, m.quantity ORDER BY m.id) AS rn
          FROM stock_move m
         WHERE m.from_location_id IN (SELECT id FROM location WHERE virtual_kind = 'supplier')
           AND m.doc_type = 'po_receipt'
           AND m.created_at >= :start AND m.created_at < :end
           AND m.doc_ref IN (SELECT number FROM purchase_order WHERE supplier_id = :s)
    ), rl AS (
        SELECT r.id, r.posting_id, r.part_id, r.lot_no, r.quantity, r.po_line_id,
               row_number() OVER (PARTITION BY r.posting_id, r.part_id, r.lot_no, r.quantity ORDER BY r.id) AS rn
          FROM receipt_line r
         WHERE r.posting_id IN (SELECT posting_id FROM mv)
    )
    SELECT mv.id AS move_id, mv.posting_id, mv.created_at, mv.doc_type, mv.doc_ref, mv.quantity,
           coalesce(pol.unit_price, mv.unit_cost) AS unit_price, pol.line_no AS po_line_no, rl.id AS source_id,
           p.id AS part_id, p.code AS part_code, p.name_zh, p.name_en, loc.code AS location_code
      FROM mv
      JOIN location loc ON loc.id = mv.to_location_id
      JOIN part p ON p.id = mv.part_id
      LEFT JOIN rl ON rl.posting_id = mv.posting_id AND rl.part_id = mv.part_id AND rl.lot_no = mv.lot_no
                  AND rl.quantity = mv.quantity AND rl.rn = mv.rn
      LEFT JOIN purchase_order_line pol ON pol.id = rl.po_line_id
     WHERE loc.owner_supplier_id IS DISTINCT FROM :s
     ORDER BY mv.created_at, mv.id
    """
)

_RETURNS = text(
    """
    WITH mv AS (
        SELECT m.id, m.posting_id, m.part_id, m.lot_no, m.quantity, m.unit_cost, m.doc_type, m.doc_ref,
               m.created_at, m.from_location_id,
               row_number() OVER (PARTITION BY m.posting_id, m.part_id, m.lot_no, m.quantity ORDER BY m.id) AS rn
          FROM stock_move m
         WHERE m.to_location_id IN (SELECT id FROM location WHERE virtual_kind = 'supplier')
           AND m.created_at >= :start AND m.created_at < :end
    ), rtv AS (
        SELECT r.id, r.number, r.posting_id, r.reason, po.number AS po_number
          FROM return_to_vendor r JOIN purchase_order po ON po.id = r.purchase_order_id
         WHERE r.supplier_id = :s AND r.posting_id IN (SELECT posting_id FROM mv)
    ), rtvl AS (
        SELECT l.id, rtv.posting_id, l.part_id, l.lot_no, l.quantity, l.unit_price, l.receipt_line_id,
               row_number() OVER (PARTITION BY rtv.posting_id, l.part_id, l.lot_no, l.quantity ORDER BY l.id) AS rn
          FROM return_to_vendor_line l JOIN rtv ON rtv.id = l.return_id
    )
    SELECT mv.id AS move_id, mv.posting_id, mv.created_at, mv.doc_type, mv.doc_ref, mv.quantity,
           coalesce(rtvl.unit_price, mv.unit_cost) AS unit_price, rtv.po_number, pol.line_no AS po_line_no,
           rtvl.id AS source_id, rtv.reason AS note,
           p.id AS part_id, p.code AS part_code, p.name_zh, p.name_en, loc.code AS location_code
      FROM mv
      JOIN location loc ON loc.id = mv.from_location_id
      JOIN part p ON p.id = mv.part_id
      LEFT JOIN rtv ON rtv.posting_id = mv.posting_id
      LEFT JOIN rtvl ON rtvl.posting_id = mv.posting_id AND rtvl.part_id = mv.part_id AND rtvl.lot_no = mv.lot_no
                    AND rtvl.quantity = mv.quantity AND rtvl.rn = mv.rn
      LEFT JOIN receipt_line rl ON rl.id = rtvl.receipt_line_id
      LEFT JOIN purchase_order_line pol ON pol.id = rl.po_line_id
      LEFT JOIN lot ON lot.part_id = mv.part_id AND lot.lot_no = mv.lot_no AND mv.lot_no <> ''
     WHERE loc.owner_supplier_id IS DISTINCT FROM :s
       AND (rtv.id IS NOT NULL OR (mv.doc_type <> 'return_to_vendor' AND lot.supplier_id = :s))
     ORDER BY mv.created_at, mv.id
    """
)

_PRICE_DIFFERENCES = text(
    """
    SELECT mr.id AS source_id, mr.released_at AS created_at, mr.accepted_qty AS quantity,
           mr.shipped_price - mr.order_price AS unit_price, mr.order_price, mr.shipped_price,
           mr.resolution_note AS note, po.number AS po_number, pol.line_no AS po_line_no,
           p.id AS part_id, p.code AS part_code, p.name_zh, p.name_en, loc.code AS location_code
      FROM match_result mr
      JOIN purchase_order_line pol ON pol.id = mr.po_line_id
      JOIN purchase_order po ON po.id = pol.purchase_order_id
      JOIN part p ON p.id = pol.part_id
      JOIN location loc ON loc.id = pol.destination_location_id
     WHERE po.supplier_id = :s
       AND mr.status = 'released'
       AND mr.released_at >= :start AND mr.released_at < :end
       AND mr.shipped_price IS NOT NULL AND mr.shipped_price <> mr.order_price
       AND mr.accepted_qty > 0
       AND mr.reasons @> CAST(:price_reason AS jsonb)
     ORDER BY mr.released_at, mr.id
    """
)


def _line(section: Section, row: Any, **extra: Any) -> LineData:
    quantity = Decimal(row.quantity)
    price = Decimal(row.unit_price)
    fields: dict[str, Any] = {
        "section": section,
        "occurred_at": row.created_at,
        "quantity": quantity,
        "unit_price": price,
        "amount": signed_amount(section, quantity, price),
        "part_id": row.part_id,
        "part_code": row.part_code,
        "part_name_zh": row.name_zh,
        "part_name_en": row.name_en,
        "location_code": row.location_code,
        "source_id": row.source_id,
    }
    fields.update(extra)
    return LineData(**fields)


async def receipts(session: AsyncSession, supplier_id: int, start: datetime, end: datetime) -> list[LineData]:
    rows = await session.execute(_RECEIPTS, {"s": supplier_id, "start": start, "end": end})
    return [
        _line(
            Section.RECEIPT,
            r,
            move_id=r.move_id,
            posting_id=r.posting_id,
            doc_type=r.doc_type,
            doc_ref=r.doc_ref,
            po_number=r.doc_ref,
            po_line_no=r.po_line_no,
        )
        for r in rows
    ]


async def returns(session: AsyncSession, supplier_id: int, start: datetime, end: datetime) -> list[LineData]:
    rows = await session.execute(_RETURNS, {"s": supplier_id, "start": start, "end": end})
    return [
        _line(
            Section.RETURN,
            r,
            move_id=r.move_id,
            posting_id=r.posting_id,
            doc_type=r.doc_type,
            doc_ref=r.doc_ref,
            po_number=r.po_number,
            po_line_no=r.po_line_no,
            note=r.note,
        )
        for r in rows
    ]


async def price_differences(session: AsyncSession, supplier_id: int, start: datetime, end: datetime) -> list[LineData]:
    reason = f'[{{"code": "{ErrorCode.PRICE_OUT_OF_TOLERANCE.value}"}}]'
    rows = await session.execute(
        _PRICE_DIFFERENCES, {"s": supplier_id, "start": start, "end": end, "price_reason": reason}
    )
    found = []
    for r in rows:
        shipped, ordered_at = Decimal(r.shipped_price).normalize(), Decimal(r.order_price).normalize()
        prices = f"delivery note {shipped:f} vs order {ordered_at:f}"
        note = f"{prices}; {r.note}" if r.note else prices
        found.append(
            _line(
                Section.PRICE_DIFFERENCE,
                r,
                doc_type="match_release",
                doc_ref=f"MATCH-{r.source_id}",
                po_number=r.po_number,
                po_line_no=r.po_line_no,
                note=note,
            )
        )
    return found


async def consignment(
    session: AsyncSession, supplier_id: int, start: datetime, end: datetime, source: Consumption
) -> list[LineData]:
    """Consumption as the VMI context defines it, enriched with posting, names and location codes."""
    items = list(await source(session, supplier_id, start, end))
    if not items:
        return []
    move_ids = [item.move_id for item in items]
    extra = {
        row.id: row
        for row in await session.execute(
            text(
                "SELECT m.id, m.posting_id, p.name_zh, p.name_en FROM stock_move m JOIN part p ON p.id = m.part_id "
                "WHERE m.id = ANY(CAST(:ids AS bigint[]))"
            ),
            {"ids": move_ids},
        )
    }
    codes = dict(
        (
            await session.execute(
                text("SELECT id, code FROM location WHERE id = ANY(CAST(:ids AS int[]))"),
                {"ids": sorted({item.location_id for item in items})},
            )
        )
        .tuples()
        .all()
    )
    found = []
    for item in items:
        info = extra.get(item.move_id)
        quantity = Decimal(item.quantity)
        price = Decimal(item.unit_price)
        found.append(
            LineData(
                section=Section.CONSIGNMENT,
                occurred_at=item.posted_at,
                quantity=quantity,
                unit_price=price,
                amount=signed_amount(Section.CONSIGNMENT, quantity, price),
                doc_type=item.doc_type,
                doc_ref=item.doc_ref,
                move_id=item.move_id,
                posting_id=info.posting_id if info else None,
                part_id=item.part_id,
                part_code=item.part_code,
                part_name_zh=info.name_zh if info else None,
                part_name_en=info.name_en if info else None,
                location_code=codes.get(item.location_id),
                source_id=item.move_id,
            )
        )
    return found


async def credits(session: AsyncSession, statement_id: int) -> list[LineData]:
    rows = await session.execute(
        select(StatementCredit).where(StatementCredit.statement_id == statement_id).order_by(StatementCredit.id)
    )
    return [
        LineData(
            section=Section.CREDIT,
            occurred_at=c.created_at,
            quantity=Decimal(1),
            unit_price=money(c.amount),
            amount=signed_amount(Section.CREDIT, Decimal(1), c.amount),
            doc_type="credit_note",
            doc_ref=c.reference or f"CN-{c.id}",
            note=c.reason,
            source_id=c.id,
        )
        for c in rows.scalars()
    ]


async def activity(
    session: AsyncSession,
    supplier_id: int,
    start: datetime,
    end: datetime,
    source: Consumption | None,
) -> list[LineData]:
    """Every ledger-derived line of the window (credits belong to a statement and come apart)."""
    found = [
        *await receipts(session, supplier_id, start, end),
        *await returns(session, supplier_id, start, end),
        *await price_differences(session, supplier_id, start, end),
    ]
    if source is not None:
        found.extend(await consignment(session, supplier_id, start, end, source))
    return found
