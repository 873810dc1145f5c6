"""Repair orders from the dealer management system (DMS).

The DMS names parts by its own numbers; `dms_part_map` translates them (an IMS code is accepted as
is). The order is then opened by the workshop service with the DMS's id as external id, so a retry
returns the first order and a changed payload under the same id is refused there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.integration.models import DmsPartMap
from domain.principal import Principal, PrincipalKind
from domain.workshop import policy as workshop_policy
from domain.workshop import service as workshop
from domain.workshop.models import WorkOrder

# Whatever scopes the workshop policy asks of a machine client that opens repair orders.
DMS_SCOPES = frozenset({workshop_policy.WRITE_SCOPE, workshop_policy.READ_SCOPE})


def dms_principal(name: str = "dms") -> Principal:
    """The DMS acts as a machine client with workshop rights only."""
    return Principal(kind=PrincipalKind.CLIENT, name=name, scopes=DMS_SCOPES, client_id=name)


@dataclass(frozen=True)
class DmsLine:
    quantity: Decimal
    dms_part_no: str | None = None
    part_code: str | None = None


@dataclass(frozen=True)
class DmsWorkOrder:
    external_id: str
    store_code: str
    vin: str
    make: str
    model: str
    fault_description: str
    lines: Sequence[DmsLine]
    year: int | None = None


@dataclass(frozen=True)
class DmsResult:
    work_order: WorkOrder
    replayed: bool


async def map_part_numbers(session: AsyncSession, numbers: Sequence[str]) -> dict[str, str]:
    """DMS part number → IMS part code, for the numbers that have a mapping."""
    wanted = sorted({n.strip() for n in numbers if n and n.strip()})
    if not wanted:
        return {}
    rows = await session.execute(
        select(DmsPartMap.dms_part_no, Part.code)
        .join(Part, Part.id == DmsPartMap.part_id)
        .where(DmsPartMap.dms_part_no.in_(wanted))
    )
    return dict(rows.tuples().all())


async def _known_codes(session: AsyncSession, codes: Sequence[str]) -> set[str]:
    wanted = sorted({c.strip().upper() for c in codes if c})
    rows = await session.execute(select(Part.code).where(Part.code.in_(wanted)))
    return set(rows.scalars())


async def receive_work_order(session: AsyncSession, principal: Principal, cmd: DmsWorkOrder) -> DmsResult:
    numbers = [line.dms_part_no for line in cmd.lines if line.dms_part_no]
    mapped = await map_part_numbers(session, numbers)
    direct = await _known_codes(session, [n for n in numbers if n.strip() not in mapped])
    errors: list[DomainError] = []
    lines: list[workshop.PartQuantity] = []
    for n, line in enumerate(cmd.lines):
        if line.part_code:
            code = line.part_code.strip().upper()
        elif line.dms_part_no:
            number = line.dms_part_no.strip()
            code = mapped.get(number) or (number.upper() if number.upper() in direct else "")
            if not code:
                errors.append(
                    DomainError(
                        ErrorCode.UNKNOWN_PART,
                        f"DMS part number {number!r} has no IMS part (add it to dms_part_map)",
                        ["lines", str(n), "dmsPartNo"],
                    )
                )
                continue
        else:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, "a line needs dmsPartNo or partCode", ["lines", str(n)]))
            continue
        lines.append(workshop.PartQuantity(part_code=code, quantity=line.quantity))
    if errors:
        raise DomainErrors(errors)
    created = await workshop.create_work_order(
        session,
        principal,
        workshop.CreateWorkOrder(
            store_code=cmd.store_code,
            vehicle=workshop.Vehicle(vin=cmd.vin, make=cmd.make, model=cmd.model, year=cmd.year),
            fault_description=cmd.fault_description,
            lines=lines,
            external_id=cmd.external_id,
        ),
    )
    return DmsResult(created.work_order, created.replayed)
