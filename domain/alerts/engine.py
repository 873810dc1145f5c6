"""The rule engine: one set-based statement per rule raises new alerts, refreshes the figures of
open ones and resolves those whose condition cleared; a last statement escalates alerts left
unacknowledged too long. Each rule commits on its own (short locks, early notifications), and
every statement is idempotent, so an evaluation killed half-way and run again raises nothing twice:
the unique partial index on (rule, object_key) refuses a second open alert and only rows actually
inserted produce an outbox event.

A session-level advisory lock lets one evaluation run at a time across all workers; another
caller returns at once with `skipped`."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.alerts.models import Severity
from domain.alerts.rules import RULES, RuleConfig, RuleDefinition, validate_params
from domain.analytics.settings import business_today
from domain.analytics.state import all_site_ids, build_state_table
from domain.events import emit
from domain.principal import Principal

log = logging.getLogger("ims.alerts")

ADVISORY_LOCK = 7_311_001  # "alerts.evaluate"
MAX_ESCALATION_LEVEL = 2
# Changes committed by transactions that started before the previous run may carry an older
# timestamp than its start; re-reading a little of the past catches them.
WATERMARK_OVERLAP = timedelta(minutes=2)
NOTIFY_CHANNEL = "ims_alerts"

# Tests hook here to stop an evaluation between two rules (a worker killed half-way).
BeforeRule = Callable[[str], Awaitable[None]]


@dataclass
class RuleCounts:
    raised: int = 0
    updated: int = 0
    resolved: int = 0


@dataclass
class EvaluationResult:
    evaluation_id: int | None
    kind: str
    counts: dict[str, RuleCounts] = field(default_factory=dict)
    escalated: int = 0
    part_sites: int = 0
    seconds: float = 0.0
    skipped: bool = False

    @property
    def raised(self) -> int:
        return sum(c.raised for c in self.counts.values())

    @property
    def resolved(self) -> int:
        return sum(c.resolved for c in self.counts.values())


_EMPTY = (
    "SELECT NULL::text AS object_key, NULL::int AS part_id, NULL::int AS location_id, NULL::int AS supplier_id, "
    "NULL::bigint AS ref_id, NULL::jsonb AS details WHERE false"
)


def _evaluate_sql(scoped: bool) -> str:
    """Apply the rule's candidates (temp table `tmp_alert_candidate`, indexed): raise new alerts,
    refresh the figures of open ones, resolve the open ones no longer in the candidates."""
    scope = (
        "AND EXISTS (SELECT 1 FROM tmp_alert_scope k WHERE k.part_id = a.part_id AND k.site_id = a.location_id)"
        if scoped
        else ""
    )
    return f"""
    WITH ins AS (
        INSERT INTO alert (rule, object_key, part_id, location_id, supplier_id, ref_id, severity, status, details,
                           raised_in, raised_at, last_seen_at)
        SELECT CAST(:rule AS text), c.object_key, c.part_id, c.location_id, c.supplier_id, c.ref_id,
               CAST(:severity AS text), 'open', c.details, CAST(:evaluation AS bigint), now(), now()
          FROM tmp_alert_candidate c
        ON CONFLICT (rule, object_key) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id
    ), upd AS (
        UPDATE alert a SET details = c.details, last_seen_at = now()
          FROM tmp_alert_candidate c
         WHERE a.rule = CAST(:rule AS text) AND a.resolved_at IS NULL AND a.object_key = c.object_key
           AND a.details IS DISTINCT FROM c.details
        RETURNING a.id
    ), res AS (
        UPDATE alert a SET status = 'resolved', resolved_at = now(), resolved_in = CAST(:evaluation AS bigint)
         WHERE a.rule = CAST(:rule AS text) AND a.resolved_at IS NULL {scope}
           AND NOT EXISTS (SELECT 1 FROM tmp_alert_candidate c WHERE c.object_key = a.object_key)
        RETURNING a.id
    )
    SELECT (SELECT count(*) FROM ins) AS raised, (SELECT count(*) FROM upd) AS updated,
           (SELECT count(*) FROM res) AS resolved
    """


async def _candidates(session: AsyncSession, sql: str, params: dict[str, Any]) -> None:
    """Materialise a rule's candidates with an index and statistics, so applying them is a few
    index probes whatever the (often stale) statistics of `alert` say."""
    await session.execute(text("DROP TABLE IF EXISTS tmp_alert_candidate"))
    await session.execute(text(f"CREATE TEMP TABLE tmp_alert_candidate AS {sql}"), params)
    await session.execute(text("CREATE INDEX ON tmp_alert_candidate (object_key)"))
    await session.execute(text("ANALYZE tmp_alert_candidate"))


_ESCALATE = text(
    """
    WITH esc AS (
        UPDATE alert a SET escalation_level = a.escalation_level + 1, escalated_at = now(),
                           escalated_in = CAST(:evaluation AS bigint)
          FROM alert_rule r
         WHERE r.code = a.rule AND r.enabled AND r.escalate_after_hours > 0 AND a.status = 'open'
           AND a.escalation_level < :max_level
           AND coalesce(a.escalated_at, a.raised_at) < now() - make_interval(hours => r.escalate_after_hours)
        RETURNING a.rule
    )
    SELECT rule, count(*) AS n FROM esc GROUP BY rule
    """
)


async def load_rules(session: AsyncSession) -> dict[str, RuleConfig]:
    """Rules as configured, falling back to the defaults for a rule without a row."""
    rows = {
        r.code: r
        for r in await session.execute(
            text(
                "SELECT code, enabled, severity, params, recipients, escalate_after_hours, escalate_to FROM alert_rule"
            )
        )
    }
    configs: dict[str, RuleConfig] = {}
    for code, definition in RULES.items():
        row = rows.get(code)
        if row is None:
            configs[code] = _config(definition, True, definition.severity, {}, None, None, None)
            continue
        configs[code] = _config(
            definition,
            row.enabled,
            Severity(row.severity),
            row.params or {},
            row.recipients,
            row.escalate_after_hours,
            row.escalate_to,
        )
    return configs


def _config(
    definition: RuleDefinition,
    enabled: bool,
    severity: Severity,
    params: dict[str, Any],
    recipients: Sequence[str] | None,
    escalate_after_hours: int | None,
    escalate_to: Sequence[str] | None,
) -> RuleConfig:
    return RuleConfig(
        code=definition.code,
        enabled=enabled,
        severity=severity,
        params=validate_params(definition.code, params),
        recipients=tuple(recipients) if recipients is not None else definition.recipients,
        escalate_after_hours=(
            escalate_after_hours if escalate_after_hours is not None else definition.escalate_after_hours
        ),
        escalate_to=tuple(escalate_to) if escalate_to is not None else definition.escalate_to,
        definition=definition,
    )


async def _existing_tables(session: AsyncSession, names: Sequence[str]) -> set[str]:
    if not names:
        return set()
    rows = await session.execute(
        text("SELECT n FROM unnest(CAST(:names AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"),
        {"names": list(names)},
    )
    return set(rows.scalars())


async def changed_part_sites(session: AsyncSession, since: datetime) -> list[tuple[int, int]]:
    """Part × site pairs whose stock or stocking levels changed since `since`."""
    rows = await session.execute(
        text(
            """
            SELECT DISTINCT b.part_id, l.site_id FROM stock_balance b JOIN location l ON l.id = b.location_id
             WHERE b.last_move_at > :since AND l.site_id IS NOT NULL
            UNION
            SELECT part_id, location_id FROM part_location_policy WHERE updated_at > :since
            """
        ),
        {"since": since},
    )
    return [(int(r.part_id), int(r.site_id)) for r in rows]


async def _watermark(session: AsyncSession) -> datetime | None:
    """Start of the last successful evaluation, unless a planning run (new forecasts and levels
    for everything) finished since — then the caller should evaluate everything."""
    row = (
        await session.execute(
            text(
                """
                SELECT (SELECT max(started_at) FROM alert_evaluation WHERE status = 'succeeded') AS since,
                       (SELECT max(finished_at) FROM planning_run WHERE status = 'succeeded') AS planned
                """
            )
        )
    ).one()
    if row.since is None or (row.planned is not None and row.planned > row.since):
        return None
    return row.since - WATERMARK_OVERLAP


async def evaluate_alerts(
    engine: AsyncEngine,
    principal: Principal,
    *,
    changes_only: bool = False,
    pairs: Sequence[tuple[int, int]] | None = None,
    rules: Sequence[str] | None = None,
    today: date | None = None,
    before_rule: BeforeRule | None = None,
) -> EvaluationResult:
    """Evaluate the rules: everything (default), only part-sites changed since the last run
    (`changes_only`, the every-minute job; global rules are cheap and always run in full), or the
    given part × site `pairs` (an event)."""
    started = time.perf_counter()
    today = today or business_today()
    kind = "objects" if pairs is not None else "changes" if changes_only else "full"
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn, expire_on_commit=False, autoflush=False)
        try:
            locked = (await session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK})).scalar()
            await session.commit()
            if not locked:
                log.info("alert evaluation already running elsewhere; skipped")
                return EvaluationResult(None, kind, skipped=True)
            try:
                return await _evaluate_locked(session, principal, kind, pairs, rules, today, before_rule, started)
            finally:
                await session.rollback()
                await session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK})
                await session.execute(
                    text("DROP TABLE IF EXISTS tmp_part_site_state, tmp_alert_scope, tmp_alert_candidate")
                )
                await session.commit()
        finally:
            await session.close()


async def _evaluate_locked(
    session: AsyncSession,
    principal: Principal,
    kind: str,
    pairs: Sequence[tuple[int, int]] | None,
    only: Sequence[str] | None,
    today: date,
    before_rule: BeforeRule | None,
    started: float,
) -> EvaluationResult:
    configs = await load_rules(session)
    # Holding the lock, any evaluation still marked running died with its process.
    await session.execute(
        text("UPDATE alert_evaluation SET status = 'failed', finished_at = now() WHERE status = 'running'")
    )
    if kind == "changes":
        since = await _watermark(session)
        if since is None:
            kind = "full"
        else:
            pairs = await changed_part_sites(session, since)
    evaluation_id = (
        await session.execute(
            text(
                "INSERT INTO alert_evaluation (kind, status, actor, counts) "
                "VALUES (:k, 'running', :a, '{}') RETURNING id"
            ),
            {"k": kind, "a": principal.actor},
        )
    ).scalar_one()
    await session.commit()
    result = EvaluationResult(evaluation_id, kind)
    try:
        selected = [c for c in configs.values() if only is None or c.code in only]
        if any(c.definition.kind == "part_location" for c in selected):
            site_ids = await all_site_ids(session)
            if pairs is not None:
                await session.execute(text("DROP TABLE IF EXISTS tmp_alert_scope"))
                await session.execute(
                    text(
                        "CREATE TEMP TABLE tmp_alert_scope AS SELECT DISTINCT part_id, site_id "
                        "FROM unnest(CAST(:p AS int[]), CAST(:s AS int[])) AS k(part_id, site_id)"
                    ),
                    {"p": [p for p, _ in pairs], "s": [s for _, s in pairs]},
                )
            result.part_sites = await build_state_table(session, site_ids, pairs)
            await session.commit()
        present = await _existing_tables(session, sorted({t for c in selected for t in c.definition.requires}))
        for config in selected:
            definition = config.definition
            if not set(definition.requires) <= present:
                continue
            if before_rule is not None:
                await before_rule(config.code)
            scoped = pairs is not None and definition.kind == "part_location"
            candidates = definition.sql if config.enabled else _EMPTY
            params: dict[str, Any] = config.sql_params() if config.enabled else {}
            if ":today" in candidates:
                params["today"] = today
            await _candidates(session, candidates, params)
            row = (
                await session.execute(
                    text(_evaluate_sql(scoped)),
                    {"rule": config.code, "severity": config.severity.value, "evaluation": evaluation_id},
                )
            ).one()
            counts = RuleCounts(int(row.raised), int(row.updated), int(row.resolved))
            result.counts[config.code] = counts
            await _announce(session, evaluation_id, config.code, config.severity.value, "raised", counts.raised)
            await _announce(session, evaluation_id, config.code, config.severity.value, "resolved", counts.resolved)
            await session.commit()
        for row in await session.execute(_ESCALATE, {"evaluation": evaluation_id, "max_level": MAX_ESCALATION_LEVEL}):
            result.escalated += int(row.n)
            severity = configs[row.rule].severity.value if row.rule in configs else Severity.HIGH.value
            await _announce(session, evaluation_id, row.rule, severity, "escalated", int(row.n))
        if result.raised + result.resolved > 1000:
            await session.execute(text("ANALYZE alert"))
        result.seconds = round(time.perf_counter() - started, 3)
        await session.execute(
            text(
                "UPDATE alert_evaluation SET status = 'succeeded', finished_at = now(), seconds = :t, counts = :c "
                "WHERE id = :id"
            ),
            {"t": Decimal(str(result.seconds)), "c": json.dumps(_counts_json(result)), "id": evaluation_id},
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        await session.execute(
            text("UPDATE alert_evaluation SET status = 'failed', finished_at = now() WHERE id = :id"),
            {"id": evaluation_id},
        )
        await session.commit()
        raise
    log.info(
        "alert evaluation %s (%s): raised %s, resolved %s, escalated %s in %.2f s",
        evaluation_id,
        kind,
        result.raised,
        result.resolved,
        result.escalated,
        result.seconds,
    )
    return result


def _counts_json(result: EvaluationResult) -> dict[str, Any]:
    data: dict[str, Any] = {code: c.__dict__ for code, c in result.counts.items()}
    data["escalated"] = result.escalated
    data["partSites"] = result.part_sites
    return data


async def _announce(session: AsyncSession, evaluation_id: int, rule: str, severity: str, kind: str, count: int) -> None:
    """One outbox event (and one live notification) per rule, run and kind: the dispatcher finds
    the alerts by the evaluation stamp, so 20,000 alerts of a first run are one event, not 20,000."""
    if count <= 0:
        return
    payload = {"evaluation_id": evaluation_id, "rule": rule, "kind": kind, "count": count, "severity": severity}
    await emit(session, f"alert.{kind}", payload)
    await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": json.dumps(payload)})
