"""Catalog queries: find a part by what people actually type or scan.

Search matches code, barcode, both names and aliases, and expands trade synonyms first, so
"制动片" finds parts named "刹车片" and "Brake Pad". Pages are keyset-paginated on the code, which
is stable under inserts and cheap at any depth."""

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
from domain.errors import DomainError, ErrorCode
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


def _apply_filter(stmt: Select[tuple[Part]], flt: PartFilter) -> Select[tuple[Part]]:
    if flt.category:
        stmt = stmt.where(Part.category == flt.category.upper())
    if flt.abc_class:
        stmt = stmt.where(Part.abc_class == flt.abc_class.upper())
    if flt.active is not None:
        stmt = stmt.where(Part.active.is_(flt.active))
    if flt.supplier_code:
        supplier_ids = select(Supplier.id).where(Supplier.code == flt.supplier_code.upper())
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
) -> Page[Part]:
    stmt = _apply_filter(select(Part), flt)
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


async def part_by_code(session: AsyncSession, code: str) -> Part | None:
    return (await session.execute(select(Part).where(Part.code == code.strip().upper()))).scalar_one_or_none()


async def part_by_barcode(session: AsyncSession, barcode: str) -> Part | None:
    return (await session.execute(select(Part).where(Part.barcode == barcode.strip()))).scalar_one_or_none()


async def parts_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Part]:
    rows = await session.execute(select(Part).where(Part.id.in_(list(ids))))
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


async def suppliers_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Supplier]:
    rows = await session.execute(select(Supplier).where(Supplier.id.in_(list(ids))))
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
