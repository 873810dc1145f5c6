"""Locations and users: small files with tree and identity rules, so checked and written in Python.

Locations may come in any order; parents are resolved in the file or the database, the tree rules
(a bin sits in a zone, a zone in a store or warehouse...) are enforced, and the materialised path
and site are computed as the rest of the system expects. Existing locations are updated in place;
moving one (a new parent) or changing its kind would re-key its stock and is refused.

Users go through the identity service (the same checks as the admin screens). Passwords are never
imported: a new user gets a random password nobody knows, to be reset by an administrator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.masterdata.checks import STAGE
from domain.masterdata.columns import ErrorKind
from domain.masterdata.report import RowError
from domain.org.models import Location
from domain.principal import Principal

ALLOWED_PARENTS = {
    "company": (),
    "region": ("company", "region"),
    "store": ("company", "region"),
    "warehouse": ("company", "region"),
    "zone": ("store", "warehouse", "zone"),
    "bin": ("zone", "store", "warehouse"),
    "virtual": ("company",),
}
_LOCATION_COLUMNS = (
    "code, name_zh, name_en, kind, parent_code, virtual_kind, city, latitude, longitude, address, bin_capacity, active"
)
_UPDATABLE = ("name_zh", "name_en", "city", "latitude", "longitude", "address", "bin_capacity", "active")


@dataclass(frozen=True)
class _Existing:
    id: int
    kind: str
    parent_code: str | None


async def _staged(session: AsyncSession, columns: str) -> list[Any]:
    """Columns are named, never `*`: the staging table is recreated per import with another shape,
    and a cached statement whose result type changed would be refused by the driver."""
    return list(await session.execute(text(f"SELECT row_no, {columns} FROM {STAGE} ORDER BY row_no")))


async def _existing(session: AsyncSession) -> dict[str, _Existing]:
    rows = await session.execute(
        text("SELECT l.code, l.id, l.kind, p.code AS parent FROM location l LEFT JOIN location p ON p.id = l.parent_id")
    )
    return {r.code: _Existing(r.id, r.kind, r.parent) for r in rows}


def _err(row: Any, column: str, value: object, message: str, kind: ErrorKind) -> RowError:
    return RowError(row.row_no, column, None if value is None else str(value), message, kind)


async def check_locations(session: AsyncSession) -> list[RowError]:
    rows = await _staged(session, "code, kind, parent_code")
    existing = await _existing(session)
    kinds = {code: e.kind for code, e in existing.items()}
    kinds.update({r.code: r.kind for r in rows})
    errors: list[RowError] = []
    for r in rows:
        before = existing.get(r.code)
        if before is not None and before.kind != r.kind:
            errors.append(
                _err(r, "kind", r.kind, f"{r.code} is a {before.kind}; its kind cannot change", ErrorKind.CONFLICT)
            )
        if before is not None and r.kind != "company" and before.parent_code != r.parent_code:
            errors.append(
                _err(
                    r,
                    "parent_code",
                    r.parent_code,
                    f"{r.code} sits under {before.parent_code}; moving a location is not an import",
                    ErrorKind.CONFLICT,
                )
            )
        if r.parent_code is None:
            continue
        parent_kind = kinds.get(r.parent_code)
        if parent_kind is None:
            errors.append(_err(r, "parent_code", r.parent_code, f"no location {r.parent_code}", ErrorKind.REFERENCE))
        elif parent_kind not in ALLOWED_PARENTS[r.kind]:
            errors.append(
                _err(r, "parent_code", r.parent_code, f"a {r.kind} cannot sit under a {parent_kind}", ErrorKind.RULE)
            )
    # A cycle in the file (A under B under A) never reaches a root.
    parents = {r.code: r.parent_code for r in rows}
    for r in rows:
        seen = {r.code}
        current = parents.get(r.code)
        while current is not None and current in parents:
            if current in seen:
                errors.append(_err(r, "parent_code", r.parent_code, "the parents form a cycle", ErrorKind.RULE))
                break
            seen.add(current)
            current = parents[current]
    return errors


async def apply_locations(session: AsyncSession, present: frozenset[str]) -> dict[str, int]:
    rows = await _staged(session, _LOCATION_COLUMNS)
    by_code = {loc.code: loc for loc in (await session.execute(select(Location))).scalars()}
    inserted = updated = 0
    pending = list(rows)
    while pending:
        ready = [r for r in pending if r.parent_code is None or r.parent_code in by_code]
        if not ready:  # unreachable after check_locations; a guard against looping forever
            raise DomainError(ErrorCode.INVALID_INPUT, "location parents could not be resolved")
        for r in ready:
            loc = by_code.get(r.code)
            if loc is not None:
                changed = False
                for name in _UPDATABLE:
                    if name in present and getattr(loc, name) != getattr(r, name):
                        setattr(loc, name, getattr(r, name))
                        changed = True
                updated += changed
                continue
            parent = by_code.get(r.parent_code) if r.parent_code else None
            loc = Location(
                code=r.code,
                name_zh=r.name_zh,
                name_en=r.name_en,
                kind=r.kind,
                virtual_kind=r.virtual_kind,
                parent_id=parent.id if parent else None,
                path=f"{parent.path}/{r.code}" if parent else r.code,
                city=r.city,
                latitude=r.latitude,
                longitude=r.longitude,
                address=r.address,
                bin_capacity=r.bin_capacity,
                active=r.active,
            )
            session.add(loc)
            await session.flush()
            if r.kind in ("store", "warehouse"):
                loc.site_id = loc.id
            elif r.kind != "virtual" and parent is not None:
                loc.site_id = parent.site_id
            by_code[r.code] = loc
            inserted += 1
        done = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in done]
    await session.flush()
    return {"inserted": inserted, "updated": updated}


async def apply_users(
    session: AsyncSession, principal: Principal, present: frozenset[str], partial: bool
) -> tuple[dict[str, int], list[RowError]]:
    """Row by row through the identity service, each in a savepoint so `partial` can skip a row."""
    from domain.identity import service as identity
    from domain.identity.models import User

    rows = await _staged(session, "username, display_name, role, location_code, supplier_code, active")
    counts = {"inserted": 0, "roles_added": 0, "updated": 0}
    errors: list[RowError] = []
    for r in rows:
        try:
            async with session.begin_nested():
                user = (
                    await session.execute(select(User).where(User.username == r.username.strip().lower()))
                ).scalar_one_or_none()
                if user is None:
                    await identity.create_user(
                        session,
                        principal,
                        identity.CreateUserCommand(
                            username=r.username,
                            password=secrets.token_urlsafe(24),
                            role=r.role,
                            location_code=r.location_code,
                            supplier_code=r.supplier_code,
                            display_name=r.display_name,
                        ),
                    )
                    counts["inserted"] += 1
                    continue
                grants = (await identity.grants_of(session, [user.id])).get(user.id, [])
                held = any(g.role.value == r.role and g.location_code == r.location_code for g in grants)
                if not held and r.role != "supplier":
                    await identity.assign_role(session, principal, r.username, r.role, r.location_code)
                    counts["roles_added"] += 1
                if "active" in present and user.active != r.active:
                    await identity.set_user_active(session, principal, r.username, r.active)
                    counts["updated"] += 1
        except DomainError as error:
            for e in error.errors if isinstance(error, DomainErrors) else [error]:
                column = {"username": "username", "role": "role", "locationCode": "location_code"}.get(
                    e.field[-1] if e.field else "", None
                )
                errors.append(RowError(r.row_no, column, None, e.message, ErrorKind.RULE))
            if not partial:
                break
    return counts, errors
