"""Who hears about an alert: business functions (buyer, manager, ...) resolved to people by role
and location, plus configured targets (e-mail addresses, phones, robots, webhooks) and, for a late
supplier, the supplier's own contacts and portal users.

A user is a recipient when one of their role assignments maps to a wanted function and the
alert's site lies in the assignment's subtree (a regional manager hears about every store of the
region). Supplier users hear only about their supplier. Matching is done per distinct (site,
supplier) of the batch, not per alert, so a first run with 20,000 alerts costs a few hundred
comparisons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts.models import Severity
from domain.alerts.rules import Function
from domain.principal import Role

# Which roles serve which function. A store manager assigned on the warehouse (or a zone of it)
# is its warehouse lead.
ROLE_FUNCTIONS: dict[Role, frozenset[str]] = {
    Role.HQ_OPERATIONS: frozenset({Function.BUYER, Function.HQ}),
    Role.STORE_MANAGER: frozenset({Function.MANAGER}),
    Role.REGIONAL_MANAGER: frozenset({Function.MANAGER}),
    Role.FINANCE: frozenset({Function.FINANCE}),
    Role.SUPPLIER: frozenset({Function.SUPPLIER}),
}
WAREHOUSE_KINDS = frozenset({"warehouse", "zone", "bin"})
IN_APP = "in_app"


@dataclass(frozen=True)
class AlertRow:
    id: int
    rule: str
    severity: str
    status: str
    part_code: str | None
    part_name: str | None
    location_code: str | None
    location_path: str | None
    supplier_id: int | None
    supplier_code: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Recipient:
    key: str  # "user:5", "target:3", "contact:9": with the event id, what makes fan-out idempotent
    channel: str
    address: str
    user_id: int | None = None
    target_id: int | None = None


def _under(path: str | None, root: str | None) -> bool:
    if root is None:
        return True
    if path is None:
        return False
    return path == root or path.startswith(root + "/")


def functions_of(role: str, location_kind: str | None) -> frozenset[str]:
    try:
        found = ROLE_FUNCTIONS.get(Role(role), frozenset())
    except ValueError:
        return frozenset()
    if role == Role.STORE_MANAGER and location_kind in WAREHOUSE_KINDS:
        found = found | {Function.WAREHOUSE_LEAD}
    return found


async def _tables(session: AsyncSession, names: Sequence[str]) -> set[str]:
    rows = await session.execute(
        text("SELECT n FROM unnest(CAST(:n AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"), {"n": list(names)}
    )
    return set(rows.scalars())


async def recipients_for(
    session: AsyncSession,
    alerts: Sequence[AlertRow],
    functions: Iterable[str],
    rule: str,
    severity: Severity,
    *,
    in_app_only: bool = False,
) -> dict[Recipient, list[AlertRow]]:
    """Every recipient with the alerts of the batch that concern them."""
    wanted = frozenset(functions)
    groups: dict[tuple[str | None, int | None], list[AlertRow]] = defaultdict(list)
    for alert in alerts:
        groups[(alert.location_path, alert.supplier_id)].append(alert)
    result: dict[Recipient, list[AlertRow]] = defaultdict(list)
    present = await _tables(session, ["role_assignment", "app_user"])

    if {"role_assignment", "app_user"} <= present:
        assignments = await session.execute(
            text(
                """
                SELECT ra.user_id, ra.role, l.path, l.kind, u.supplier_id
                  FROM role_assignment ra
                  JOIN app_user u ON u.id = ra.user_id AND u.active
                  LEFT JOIN location l ON l.id = ra.location_id
                """
            )
        )
        for a in assignments:
            served = functions_of(a.role, a.kind) & wanted
            if not served:
                continue
            recipient = Recipient(f"user:{a.user_id}", IN_APP, str(a.user_id), user_id=a.user_id)
            for (path, supplier_id), rows in groups.items():
                if Function.SUPPLIER in served and a.supplier_id is not None:
                    if supplier_id == a.supplier_id:
                        result[recipient].extend(rows)
                elif a.supplier_id is None and _under(path, a.path):
                    result[recipient].extend(rows)
    if in_app_only:
        return _dedupe(result)

    targets = await session.execute(
        text(
            """
            SELECT t.id, t.channel, t.address, t.function, t.min_severity, t.rules, l.path
              FROM notification_target t LEFT JOIN location l ON l.id = t.location_id
             WHERE t.active AND t.function = ANY(CAST(:functions AS text[]))
            """
        ),
        {"functions": sorted(wanted)},
    )
    for t in targets:
        if t.rules and rule not in t.rules:
            continue
        if severity.rank < Severity(t.min_severity).rank:
            continue
        recipient = Recipient(f"target:{t.id}", t.channel, t.address, target_id=t.id)
        for (path, _), rows in groups.items():
            if _under(path, t.path):
                result[recipient].extend(rows)

    supplier_ids = sorted({s for _, s in groups if s is not None})
    if Function.SUPPLIER in wanted and supplier_ids:
        contacts = await session.execute(
            text(
                "SELECT id, supplier_id, email FROM supplier_contact "
                "WHERE supplier_id = ANY(CAST(:s AS int[])) AND email IS NOT NULL AND email <> ''"
            ),
            {"s": supplier_ids},
        )
        for c in contacts:
            recipient = Recipient(f"contact:{c.id}", "email", c.email)
            for (_, supplier_id), rows in groups.items():
                if supplier_id == c.supplier_id:
                    result[recipient].extend(rows)
    return _dedupe(result)


def _dedupe(found: dict[Recipient, list[AlertRow]]) -> dict[Recipient, list[AlertRow]]:
    """One entry per alert per recipient (a user with two matching assignments), in alert order."""
    return {r: sorted({a.id: a for a in rows}.values(), key=lambda a: a.id) for r, rows in found.items() if rows}
