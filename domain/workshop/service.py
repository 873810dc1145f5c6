"""Work order lifecycle: create (from GraphQL or the DMS, idempotent on its external id), read,
list, close and cancel. Kits are in `kit`, reservation/picking/issue/return in `picking`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import Location, LocationKind
from domain.principal import Principal
from domain.quantities import validate_quantity
from domain.stock import reservations
from domain.stock.policy import visible_path_filter
from domain.workshop import policy
from domain.workshop.common import (
    RESERVATION_DOC,
    ZERO,
    ensure_active,
    line_ref,
    line_views,
    load_work_order,
    parts_by_codes,
)
from domain.workshop.models import WorkOrder, WorkOrderLine, WorkOrderStatus

# ISO 3779: 17 characters, digits and capitals except I, O and Q (they read as 1 and 0).
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
MAX_LINES = 200


@dataclass(frozen=True)
class Vehicle:
    vin: str
    make: str
    model: str
    year: int | None = None


@dataclass(frozen=True)
class PartQuantity:
    part_code: str
    quantity: Decimal


@dataclass(frozen=True)
class CreateWorkOrder:
    store_code: str
    vehicle: Vehicle
    fault_description: str
    lines: Sequence[PartQuantity]
    external_id: str | None = None


@dataclass(frozen=True)
class Created:
    work_order: WorkOrder
    replayed: bool


def _text(value: str, field: str, limit: int, errors: list[DomainError]) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"1 to {limit} characters are required", [field]))
    return cleaned


def _request_hash(store_id: int, vehicle: Vehicle, fault: str, lines: list[tuple[int, Decimal]]) -> str:
    payload = {
        "store": store_id,
        "vehicle": [vehicle.vin, vehicle.make, vehicle.model, vehicle.year],
        "fault": fault,
        "lines": [[part_id, str(quantity.normalize())] for part_id, quantity in lines],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def create_work_order(session: AsyncSession, principal: Principal, cmd: CreateWorkOrder) -> Created:
    """Open a repair order with its required parts; a repeat with the same external id returns the
    first order (the DMS retries), and a different payload under that id is a conflict."""
    errors: list[DomainError] = []
    vin = cmd.vehicle.vin.strip().upper()
    if not _VIN.fullmatch(vin):
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, "a VIN has 17 letters and digits (no I, O or Q)", ["vehicle", "vin"])
        )
    vehicle = Vehicle(
        vin=vin,
        make=_text(cmd.vehicle.make, "vehicle.make", 80, errors),
        model=_text(cmd.vehicle.model, "vehicle.model", 120, errors),
        year=cmd.vehicle.year,
    )
    if vehicle.year is not None and not 1900 <= vehicle.year <= date.today().year + 1:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "the model year is out of range", ["vehicle", "year"]))
    fault = _text(cmd.fault_description, "faultDescription", 4000, errors)
    external_id = cmd.external_id.strip() if cmd.external_id is not None else None
    if external_id is not None and not 1 <= len(external_id) <= 120:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "external id must be 1-120 characters", ["externalId"]))
    if not cmd.lines or len(cmd.lines) > MAX_LINES:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"1 to {MAX_LINES} part lines are required", ["lines"]))

    store = (
        await session.execute(select(Location).where(Location.code == cmd.store_code.strip().upper()))
    ).scalar_one_or_none()
    if store is None or not principal.sees_path(store.path):
        errors.append(DomainError(ErrorCode.UNKNOWN_LOCATION, "no such store", ["storeCode"]))
    elif store.kind != LocationKind.STORE or not store.active:
        errors.append(DomainError(ErrorCode.INVALID_LOCATION, f"{store.code} is not an active store", ["storeCode"]))

    parts = await parts_by_codes(session, [line.part_code for line in cmd.lines])
    seen: set[int] = set()
    lines: list[tuple[int, Decimal]] = []
    for n, line in enumerate(cmd.lines):
        where = ["lines", str(n)]
        part = parts.get(line.part_code.strip().upper())
        if part is None or not part.active:
            errors.append(
                DomainError(ErrorCode.UNKNOWN_PART, f"no active part {line.part_code!r}", [*where, "partCode"])
            )
            continue
        if part.id in seen:
            errors.append(DomainError(ErrorCode.DUPLICATE, f"{part.code} is listed twice", [*where, "partCode"]))
            continue
        seen.add(part.id)
        try:
            lines.append((part.id, validate_quantity(line.quantity, part.uom_precision, "quantity")))
        except DomainError as error:
            errors.append(DomainError(error.code, error.message, [*where, "quantity"]))
    if errors:
        raise DomainErrors(errors)
    assert store is not None
    policy.ensure_can_work(principal, store.path)

    digest = _request_hash(store.id, vehicle, fault, lines)
    values = {
        "external_id": external_id,
        "request_hash": digest,
        "store_id": store.id,
        "vin": vehicle.vin,
        "vehicle_make": vehicle.make,
        "vehicle_model": vehicle.model,
        "vehicle_year": vehicle.year,
        "fault_description": fault,
        "status": WorkOrderStatus.OPEN.value,
        "created_by": principal.actor,
    }
    # A concurrent duplicate waits on the unique index, then finds the first order and replays it.
    stmt = insert(WorkOrder).values(**values)
    if external_id is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["external_id"])
    new_id = (await session.execute(stmt.returning(WorkOrder.id))).scalar_one_or_none()
    if new_id is None:
        existing = (await session.execute(select(WorkOrder).where(WorkOrder.external_id == external_id))).scalar_one()
        if existing.request_hash != digest:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                f"external id {external_id} already created {existing.number} with different content",
                ["externalId"],
            )
        return Created(existing, replayed=True)
    session.add_all(
        WorkOrderLine(work_order_id=new_id, line_no=n, part_id=part_id, quantity=quantity)
        for n, (part_id, quantity) in enumerate(lines, start=1)
    )
    await session.flush()
    order = (await session.execute(select(WorkOrder).where(WorkOrder.id == new_id))).scalar_one()
    return Created(order, replayed=False)


async def get_work_order(session: AsyncSession, principal: Principal, work_order_id: int) -> WorkOrder:
    order, _ = await load_work_order(session, principal, work_order_id)
    return order


async def work_order_by_number(session: AsyncSession, principal: Principal, number: str) -> WorkOrder | None:
    order = (
        await session.execute(select(WorkOrder).where(WorkOrder.number == number.strip().upper()))
    ).scalar_one_or_none()
    if order is None:
        return None
    store = await session.get(Location, order.store_id)
    return order if store is not None and policy.can_read(principal, store.path) else None


async def list_work_orders(
    session: AsyncSession,
    principal: Principal,
    *,
    store_code: str | None = None,
    statuses: Sequence[str] | None = None,
    first: int,
    after_id: int | None = None,
) -> tuple[list[WorkOrder], bool]:
    """Newest first, keyset-paginated on the id, within the caller's location scope."""
    scope_sql, params = visible_path_filter(principal, "loc.path")
    sql = "SELECT w.id FROM work_order w JOIN location loc ON loc.id = w.store_id WHERE true" + scope_sql
    if store_code:
        sql += " AND loc.code = :store"
        params["store"] = store_code.strip().upper()
    if statuses:
        sql += " AND w.status = ANY(:statuses)"
        params["statuses"] = list(statuses)
    if after_id is not None:
        sql += " AND w.id < :after"
        params["after"] = after_id
    sql += " ORDER BY w.id DESC LIMIT :limit"
    params["limit"] = first + 1
    if not policy.has_read_role(principal):
        return [], False
    ids = list((await session.execute(text(sql), params)).scalars())
    orders = {o.id: o for o in (await session.execute(select(WorkOrder).where(WorkOrder.id.in_(ids)))).scalars()}
    found = [orders[i] for i in ids[:first]]
    return found, len(ids) > first


async def _release_all(session: AsyncSession, order: WorkOrder) -> None:
    for line in (await line_views(session, [order.id])).get(order.id, []):
        await reservations.release(session, RESERVATION_DOC, line_ref(order.number, line.line_no))


async def close_work_order(session: AsyncSession, principal: Principal, work_order_id: int) -> WorkOrder:
    """Finish the job: reservations not issued go back to the shelf; picks not issued lapse."""
    order, store = await load_work_order(session, principal, work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    ensure_active(order)
    await _release_all(session, order)
    order.status = WorkOrderStatus.COMPLETED.value
    await session.flush()
    return order


async def cancel_work_order(session: AsyncSession, principal: Principal, work_order_id: int) -> WorkOrder:
    """Drop the job; only possible while everything issued has come back."""
    order, store = await load_work_order(session, principal, work_order_id, lock=True)
    policy.ensure_can_work(principal, store.path)
    ensure_active(order)
    lines = (await line_views(session, [order.id])).get(order.id, [])
    if any(line.issued - line.returned > ZERO for line in lines):
        raise DomainError(ErrorCode.INVALID_STATE, "return the issued parts before cancelling the work order")
    await _release_all(session, order)
    order.status = WorkOrderStatus.CANCELLED.value
    await session.flush()
    return order
