"""Catalog queries: find a part by what people actually type or scan.

Search matches code, barcode, both names and aliases, and expands trade synonyms first, so
"制动片" finds parts named "刹车片" and "Brake Pad". Pages are keyset-paginated on the code, which
is stable under inserts and cheap at any depth.

Reads take the acting `principal` (see `domain.catalog.policy`): a supplier sees only its parts and
its own supplier record. `principal=None` is a trusted internal caller (jobs, importers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import (
    Part,
    PartAlias,
    PartFitment,
    PartSubstitute,
    Supplier,
    SynonymTerm,
    VehicleModel,
)
from domain.catalog.policy import can_read, part_clause, supplier_clause
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.principal import Principal
from domain.settings import get_settings


@dataclass(frozen=True)
class PartFilter:
    category: str | None = None
    abc_class: str | None = None
    supplier_code: str | None = None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    active: bool | None = True


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    total: int


def validate_part_code(code: str, pattern: str | None = None) -> str:
    """Codes follow the company's coding rule (configurable), e.g. BRK-0001-A."""
    code = code.strip().upper()
    rule = pattern or get_settings().part_code_pattern
    if not re.fullmatch(rule, code):
        raise DomainError(ErrorCode.INVALID_CODE, f"part code {code!r} does not follow the rule {rule}", ["code"])
    return code


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


async def expand_synonyms(session: AsyncSession, term: str) -> list[str]:
    """The term plus every term sharing a synonym group with it."""
    lowered = term.lower()
    groups = select(SynonymTerm.group_no).where(
        or_(func.lower(SynonymTerm.term) == lowered, func.lower(SynonymTerm.term).contains(lowered, autoescape=True))
    )
    rows = await session.execute(select(SynonymTerm.term).where(SynonymTerm.group_no.in_(groups)))
    terms = {lowered, *(row.term.lower() for row in rows)}
    return sorted(terms)


def _apply_filter(
    stmt: Select[tuple[Part]], flt: PartFilter, principal: Principal | None = None
) -> Select[tuple[Part]]:
    if flt.category:
        stmt = stmt.where(Part.category == flt.category.upper())
    if flt.abc_class:
        stmt = stmt.where(Part.abc_class == flt.abc_class.upper())
    if flt.active is not None:
        stmt = stmt.where(Part.active.is_(flt.active))
    if flt.supplier_code:
        supplier_ids = select(Supplier.id).where(Supplier.code == flt.supplier_code.upper())
        own = supplier_clause(principal)
        if own is not None:  # a supplier filters by itself only: others' codes say nothing
            supplier_ids = supplier_ids.where(own)
        stmt = stmt.where(or_(Part.primary_supplier_id.in_(supplier_ids), Part.backup_supplier_id.in_(supplier_ids)))
    if flt.vehicle_make or flt.vehicle_model:
        conditions = [PartFitment.part_id == Part.id, VehicleModel.id == PartFitment.vehicle_model_id]
        if flt.vehicle_make:
            conditions.append(func.lower(VehicleModel.make) == flt.vehicle_make.lower())
        if flt.vehicle_model:
            conditions.append(func.lower(VehicleModel.model) == flt.vehicle_model.lower())
        stmt = stmt.where(exists().where(and_(*conditions)))
    return stmt


async def search_parts(
    session: AsyncSession,
    *,
    search: str | None,
    flt: PartFilter,
    first: int,
    after_code: str | None,
    principal: Principal | None = None,
) -> Page[Part]:
    if principal is not None:
        ensure(principal, Permission.CATALOG_READ)
    stmt = _visible(_apply_filter(select(Part), flt, principal), principal)
    if search is not None:
        term = search.strip()
        if len(term) > 100:
            raise DomainError(ErrorCode.INVALID_INPUT, "search is limited to 100 characters", ["search"])
        if term:
            terms = await expand_synonyms(session, term)
            matches = []
            for t in terms:
                like = f"%{_escape_like(t)}%"
                matches += [
                    Part.code.ilike(like),
                    Part.name_zh.ilike(like),
                    Part.name_en.ilike(like),
                    exists().where(PartAlias.part_id == Part.id, PartAlias.alias.ilike(like)),
                ]
            matches.append(Part.barcode == term)
            stmt = stmt.where(or_(*matches))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    if after_code is not None:
        stmt = stmt.where(Part.code > after_code)
    rows = (await session.execute(stmt.order_by(Part.code).limit(first + 1))).scalars().all()
    return Page(items=list(rows[:first]), has_next=len(rows) > first, total=total)


def _visible(stmt: Select[tuple[Part]], principal: Principal | None) -> Select[tuple[Part]]:
    clause = part_clause(principal)
    return stmt if clause is None else stmt.where(clause)


async def part_by_code(session: AsyncSession, code: str, principal: Principal | None = None) -> Part | None:
    """None both for an unknown code and for a part the principal may not see."""
    if not can_read(principal):
        return None
    stmt = _visible(select(Part).where(Part.code == code.strip().upper()), principal)
    return (await session.execute(stmt)).scalar_one_or_none()


async def part_by_barcode(session: AsyncSession, barcode: str, principal: Principal | None = None) -> Part | None:
    if not can_read(principal):
        return None
    stmt = _visible(select(Part).where(Part.barcode == barcode.strip()), principal)
    return (await session.execute(stmt)).scalar_one_or_none()


async def part_by_id(session: AsyncSession, part_id: int, principal: Principal | None = None) -> Part | None:
    return (await parts_by_ids(session, [part_id], principal)).get(part_id)


async def parts_by_ids(
    session: AsyncSession, ids: Sequence[int], principal: Principal | None = None
) -> dict[int, Part]:
    if not can_read(principal):
        return {}
    rows = await session.execute(_visible(select(Part).where(Part.id.in_(list(ids))), principal))
    return {part.id: part for part in rows.scalars()}


async def aliases_by_part_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(PartAlias.part_id, PartAlias.alias).where(PartAlias.part_id.in_(list(ids))).order_by(PartAlias.id)
    )
    result: dict[int, list[str]] = {}
    for row in rows:
        result.setdefault(row.part_id, []).append(row.alias)
    return result


async def substitutes_by_part_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(PartSubstitute.part_id, PartSubstitute.substitute_id).where(PartSubstitute.part_id.in_(list(ids)))
    )
    result: dict[int, list[int]] = {}
    for row in rows:
        result.setdefault(row.part_id, []).append(row.substitute_id)
    return result


async def fitment_by_part_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[VehicleModel]]:
    rows = await session.execute(
        select(PartFitment.part_id, VehicleModel)
        .join(VehicleModel, VehicleModel.id == PartFitment.vehicle_model_id)
        .where(PartFitment.part_id.in_(list(ids)))
        .order_by(VehicleModel.make, VehicleModel.model)
    )
    result: dict[int, list[VehicleModel]] = {}
    for part_id, model in rows:
        result.setdefault(part_id, []).append(model)
    return result


async def suppliers_by_ids(
    session: AsyncSession, ids: Sequence[int], principal: Principal | None = None
) -> dict[int, Supplier]:
    """A supplier principal sees only its own supplier record."""
    if not can_read(principal):
        return {}
    stmt = select(Supplier).where(Supplier.id.in_(list(ids)))
    clause = supplier_clause(principal)
    rows = await session.execute(stmt if clause is None else stmt.where(clause))
    return {supplier.id: supplier for supplier in rows.scalars()}


async def supersession_chain(session: AsyncSession, part_id: int) -> list[Part]:
    """The part's successors, newest last (A → B → C), guarded against cycles in bad data."""
    chain: list[Part] = []
    seen = {part_id}
    current = await session.get(Part, part_id)
    while current is not None and current.superseded_by_id and current.superseded_by_id not in seen:
        seen.add(current.superseded_by_id)
        current = await session.get(Part, current.superseded_by_id)
        if current is not None:
            chain.append(current)
    return chain
