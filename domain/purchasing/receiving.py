"""Scan receiving: a session at a site, scans matched against open order lines and ship notices,
posted from V-SUPPLIER into the site's QC location at the order price — or, for a consignment line
(destined to a location its supplier owns), straight into that location (see `ownership`).

Whatever does not match cleanly — an unknown barcode, a part on no open order, a wrong item, more
than the tolerance allows, a shipment that came short — is recorded as a *hold* and nothing of it
reaches stock until a decider resolves it. Every scan carries an idempotency key: a scanner that
retries on bad Wi-Fi gets the first answer back. Scans of one order serialise on the order and
line rows (locked in id order: orders, then lines, then ship-notice lines), so concurrent scans
never receive more than the tolerance allows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import CostingMethod, Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import SITE_KINDS, Location, LocationKind
from domain.principal import Principal
from domain.purchasing import matching, ownership
from domain.purchasing.common import (
    check_key,
    claim,
    clean_text,
    fingerprint,
    lock_one,
    locked,
    next_id,
    order_lines,
    record,
    refresh_order_status,
    supplier_location,
    today,
)
from domain.purchasing.models import (
    RECEIVABLE,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    ReceiptScan,
    ReceivingSession,
    ScanStatus,
    ShipNotice,
    ShipNoticeLine,
)
from domain.purchasing.policy import (
    PurchasingSettings,
    ensure_hold_decider,
    ensure_receiver,
    ensure_sees,
    get_purchasing_settings,
)
from domain.quantities import validate_quantity
from domain.stock import ledger
from domain.stock.models import Lot

ZERO = Decimal(0)


class HoldDecision(StrEnum):
    POST = "post"  # post the held goods (an explicit order line when the scan matched none)
    DISCARD = "discard"  # refuse the goods; nothing is posted
    BACKORDER = "backorder"  # short receipt: the missing quantity stays on order
    CLOSE_SHORT = "close_short"  # short receipt: close the order line at what arrived


@dataclass(frozen=True)
class ScanCommand:
    session_id: int
    barcode: str
    quantity: Decimal | None
    idempotency_key: str
    lot_no: str = ""
    expiry_date: date | None = None


@dataclass(frozen=True)
class ScanResult:
    scan: ReceiptScan
    lines: list[ReceiptLine]
    replayed: bool

    @property
    def hold(self) -> DomainError | None:
        """The typed reason a scan is held (what the scanner shows in red)."""
        if self.scan.status != ScanStatus.HELD or not self.scan.hold_code:
            return None
        return DomainError(ErrorCode(self.scan.hold_code), self.scan.hold_reason or "", ["barcode"])


class _Hold(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _now() -> datetime:
    return datetime.now(UTC)


async def ensure_qc_location(session: AsyncSession, site: Location) -> Location:
    """The site's QC bin (`<site>-QC`), created on first use: goods wait there until inspected."""
    if site.kind not in SITE_KINDS:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{site.code} is not a store or warehouse", ["locationCode"])
    code = f"{site.code}-QC"
    await session.execute(
        pg_insert(Location)
        .values(
            code=code,
            name_zh=f"{site.name_zh}质检区",
            name_en=f"{site.name_en} QC",
            kind=LocationKind.BIN.value,
            parent_id=site.id,
            site_id=site.id,
            path=f"{site.path}/{code}",
            city=site.city,
            active=True,
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    qc = (await session.execute(select(Location).where(Location.code == code))).scalar_one()
    if qc.site_id != site.id or qc.kind != LocationKind.BIN:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"location {code} exists but is not {site.code}'s QC bin")
    return qc


async def _notice_by_label(session: AsyncSession, label_or_number: str) -> ShipNotice | None:
    value = label_or_number.strip().upper()
    stmt = select(ShipNotice).where((ShipNotice.label == value) | (ShipNotice.number == value)).order_by(ShipNotice.id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def start_receiving(
    session: AsyncSession, principal: Principal, location_code: str, ship_notice: str | None = None
) -> ReceivingSession:
    """Open a receiving session at a store or warehouse (a zone or bin code means its site)."""
    ensure_receiver(principal)
    code = location_code.strip().upper()
    loc = (await session.execute(select(Location).where(Location.code == code))).scalar_one_or_none()
    if loc is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {code}", ["locationCode"])
    ensure_sees(principal, loc.path, code, "locationCode")
    site = loc if loc.kind in SITE_KINDS else None
    if site is None and loc.site_id is not None and loc.kind != LocationKind.VIRTUAL:
        site = await session.get(Location, loc.site_id)
    if site is None or not site.active:
        raise DomainError(ErrorCode.INVALID_LOCATION, f"{code} is not a receiving site", ["locationCode"])
    ensure_sees(principal, site.path, site.code, "locationCode")
    qc = await ensure_qc_location(session, site)
    notice_id = None
    if ship_notice:
        notice = await _notice_by_label(session, ship_notice)
        if notice is None or notice.status != "open":
            raise DomainError(ErrorCode.NOT_FOUND, f"no open ship notice {ship_notice}", ["shipNotice"])
        notice_id = notice.id
    pk = await next_id(session, "receiving_session")
    rs = ReceivingSession(
        id=pk,
        number=f"RCV-{pk:06d}",
        site_id=site.id,
        qc_location_id=qc.id,
        ship_notice_id=notice_id,
        status="open",
        started_by=principal.actor,
    )
    session.add(rs)
    await session.flush()
    return rs


async def _session_for(session: AsyncSession, principal: Principal, session_id: int, *, lock: bool) -> ReceivingSession:
    if lock:
        rs = await lock_one(session, ReceivingSession, session_id, "receiving session", "receivingSessionId")
    else:
        found = await session.get(ReceivingSession, session_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, "no receiving session with this id", ["receivingSessionId"])
        rs = found
    site = await session.get(Location, rs.site_id)
    assert site is not None
    if not principal.sees_path(site.path):
        raise DomainError(ErrorCode.NOT_FOUND, "no receiving session with this id", ["receivingSessionId"])
    return rs


async def get_receiving_session(
    session: AsyncSession, principal: Principal, session_id: int
) -> ReceivingSession | None:
    try:
        return await _session_for(session, principal, session_id, lock=False)
    except DomainError:
        return None


_RESOLVE_BARCODE = text(
    """
    SELECT kind, id FROM (
        SELECT 1 AS rank, 'notice_line' AS kind, id FROM ship_notice_line WHERE label = upper(:b)
        UNION ALL SELECT 2, 'notice', id FROM ship_notice WHERE label = upper(:b)
        UNION ALL SELECT 3, 'part', id FROM part WHERE barcode = :b OR code = upper(:b)
        UNION ALL SELECT 4, 'part', part_id FROM supplier_part WHERE supplier_part_no = :b
    ) t ORDER BY rank, id LIMIT 1
    """
)


async def _candidate_lines(session: AsyncSession, part_id: int) -> list[tuple[int, int]]:
    """(line id, destination site) of every open order line for the part."""
    rows = await session.execute(
        select(PurchaseOrderLine.id, PurchaseOrderLine.destination_site_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(
            PurchaseOrderLine.part_id == part_id,
            PurchaseOrderLine.closed.is_(False),
            PurchaseOrder.status.in_([s.value for s in RECEIVABLE]),
        )
    )
    return [(row[0], row[1]) for row in rows]


async def scan_receipt(
    session: AsyncSession, principal: Principal, cmd: ScanCommand, settings: PurchasingSettings | None = None
) -> ScanResult:
    """Match one scan and post it into QC, or hold it; a retried key replays the first answer."""
    settings = settings or get_purchasing_settings()
    key = check_key(cmd.idempotency_key, required=True)
    barcode = (cmd.barcode or "").strip()
    if not barcode or len(barcode) > 120:
        raise DomainError(ErrorCode.INVALID_INPUT, "a barcode of 1 to 120 characters is required", ["barcode"])
    lot_no = (cmd.lot_no or "").strip()
    if len(lot_no) > 64:
        raise DomainError(ErrorCode.INVALID_INPUT, "lot number is limited to 64 characters", ["lotNo"])
    quantity = None if cmd.quantity is None else validate_quantity(cmd.quantity, 6, "quantity")
    ensure_receiver(principal)
    rs = await _session_for(session, principal, cmd.session_id, lock=False)
    digest = fingerprint("scan", rs.id, barcode, quantity and quantity.normalize(), lot_no, cmd.expiry_date)
    claimed = await claim(session, "scan", key, digest)
    if claimed.replay_id is not None:
        return await scan_result(session, claimed.replay_id, replayed=True)
    if rs.status != "open":
        raise DomainError(ErrorCode.INVALID_STATE, f"receiving session {rs.number} is closed", ["receivingSessionId"])

    scan = ReceiptScan(
        session_id=rs.id,
        barcode=barcode,
        quantity=quantity,
        lot_no=lot_no,
        expiry_date=cmd.expiry_date,
        status=ScanStatus.POSTED.value,
        actor=principal.actor,
    )
    session.add(scan)
    await session.flush()
    lines: list[ReceiptLine] = []
    try:
        lines = await _match_and_post(session, principal, rs, scan, quantity, settings)
    except _Hold as hold:
        scan.status = ScanStatus.HELD.value
        scan.hold_code = hold.code.value
        scan.hold_reason = hold.message
    await session.flush()
    await record(session, claimed, scan.id)
    return ScanResult(scan=scan, lines=lines, replayed=False)


async def _match_and_post(
    session: AsyncSession,
    principal: Principal,
    rs: ReceivingSession,
    scan: ReceiptScan,
    quantity: Decimal | None,
    settings: PurchasingSettings,
) -> list[ReceiptLine]:
    row = (await session.execute(_RESOLVE_BARCODE, {"b": scan.barcode})).first()
    if row is None:
        raise _Hold(ErrorCode.UNKNOWN_BARCODE, f"barcode {scan.barcode} matches no part or ship notice")
    if row.kind == "notice":
        notice = await session.get(ShipNotice, row.id)
        assert notice is not None
        if notice.status != "open":
            raise DomainError(ErrorCode.INVALID_STATE, f"ship notice {notice.number} is {notice.status}", ["barcode"])
        rs.ship_notice_id = notice.id
        scan.status = ScanStatus.ATTACHED.value
        return []

    notice_line: ShipNoticeLine | None = None
    if row.kind == "notice_line":
        notice_line = await session.get(ShipNoticeLine, row.id)
        assert notice_line is not None
        po_line = await session.get(PurchaseOrderLine, notice_line.po_line_id)
        assert po_line is not None
        part = await session.get(Part, po_line.part_id)
        scan.ship_notice_line_id = notice_line.id
        scan.po_line_id = po_line.id
    else:
        part = await session.get(Part, row.id)
    assert part is not None
    scan.part_id = part.id
    if quantity is None:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "a quantity is required for this scan", ["quantity"])
    quantity = validate_quantity(quantity, part.uom_precision, "quantity")

    if notice_line is not None:
        assert scan.po_line_id is not None
        notice = await session.get(ShipNotice, notice_line.ship_notice_id)
        assert notice is not None and po_line is not None
        if notice.status == "cancelled":
            raise DomainError(ErrorCode.INVALID_STATE, f"ship notice {notice.number} is cancelled", ["barcode"])
        if po_line.destination_site_id != rs.site_id:
            raise _Hold(ErrorCode.WRONG_ITEM, f"{notice_line.label} was shipped for another site")
        candidates = [po_line.id]
    else:
        found = await _candidate_lines(session, part.id)
        candidates = [line_id for line_id, site in found if site == rs.site_id]
        if candidates:
            scan.po_line_id = candidates[0]
        if rs.ship_notice_id is not None:
            on_notice = await session.execute(
                select(ShipNoticeLine.id)
                .join(PurchaseOrderLine, PurchaseOrderLine.id == ShipNoticeLine.po_line_id)
                .where(ShipNoticeLine.ship_notice_id == rs.ship_notice_id, PurchaseOrderLine.part_id == part.id)
                .limit(1)
            )
            if on_notice.first() is None:
                notice = await session.get(ShipNotice, rs.ship_notice_id)
                assert notice is not None
                raise _Hold(ErrorCode.WRONG_ITEM, f"{part.code} is not on ship notice {notice.number}")
        if not candidates:
            if found:
                raise _Hold(ErrorCode.WRONG_ITEM, f"{part.code} is on order for another site, not this one")
            raise _Hold(ErrorCode.NOT_ON_ORDER, f"{part.code} is on no open purchase order")
    return await _receive(
        session,
        principal,
        rs,
        scan.id,
        part,
        candidates,
        quantity,
        lot_no=scan.lot_no,
        expiry=scan.expiry_date,
        notice_line=notice_line,
        tolerance=settings.over_receipt_tolerance,
    )


async def _receive(
    session: AsyncSession,
    principal: Principal,
    rs: ReceivingSession,
    scan_id: int,
    part: Part,
    candidate_ids: Sequence[int],
    quantity: Decimal,
    *,
    lot_no: str,
    expiry: date | None,
    notice_line: ShipNoticeLine | None,
    tolerance: Decimal | None,
) -> list[ReceiptLine]:
    """Allocate the quantity over the candidate lines under lock, post it, and count it.
    `tolerance` None means a decider accepted any excess."""
    po_ids = (
        (
            await session.execute(
                select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.id.in_(list(candidate_ids)))
            )
        )
        .scalars()
        .all()
    )
    orders = await locked(session, PurchaseOrder, po_ids)
    lines = await locked(session, PurchaseOrderLine, candidate_ids)
    open_lines = [
        line for line in lines.values() if not line.closed and orders[line.purchase_order_id].status in RECEIVABLE
    ]
    if not open_lines:
        raise _Hold(ErrorCode.NOT_ON_ORDER, f"{part.code} is on no open purchase order")
    notice_lines = await _notice_lines(session, [line.id for line in open_lines])
    if notice_line is not None:  # the scanned label's line, fresh under the order-line lock
        notice_line = (await locked(session, ShipNoticeLine, [notice_line.id]))[notice_line.id]
    preferred = rs.ship_notice_id
    open_lines.sort(
        key=lambda ln: (
            0 if any(n.ship_notice_id == preferred for n in notice_lines[ln.id]) else 1,
            ln.promised_date,
            ln.id,
        )
    )

    allocation: dict[int, Decimal] = defaultdict(Decimal)
    left = quantity
    rooms = []
    for line in open_lines:
        net = line.received_qty - line.rejected_qty
        room_open = max(line.quantity - net, ZERO)
        ceiling = None if tolerance is None else line.quantity * (1 + tolerance)
        room_extra = None if ceiling is None else max(ceiling - net, ZERO) - room_open
        rooms.append((line, room_open, room_extra))
    for line, room_open, _ in rooms:
        take = min(left, room_open)
        if take > 0:
            allocation[line.id] += take
            left -= take
    for line, _, room_extra in rooms:
        take = left if room_extra is None else min(left, room_extra)
        if take > 0:
            allocation[line.id] += take
            left -= take
    if left > 0:
        open_total = sum((r[1] for r in rooms), ZERO)
        allowed = sum((r[1] + (r[2] or ZERO) for r in rooms), ZERO)
        raise _Hold(
            ErrorCode.OVER_RECEIPT,
            f"{quantity.normalize():f} {part.code} scanned but {open_total.normalize():f} open on order "
            f"(tolerance allows {allowed.normalize():f})",
        )

    # Split each line's share over its ship-notice lines, so lots and expiry dates come along.
    pieces: list[tuple[PurchaseOrderLine, ShipNoticeLine | None, Decimal]] = []
    for line in open_lines:
        share = allocation.get(line.id, ZERO)
        if share <= 0:
            continue
        if notice_line is not None:
            pieces.append((line, notice_line, share))
            continue
        for candidate in sorted(notice_lines[line.id], key=lambda n: (0 if n.ship_notice_id == preferred else 1, n.id)):
            room = candidate.quantity - candidate.received_qty
            take = min(share, room)
            if take > 0:
                pieces.append((line, candidate, take))
                share -= take
        if share > 0:
            pieces.append((line, None, share))

    supplier = await supplier_location(session)
    targets = await _receipt_locations(session, rs, [line for line, _, _ in pieces], orders)
    received_on = today()
    receipts: list[ReceiptLine] = []
    by_order: dict[int, list[tuple[ReceiptLine, ledger.MoveLine]]] = defaultdict(list)
    for line, notice, qty in pieces:
        order = orders[line.purchase_order_id]
        lot = lot_no or (notice.lot_no if notice else "")
        expires = expiry or (notice.expiry_date if notice else None)
        if not lot and (part.costing_method == CostingMethod.FIFO or expires is not None):
            lot = f"{order.number}-{line.line_no}"  # FIFO costing and expiry need a lot
        receipt = ReceiptLine(
            scan_id=scan_id,
            session_id=rs.id,
            po_line_id=line.id,
            ship_notice_line_id=notice.id if notice else None,
            part_id=part.id,
            lot_no=lot,
            expiry_date=expires,
            quantity=qty,
            unit_cost=line.unit_price,
            site_id=rs.site_id,
            qc_location_id=targets[line.id],
            received_on=received_on,
            accepted_qty=ZERO,
            rejected_qty=ZERO,
            put_away_qty=ZERO,
        )
        move = ledger.MoveLine(
            part_id=part.id,
            from_location_id=supplier.id,
            to_location_id=targets[line.id],
            quantity=qty,
            lot_no=lot,
            unit_cost=line.unit_price,
            received_on=received_on,
            expiry_date=expires,
        )
        session.add(receipt)
        by_order[order.id].append((receipt, move))
        line.received_qty += qty
        if notice is not None:
            notice.received_qty += qty
    for order_id in sorted(by_order):
        order = orders[order_id]
        items = by_order[order_id]
        posted = await ledger.post(
            session,
            principal,
            ledger.Posting(
                doc_type="po_receipt",
                doc_ref=order.number,
                reason=f"received in {rs.number}",
                lines=[move for _, move in items],
            ),
        )
        for receipt, _ in items:
            receipt.posting_id = posted.posting_id
            receipts.append(receipt)
        lots = sorted({receipt.lot_no for receipt, _ in items if receipt.lot_no})
        if lots:
            await session.execute(
                update(Lot)
                .where(Lot.part_id == part.id, Lot.lot_no.in_(lots), Lot.supplier_id.is_(None))
                .values(supplier_id=order.supplier_id)
            )
    await session.flush()
    all_lines = await order_lines(session, list(orders))
    for order in orders.values():
        await refresh_order_status(session, order, all_lines[order.id])
    await _refresh_notices(session, {n.ship_notice_id for _, n, _ in pieces if n is not None})
    return receipts


async def _receipt_locations(
    session: AsyncSession,
    rs: ReceivingSession,
    lines: Sequence[PurchaseOrderLine],
    orders: dict[int, PurchaseOrder],
) -> dict[int, int]:
    """Where each line's goods are posted: a consignment line (destined to a location its order's
    supplier owns) straight into that location, so the goods stay the supplier's; any other line
    into the site's QC bin (the session's own, unless the session was opened on a consignment zone)."""
    owner = await ownership.owners(session, [rs.qc_location_id, *(line.destination_location_id for line in lines)])
    qc_id = rs.qc_location_id if owner.get(rs.qc_location_id) is None else None
    found: dict[int, int] = {}
    for line in lines:
        destination = line.destination_location_id
        if owner.get(destination) is not None and owner[destination] == orders[line.purchase_order_id].supplier_id:
            found[line.id] = destination
            continue
        if qc_id is None:
            site = await session.get(Location, rs.site_id)
            assert site is not None
            qc_id = (await ensure_qc_location(session, site)).id
        found[line.id] = qc_id
    return found


async def _notice_lines(session: AsyncSession, po_line_ids: Sequence[int]) -> dict[int, list[ShipNoticeLine]]:
    """Open ship-notice lines of these order lines, locked (after the order lines, always)."""
    rows = await session.execute(
        select(ShipNoticeLine)
        .join(ShipNotice, ShipNotice.id == ShipNoticeLine.ship_notice_id)
        .where(
            ShipNoticeLine.po_line_id.in_(list(po_line_ids)),
            ShipNotice.status != "cancelled",
            ShipNoticeLine.short_closed.is_(False),
        )
        .order_by(ShipNoticeLine.id)
        .with_for_update(of=ShipNoticeLine)
        .execution_options(populate_existing=True)
    )
    found: dict[int, list[ShipNoticeLine]] = {pk: [] for pk in po_line_ids}
    for line in rows.scalars():
        found[line.po_line_id].append(line)
    return found


async def _refresh_notices(session: AsyncSession, notice_ids: set[int]) -> None:
    """A notice is received once every line arrived in full or had its shortfall decided."""
    if not notice_ids:
        return
    await session.flush()
    outstanding = exists().where(
        ShipNoticeLine.ship_notice_id == ShipNotice.id,
        ShipNoticeLine.received_qty < ShipNoticeLine.quantity,
        ShipNoticeLine.short_closed.is_(False),
    )
    await session.execute(
        update(ShipNotice)
        .where(ShipNotice.id.in_(sorted(notice_ids)), ShipNotice.status == "open", ~outstanding)
        .values(status="received")
        .execution_options(synchronize_session=False)
    )


async def scan_result(session: AsyncSession, scan_id: int, *, replayed: bool) -> ScanResult:
    scan = await session.get(ReceiptScan, scan_id, populate_existing=True)
    assert scan is not None
    rows = await session.execute(select(ReceiptLine).where(ReceiptLine.scan_id == scan_id).order_by(ReceiptLine.id))
    return ScanResult(scan=scan, lines=list(rows.scalars()), replayed=replayed)


async def resolve_receiving_hold(
    session: AsyncSession,
    principal: Principal,
    scan_id: int,
    decision: HoldDecision,
    *,
    po_line_id: int | None = None,
    note: str | None = None,
    settings: PurchasingSettings | None = None,
) -> ScanResult:
    """A decider's answer to a held scan. Posting a hold bypasses the tolerance (that is the
    decision); a scan that matched no line needs the order line to post it against."""
    settings = settings or get_purchasing_settings()
    ensure_hold_decider(principal)
    scan = await lock_one(session, ReceiptScan, scan_id, "held scan", "scanId")
    rs = await _session_for(session, principal, scan.session_id, lock=False)
    if scan.status != ScanStatus.HELD:
        raise DomainError(ErrorCode.INVALID_STATE, f"this scan is {scan.status}, not held", ["scanId"])
    short = scan.hold_code == ErrorCode.SHORT_RECEIPT
    allowed = {HoldDecision.BACKORDER, HoldDecision.CLOSE_SHORT} if short else {HoldDecision.POST, HoldDecision.DISCARD}
    if decision not in allowed:
        names = ", ".join(sorted(d.value for d in allowed))
        raise DomainError(ErrorCode.INVALID_INPUT, f"this hold is decided by one of: {names}", ["decision"])
    scan.resolved_by = principal.actor
    scan.resolved_at = _now()
    scan.resolution_note = clean_text(note, "note", 2000)
    lines: list[ReceiptLine] = []
    if short:
        await _decide_short(session, scan, decision, settings)
    elif decision == HoldDecision.DISCARD:
        scan.status = ScanStatus.DISCARDED.value
    else:
        lines = await _post_held(session, principal, rs, scan, po_line_id)
        scan.status = ScanStatus.ACCEPTED.value
    await session.flush()
    return ScanResult(scan=scan, lines=lines, replayed=False)


async def _post_held(
    session: AsyncSession, principal: Principal, rs: ReceivingSession, scan: ReceiptScan, po_line_id: int | None
) -> list[ReceiptLine]:
    notice_line = await session.get(ShipNoticeLine, scan.ship_notice_line_id) if scan.ship_notice_line_id else None
    if po_line_id is not None:
        line = await session.get(PurchaseOrderLine, po_line_id)
        if line is None or line.destination_site_id != rs.site_id:
            raise DomainError(ErrorCode.NOT_FOUND, "no order line for this site with this id", ["poLineId"])
        if scan.part_id is not None and line.part_id != scan.part_id:
            raise DomainError(ErrorCode.WRONG_ITEM, "the scanned part is not the part of this order line", ["poLineId"])
        candidates = [line.id]
        if notice_line is not None and notice_line.po_line_id != line.id:
            notice_line = None
        part_id = line.part_id
    elif scan.hold_code == ErrorCode.OVER_RECEIPT and scan.part_id is not None:
        part_id = scan.part_id
        if notice_line is not None:
            candidates = [notice_line.po_line_id]
        else:
            candidates = [i for i, site in await _candidate_lines(session, part_id) if site == rs.site_id]
    else:
        raise DomainError(ErrorCode.INVALID_INPUT, "choose the order line to post this scan against", ["poLineId"])
    part = await session.get(Part, part_id)
    assert part is not None
    if scan.quantity is None:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "this scan carried no quantity to post", ["scanId"])
    quantity = validate_quantity(scan.quantity, part.uom_precision, "quantity")
    scan.part_id = part.id
    scan.po_line_id = candidates[0] if candidates else None
    try:
        return await _receive(
            session,
            principal,
            rs,
            scan.id,
            part,
            candidates,
            quantity,
            lot_no=scan.lot_no,
            expiry=scan.expiry_date,
            notice_line=notice_line,
            tolerance=None,
        )
    except _Hold as hold:
        raise DomainError(hold.code, hold.message, ["poLineId"]) from None


async def _decide_short(
    session: AsyncSession, scan: ReceiptScan, decision: HoldDecision, settings: PurchasingSettings
) -> None:
    assert scan.po_line_id is not None and scan.ship_notice_line_id is not None
    po_id = (
        await session.execute(
            select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.id == scan.po_line_id)
        )
    ).scalar_one()
    order = await lock_one(session, PurchaseOrder, po_id, "purchase order")
    line = await lock_one(session, PurchaseOrderLine, scan.po_line_id, "order line")
    notice_line = await lock_one(session, ShipNoticeLine, scan.ship_notice_line_id, "ship notice line")
    notice_line.short_closed = True
    if decision == HoldDecision.CLOSE_SHORT:
        scan.status = ScanStatus.CLOSED_SHORT.value
        if not line.closed:
            line.closed = True
            line.closed_short = True
        await session.flush()
        await refresh_order_status(session, order, (await order_lines(session, [order.id]))[order.id])
        await matching.evaluate_if_complete(session, [line.id], settings)
    else:
        scan.status = ScanStatus.BACKORDERED.value
    await _refresh_notices(session, {notice_line.ship_notice_id})


async def close_receiving_session(
    session: AsyncSession, principal: Principal, session_id: int
) -> tuple[ReceivingSession, list[ReceiptScan]]:
    """Close the dock session; ship-notice lines that arrived short become SHORT_RECEIPT holds."""
    ensure_receiver(principal)
    rs = await _session_for(session, principal, session_id, lock=True)
    if rs.status != "open":
        raise DomainError(
            ErrorCode.INVALID_STATE, f"receiving session {rs.number} is already closed", ["receivingSessionId"]
        )
    touched = (
        select(ShipNoticeLine.ship_notice_id)
        .join(ReceiptLine, ReceiptLine.ship_notice_line_id == ShipNoticeLine.id)
        .where(ReceiptLine.session_id == rs.id)
    )
    notice_filter: ColumnElement[bool] = ShipNoticeLine.ship_notice_id.in_(touched)
    if rs.ship_notice_id is not None:
        notice_filter = notice_filter | (ShipNoticeLine.ship_notice_id == rs.ship_notice_id)
    already_held = exists().where(
        ReceiptScan.ship_notice_line_id == ShipNoticeLine.id,
        ReceiptScan.status == ScanStatus.HELD,
        ReceiptScan.hold_code == ErrorCode.SHORT_RECEIPT.value,
    )
    rows = await session.execute(
        select(ShipNoticeLine, PurchaseOrderLine.part_id)
        .join(ShipNotice, ShipNotice.id == ShipNoticeLine.ship_notice_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == ShipNoticeLine.po_line_id)
        .where(
            notice_filter,
            ShipNotice.status == "open",
            ShipNoticeLine.short_closed.is_(False),
            ShipNoticeLine.received_qty < ShipNoticeLine.quantity,
            PurchaseOrderLine.destination_site_id == rs.site_id,
            ~already_held,
        )
        .order_by(ShipNoticeLine.id)
    )
    holds = []
    for notice_line, part_id in rows.tuples():
        missing = notice_line.quantity - notice_line.received_qty
        holds.append(
            ReceiptScan(
                session_id=rs.id,
                barcode=notice_line.label,
                quantity=missing,
                lot_no=notice_line.lot_no,
                expiry_date=notice_line.expiry_date,
                status=ScanStatus.HELD.value,
                hold_code=ErrorCode.SHORT_RECEIPT.value,
                hold_reason=f"{notice_line.label}: {missing.normalize():f} shipped but not received",
                part_id=part_id,
                po_line_id=notice_line.po_line_id,
                ship_notice_line_id=notice_line.id,
                actor=principal.actor,
            )
        )
    session.add_all(holds)
    rs.status = "closed"
    rs.closed_at = _now()
    await session.flush()
    return rs, holds
