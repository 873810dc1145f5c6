"""Consignment seen from purchasing: an order line destined to a location a supplier owns
(`location.owner_supplier_id`, its consignment zone at a site; see domain/vmi/consignment.py)
delivers goods that stay the supplier's until they leave that location.

- Receiving posts such a line straight into that location, whatever session scans it, so
  consignment goods never land in the site's own QC bin.
- Three-way match does not release it for invoicing: the supplier is paid for what is consumed,
  through its monthly statement.
- Putaway leaves its goods where they are: a move into our bins would be consumption.

The rule is one column on the destination, so purchasing needs nothing from the VMI package."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org.models import Location
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReceiptLine


async def owners(session: AsyncSession, location_ids: Iterable[int]) -> dict[int, int | None]:
    """Location id → the supplier owning it (None: ours)."""
    ids = sorted(set(location_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Location.id, Location.owner_supplier_id).where(Location.id.in_(ids)))
    return {pk: owner for pk, owner in rows.tuples()}


async def consignment_line_ids(session: AsyncSession, po_line_ids: Iterable[int]) -> set[int]:
    """The order lines whose destination belongs to the order's supplier (consignment deliveries)."""
    ids = sorted(set(po_line_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(PurchaseOrderLine.id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .join(Location, Location.id == PurchaseOrderLine.destination_location_id)
        .where(PurchaseOrderLine.id.in_(ids), Location.owner_supplier_id == PurchaseOrder.supplier_id)
    )
    return set(rows.scalars())


async def is_consignment_receipt(session: AsyncSession, receipt: ReceiptLine) -> bool:
    """A receipt posted into a supplier-owned location (receiving's `qc_location_id` is where it went)."""
    return (await owners(session, [receipt.qc_location_id])).get(receipt.qc_location_id) is not None
