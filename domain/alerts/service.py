"""Alert use cases: list and acknowledge alerts, configure rules and notification targets, read
the in-app inbox, inspect and retry dead letters.

Visibility: internal principals see alerts of sites within their location scope; a supplier sees
only `supplier_late` alerts about itself. Configuration needs `settings.manage`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts.engine import load_rules
from domain.alerts.models import AlertStatus, Severity
from domain.alerts.rules import RULES, RuleConfig, describe, validate_functions, validate_params
from domain.audit.service import record
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can, ensure
from domain.principal import Principal

CHANNELS = ("email", "sms", "dingtalk", "wecom", "webhook")


@dataclass(frozen=True)
class AlertView:
    id: int
    rule: str
    severity: str
    status: str
    part_id: int | None
    location_id: int | None
    supplier_id: int | None
    details: dict[str, Any]
    message: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    escalation_level: int
    resolved_at: datetime | None


@dataclass(frozen=True)
class AlertFilter:
    statuses: Sequence[str] | None = None  # default: open and acknowledged
    rules: Sequence[str] | None = None
    min_severity: str | None = None
    location_code: str | None = None


def _visibility(principal: Principal, params: dict[str, Any]) -> str:
    """SQL condition on alias `a` (alert) and `l` (its site)."""
    if principal.supplier_id is not None:
        params["own_supplier"] = principal.supplier_id
        return "a.supplier_id = :own_supplier AND a.rule = 'supplier_late'"
    if principal.location_paths is None:
        return "true"
    params["roots"] = list(principal.location_paths)
    params["root_prefixes"] = [r + "/%" for r in principal.location_paths]
    return "(l.path = ANY(CAST(:roots AS text[])) OR l.path LIKE ANY(CAST(:root_prefixes AS text[])))"


_SELECT = """
    SELECT a.id, a.rule, a.severity, a.status, a.part_id, a.location_id, a.supplier_id, a.details, a.raised_at,
           a.acknowledged_by, a.acknowledged_at, a.escalation_level, a.resolved_at,
           p.code AS part_code, l.code AS location_code
      FROM alert a
      LEFT JOIN location l ON l.id = a.location_id
      LEFT JOIN part p ON p.id = a.part_id
"""


def _view(row: Any) -> AlertView:
    return AlertView(
        id=row.id,
        rule=row.rule,
        severity=row.severity,
        status=row.status,
        part_id=row.part_id,
        location_id=row.location_id,
        supplier_id=row.supplier_id,
        details=dict(row.details or {}),
        message=describe(row.rule, row.details or {}, row.part_code, row.location_code),
        raised_at=row.raised_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        escalation_level=row.escalation_level,
        resolved_at=row.resolved_at,
    )


async def list_alerts(
    session: AsyncSession,
    principal: Principal,
    flt: AlertFilter,
    *,
    first: int,
    after_id: int | None = None,
) -> tuple[list[AlertView], bool, int]:
    """Newest first; returns (page, has_next, total)."""
    ensure(principal, Permission.STOCK_READ)
    params: dict[str, Any] = {"n": first + 1}
    where = [_visibility(principal, params)]
    statuses = list(flt.statuses) if flt.statuses else [AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value]
    params["statuses"] = statuses
    where.append("a.status = ANY(CAST(:statuses AS text[]))")
    if flt.rules:
        params["rules"] = list(flt.rules)
        where.append("a.rule = ANY(CAST(:rules AS text[]))")
    if flt.min_severity:
        rank = Severity(flt.min_severity).rank
        params["severities"] = [s.value for s in Severity if s.rank >= rank]
        where.append("a.severity = ANY(CAST(:severities AS text[]))")
    if flt.location_code:
        root = (
            await session.execute(
                text("SELECT path FROM location WHERE code = :c"), {"c": flt.location_code.strip().upper()}
            )
        ).scalar_one_or_none()
        if root is None or not principal.sees_path(root):
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, "no such location", ["locationCode"])
        params["loc_root"], params["loc_prefix"] = root, root + "/%"
        where.append("(l.path = :loc_root OR l.path LIKE :loc_prefix)")
    condition = " AND ".join(where)
    total = (
        await session.execute(
            text(f"SELECT count(*) FROM alert a LEFT JOIN location l ON l.id = a.location_id WHERE {condition}"),
            params,
        )
    ).scalar_one()
    if after_id is not None:
        params["after"] = after_id
        condition += " AND a.id < :after"
    rows = list(await session.execute(text(f"{_SELECT} WHERE {condition} ORDER BY a.id DESC LIMIT :n"), params))
    return [_view(r) for r in rows[:first]], len(rows) > first, int(total)


async def alerts_by_ids(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> dict[int, AlertView]:
    params: dict[str, Any] = {"ids": list(ids)}
    condition = _visibility(principal, params)
    rows = await session.execute(text(f"{_SELECT} WHERE a.id = ANY(CAST(:ids AS bigint[])) AND {condition}"), params)
    return {r.id: _view(r) for r in rows}


async def acknowledge_alerts(
    session: AsyncSession, principal: Principal, ids: Sequence[int], note: str | None = None
) -> list[AlertView]:
    """Someone is on it: stops escalation. All or none; resolved alerts are refused."""
    ensure(principal, Permission.STOCK_READ)
    if not ids:
        raise DomainError(ErrorCode.INVALID_INPUT, "give at least one alert", ["ids"])
    found = await alerts_by_ids(session, principal, ids)
    for n, alert_id in enumerate(ids):
        alert = found.get(alert_id)
        if alert is None:
            raise DomainError(ErrorCode.NOT_FOUND, "no such alert", ["ids", str(n)])
        if alert.status == AlertStatus.RESOLVED:
            raise DomainError(ErrorCode.INVALID_STATE, "the alert is already resolved", ["ids", str(n)])
    await session.execute(
        text(
            "UPDATE alert SET status = 'acknowledged', acknowledged_by = :who, acknowledged_at = now() "
            "WHERE id = ANY(CAST(:ids AS bigint[])) AND status = 'open'"
        ),
        {"who": principal.actor[:200], "ids": list(ids)},
    )
    await record(
        session, principal, "alert.acknowledge", target_type="alert", target_id=",".join(map(str, ids)), after=note
    )
    return list((await alerts_by_ids(session, principal, ids)).values())


async def alert_rules(session: AsyncSession, principal: Principal) -> list[RuleConfig]:
    """Whoever reads stock (and so alerts) or configures the rules may see them."""
    if not (can(principal, Permission.STOCK_READ) or can(principal, Permission.SETTINGS_MANAGE)):
        raise DomainError(ErrorCode.FORBIDDEN, "you are not allowed to see alert rules")
    return list((await load_rules(session)).values())


@dataclass(frozen=True)
class RuleChange:
    code: str
    enabled: bool | None = None
    severity: str | None = None
    params: dict[str, Any] | None = None
    recipients: Sequence[str] | None = None
    escalate_after_hours: int | None = None
    escalate_to: Sequence[str] | None = None


async def update_alert_rule(session: AsyncSession, principal: Principal, change: RuleChange) -> RuleConfig:
    ensure(principal, Permission.SETTINGS_MANAGE)
    current = (await load_rules(session)).get(change.code)
    if current is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no alert rule {change.code!r}", ["code"])
    params = {k: str(v) for k, v in current.params.items()}
    if change.params is not None:
        params = {k: str(v) for k, v in validate_params(change.code, {**params, **change.params}).items()}
    severity = current.severity.value
    if change.severity is not None:
        try:
            severity = Severity(change.severity.lower()).value
        except ValueError:
            raise DomainError(ErrorCode.INVALID_INPUT, "unknown severity", ["severity"]) from None
    hours = current.escalate_after_hours if change.escalate_after_hours is None else change.escalate_after_hours
    if not 0 <= hours <= 24 * 30:
        raise DomainError(ErrorCode.INVALID_INPUT, "escalation delay must be 0..720 hours", ["escalateAfterHours"])
    recipients = (
        current.recipients if change.recipients is None else validate_functions(list(change.recipients), "recipients")
    )
    escalate_to = (
        current.escalate_to
        if change.escalate_to is None
        else validate_functions(list(change.escalate_to), "escalateTo")
    )
    enabled = current.enabled if change.enabled is None else change.enabled
    await session.execute(
        text(
            """
            INSERT INTO alert_rule (code, enabled, severity, params, recipients, escalate_after_hours, escalate_to,
                                    updated_by, updated_at)
            VALUES (:code, :enabled, :severity, CAST(:params AS jsonb), :recipients, :hours, :escalate_to, :who, now())
            ON CONFLICT (code) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity,
                params = excluded.params, recipients = excluded.recipients,
                escalate_after_hours = excluded.escalate_after_hours, escalate_to = excluded.escalate_to,
                updated_by = excluded.updated_by, updated_at = now()
            """
        ),
        {
            "code": change.code,
            "enabled": enabled,
            "severity": severity,
            "params": json.dumps(params),
            "recipients": list(recipients),
            "hours": hours,
            "escalate_to": list(escalate_to),
            "who": principal.actor[:200],
        },
    )
    after = {"enabled": enabled, "severity": severity, "params": params, "recipients": list(recipients)}
    await record(session, principal, "alert_rule.update", target_type="alert_rule", target_id=change.code, after=after)
    return (await load_rules(session))[change.code]


# --- in-app inbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    id: int
    topic: str
    rule: str | None
    severity: str
    title: str
    body: str
    alert_ids: list[int]
    created_at: datetime
    read_at: datetime | None


_INBOX_COLUMNS = "id, topic, rule, severity, title, body, alert_ids, created_at, read_at"


def _user(principal: Principal) -> int:
    if principal.user_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "only signed-in users have an inbox")
    return principal.user_id


async def inbox(
    session: AsyncSession, principal: Principal, *, unread_only: bool, first: int, after_id: int | None = None
) -> tuple[list[InboxItem], bool, int]:
    """Newest first; returns (page, has_next, unread count)."""
    if principal.user_id is None:
        return [], False, 0
    params: dict[str, Any] = {"u": principal.user_id, "n": first + 1}
    where = "user_id = :u"
    if unread_only:
        where += " AND read_at IS NULL"
    unread = (
        await session.execute(
            text("SELECT count(*) FROM user_notification WHERE user_id = :u AND read_at IS NULL"), params
        )
    ).scalar_one()
    if after_id is not None:
        params["after"] = after_id
        where += " AND id < :after"
    rows = list(
        await session.execute(
            text(f"SELECT {_INBOX_COLUMNS} FROM user_notification WHERE {where} ORDER BY id DESC LIMIT :n"), params
        )
    )
    return [InboxItem(**r._mapping) for r in rows[:first]], len(rows) > first, int(unread)


async def inbox_item(session: AsyncSession, principal: Principal, item_id: int) -> InboxItem | None:
    if principal.user_id is None:
        return None
    row = (
        await session.execute(
            text(f"SELECT {_INBOX_COLUMNS} FROM user_notification WHERE id = :id AND user_id = :u"),
            {"id": item_id, "u": principal.user_id},
        )
    ).one_or_none()
    return InboxItem(**row._mapping) if row else None


async def mark_read(
    session: AsyncSession, principal: Principal, ids: Sequence[int] | None, *, read: bool = True
) -> int:
    """Mark the given inbox items (or all, with `ids` None) read or unread; returns how many changed."""
    user_id = _user(principal)
    params: dict[str, Any] = {"u": user_id}
    where = "user_id = :u"
    if ids is not None:
        params["ids"] = list(ids)
        where += " AND id = ANY(CAST(:ids AS bigint[]))"
    where += " AND read_at IS NULL" if read else " AND read_at IS NOT NULL"
    result = await session.execute(
        text(f"UPDATE user_notification SET read_at = {'now()' if read else 'NULL'} WHERE {where}"), params
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- targets and dead letters ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    name: str
    channel: str
    address: str
    function: str | None = None
    location_code: str | None = None
    secret: str | None = None
    min_severity: str = Severity.LOW.value
    rules: Sequence[str] | None = None
    topics: Sequence[str] | None = None
    active: bool = True
    id: int | None = None


@dataclass(frozen=True)
class TargetView:
    id: int
    name: str
    channel: str
    address: str
    function: str | None
    location_id: int | None
    has_secret: bool
    min_severity: str
    rules: list[str] | None
    topics: list[str] | None
    active: bool


_TARGET_COLUMNS = (
    "id, name, channel, address, function, location_id, secret IS NOT NULL AS has_secret, min_severity, rules, "
    "topics, active"
)


async def list_targets(session: AsyncSession, principal: Principal) -> list[TargetView]:
    ensure(principal, Permission.SETTINGS_MANAGE)
    rows = await session.execute(text(f"SELECT {_TARGET_COLUMNS} FROM notification_target ORDER BY id"))
    return [TargetView(**r._mapping) for r in rows]


async def save_target(session: AsyncSession, principal: Principal, target: TargetInput) -> TargetView:
    """Create or update a target; the secret is write-only (omit it to keep the stored one)."""
    ensure(principal, Permission.SETTINGS_MANAGE)
    channel = target.channel.strip().lower()
    if channel not in CHANNELS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"channel must be one of {', '.join(CHANNELS)}", ["channel"])
    address = target.address.strip()
    if not address:
        raise DomainError(ErrorCode.INVALID_INPUT, "address is required", ["address"])
    if channel in ("dingtalk", "wecom", "webhook") and not address.startswith(("https://", "http://")):
        raise DomainError(ErrorCode.INVALID_INPUT, "a robot or webhook address is a URL", ["address"])
    if channel == "email" and "@" not in address:
        raise DomainError(ErrorCode.INVALID_INPUT, "not an e-mail address", ["address"])
    function = validate_functions([target.function], "function")[0] if target.function else None
    if function is None and not target.topics:
        raise DomainError(ErrorCode.INVALID_INPUT, "give a function (alerts) or topics (events)", ["function"])
    rules = list(target.rules) if target.rules else None
    for rule in rules or ():
        if rule not in RULES:
            raise DomainError(ErrorCode.INVALID_INPUT, f"unknown rule {rule!r}", ["rules"])
    try:
        min_severity = Severity(target.min_severity.lower()).value
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "unknown severity", ["minSeverity"]) from None
    location_id = None
    if target.location_code:
        location_id = (
            await session.execute(
                text("SELECT id FROM location WHERE code = :c"), {"c": target.location_code.strip().upper()}
            )
        ).scalar_one_or_none()
        if location_id is None:
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, "no such location", ["locationCode"])
    values = {
        "name": target.name.strip()[:120] or address[:120],
        "channel": channel,
        "address": address,
        "function": function,
        "location_id": location_id,
        "secret": target.secret,
        "min_severity": min_severity,
        "rules": rules,
        "topics": list(target.topics) if target.topics else None,
        "active": target.active,
        "who": principal.actor[:200],
    }
    if target.id is None:
        target_id = (
            await session.execute(
                text(
                    """
                    INSERT INTO notification_target (name, channel, address, function, location_id, secret,
                                                     min_severity, rules, topics, active, created_by)
                    VALUES (:name, :channel, :address, :function, :location_id, :secret, :min_severity, :rules,
                            :topics, :active, :who) RETURNING id
                    """
                ),
                values,
            )
        ).scalar_one()
    else:
        values["id"] = target.id
        target_id = (
            await session.execute(
                text(
                    """
                    UPDATE notification_target SET name = :name, channel = :channel, address = :address,
                           function = :function, location_id = :location_id, secret = coalesce(:secret, secret),
                           min_severity = :min_severity, rules = :rules, topics = :topics, active = :active
                     WHERE id = :id RETURNING id
                    """
                ),
                values,
            )
        ).scalar_one_or_none()
        if target_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "no such notification target", ["id"])
    await record(
        session,
        principal,
        "notification_target.save",
        target_type="notification_target",
        target_id=target_id,
        after={k: v for k, v in values.items() if k != "secret"},
    )
    row = (
        await session.execute(
            text(f"SELECT {_TARGET_COLUMNS} FROM notification_target WHERE id = :id"), {"id": target_id}
        )
    ).one()
    return TargetView(**row._mapping)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    event_id: int
    topic: str
    channel: str
    recipient: str
    address: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime


async def dead_letters(
    session: AsyncSession, principal: Principal, *, first: int, after_id: int | None = None
) -> tuple[list[DeadLetter], bool]:
    ensure(principal, Permission.SETTINGS_MANAGE)
    params: dict[str, Any] = {"n": first + 1}
    where = "status = 'dead'"
    if after_id is not None:
        params["after"] = after_id
        where += " AND id < :after"
    rows = list(
        await session.execute(
            text(
                "SELECT id, event_id, topic, channel, recipient, address, subject, attempts, last_error, created_at "
                f"FROM notification WHERE {where} ORDER BY id DESC LIMIT :n"
            ),
            params,
        )
    )
    return [DeadLetter(**r._mapping) for r in rows[:first]], len(rows) > first


async def retry_dead_letters(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> int:
    """Put dead messages back in the queue with a fresh attempt budget (after fixing the channel)."""
    ensure(principal, Permission.SETTINGS_MANAGE)
    result = await session.execute(
        text(
            "UPDATE notification SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL "
            "WHERE id = ANY(CAST(:ids AS bigint[])) AND status = 'dead'"
        ),
        {"ids": list(ids)},
    )
    changed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await record(session, principal, "notification.retry", target_type="notification", after=list(ids))
    return changed


_STAMPS = {"raised": "raised_in", "resolved": "resolved_in", "escalated": "escalated_in"}


async def batch_alerts(
    session: AsyncSession, principal: Principal, evaluation_id: int, rule: str, kind: str, first: int = 20
) -> tuple[list[AlertView], int]:
    """The alerts one evaluation raised/resolved/escalated for a rule, as this principal sees them."""
    column = _STAMPS.get(kind)
    if column is None:
        return [], 0
    params: dict[str, Any] = {"e": evaluation_id, "r": rule, "n": first}
    condition = f"a.{column} = :e AND a.rule = :r AND {_visibility(principal, params)}"
    total = (
        await session.execute(
            text(f"SELECT count(*) FROM alert a LEFT JOIN location l ON l.id = a.location_id WHERE {condition}"),
            params,
        )
    ).scalar_one()
    if not total:
        return [], 0
    rows = await session.execute(text(f"{_SELECT} WHERE {condition} ORDER BY a.id LIMIT :n"), params)
    return [_view(r) for r in rows], int(total)
