"""Plumbing shared by the purchasing services: document numbers, idempotency claims, row locks and
lookups. Nothing here decides a business rule."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, ErrorCode
from domain.org.models import Location, LocationKind, VirtualKind
from domain.principal import Principal
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, PurchasingCommand

T = TypeVar("T")


def today() -> date:
    return date.today()


async def next_id(session: AsyncSession, table: str) -> int:
    """Take the id before inserting, so the document number can be derived from it in one insert."""
    sql = text("SELECT nextval(pg_get_serial_sequence(:table, 'id'))")
    return int((await session.execute(sql, {"table": table})).scalar_one())


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def check_key(key: str | None, *, required: bool) -> str | None:
    if key is None or key == "":
        if required:
            raise DomainError(ErrorCode.INVALID_INPUT, "an idempotency key is required", ["idempotencyKey"])
        return None
    if len(key) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "idempotency key must be 1-200 characters", ["idempotencyKey"])
    return key


@dataclass(frozen=True)
class Claim:
    key: str | None
    replay_id: int | None  # set when this key already produced a result

    @property
    def replayed(self) -> bool:
        return self.replay_id is not None


async def claim(session: AsyncSession, kind: str, key: str | None, digest: str) -> Claim:
    """Claim an idempotency key in this transaction. A concurrent duplicate blocks on the primary key
    until the first commits (then replays) or rolls back (then proceeds as the first)."""
    if key is None:
        return Claim(None, None)
    stmt = (
        pg_insert(PurchasingCommand)
        .values(idempotency_key=key, kind=kind, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(PurchasingCommand.idempotency_key)
    )
    if (await session.execute(stmt)).scalar_one_or_none() is not None:
        return Claim(key, None)
    found = (
        await session.execute(select(PurchasingCommand).where(PurchasingCommand.idempotency_key == key))
    ).scalar_one()
    if found.kind != kind or found.request_hash != digest or found.result_id is None:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "this idempotency key was already used for a different request",
            ["idempotencyKey"],
        )
    return Claim(key, found.result_id)


async def record(session: AsyncSession, claimed: Claim, result_id: int) -> None:
    if claimed.key is not None:
        await session.execute(
            update(PurchasingCommand)
            .where(PurchasingCommand.idempotency_key == claimed.key)
            .values(result_id=result_id)
        )


async def locked(session: AsyncSession, model: type[T], ids: Sequence[int]) -> dict[int, T]:
    """Lock rows in id order (the one order every purchasing path uses) and return fresh copies."""
    stmt = (
        select(model)
        .where(model.id.in_(sorted(set(ids))))  # type: ignore[attr-defined]
        .order_by(model.id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in (await session.execute(stmt)).scalars()}  # type: ignore[attr-defined]


async def lock_one(session: AsyncSession, model: type[T], pk: int, what: str, field: str = "id") -> T:
    found = (await locked(session, model, [pk])).get(pk)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no {what} with this id", [field])
    return found


async def order_lines(session: AsyncSession, po_ids: Sequence[int]) -> dict[int, list[PurchaseOrderLine]]:
    rows = await session.execute(
        select(PurchaseOrderLine)
        .where(PurchaseOrderLine.purchase_order_id.in_(list(po_ids)))
        .order_by(PurchaseOrderLine.purchase_order_id, PurchaseOrderLine.line_no)
        .execution_options(populate_existing=True)
    )
    grouped: dict[int, list[PurchaseOrderLine]] = {pk: [] for pk in po_ids}
    for line in rows.scalars():
        grouped[line.purchase_order_id].append(line)
    return grouped


async def parts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Part]:
    rows = await session.execute(select(Part).where(Part.id.in_(sorted(set(ids)))))
    return {p.id: p for p in rows.scalars()}


async def locations_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Location]:
    rows = await session.execute(select(Location).where(Location.id.in_(sorted(set(ids)))))
    return {loc.id: loc for loc in rows.scalars()}


async def location_by_code(session: AsyncSession, code: str) -> Location | None:
    stmt = select(Location).where(Location.code == code.strip().upper())
    return (await session.execute(stmt)).scalar_one_or_none()


async def supplier_location(session: AsyncSession) -> Location:
    """V-SUPPLIER: where purchased goods come from and rejected goods go back to."""
    stmt = (
        select(Location)
        .where(Location.kind == LocationKind.VIRTUAL, Location.virtual_kind == VirtualKind.SUPPLIER)
        .order_by(Location.id)
        .limit(1)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, "the virtual supplier location is missing")
    return found


async def refresh_order_status(session: AsyncSession, po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Derive sent / partially received / received from the lines (caller holds the order lock)."""
    if po.status not in ("sent", "partially_received", "received"):
        return
    net = [line.received_qty - line.rejected_qty for line in lines]
    if all(line.closed or n >= line.quantity for line, n in zip(lines, net, strict=True)):
        po.status = "received"
    elif any(line.received_qty > 0 for line in lines):
        po.status = "partially_received"
    else:
        po.status = "sent"


def clean_text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is limited to {limit} characters", [field])
    return value or None


def visible_orders_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: the orders this principal may see (suppliers: their own, once sent)."""
    if principal.supplier_id is not None:
        return and_(
            PurchaseOrder.supplier_id == principal.supplier_id,
            PurchaseOrder.status.notin_(
                [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.APPROVED]
            ),
        )
    if principal.location_paths is None:
        return PurchaseOrder.id.isnot(None)
    scope = or_(
        *(
            clause
            for root in principal.location_paths
            for clause in (Location.path == root, Location.path.startswith(root + "/", autoescape=True))
        )
    )
    return exists(
        select(PurchaseOrderLine.id)
        .join(Location, Location.id == PurchaseOrderLine.destination_location_id)
        .where(PurchaseOrderLine.purchase_order_id == PurchaseOrder.id, scope)
    )
