"""The rule engine on the small seeded company: each rule raises, deduplicates, refreshes and
resolves; escalation; incremental evaluation; concurrent evaluations; rule configuration."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.alerts import service
from domain.alerts.engine import evaluate_alerts
from domain.errors import DomainError
from domain.principal import Principal
from tests.domain.alerts.helpers import age_stock, ids, move, rows, scalar, set_policy, user
from tests.domain.purchasing.helpers import sent_order

SYSTEM = Principal.system("test")


async def _open(sessions, rule: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    return await rows(
        sessions,
        "SELECT a.rule, a.object_key, a.status, a.details, p.code AS part, l.code AS site FROM alert a "
        "LEFT JOIN part p ON p.id = a.part_id LEFT JOIN location l ON l.id = a.location_id "
        "WHERE a.resolved_at IS NULL AND (CAST(:r AS text) IS NULL OR a.rule = :r) ORDER BY a.rule, l.code, a.id",
        r=rule,
    )


async def test_stockout_is_raised_once_refreshed_and_resolved(engine, sessions) -> None:
    # S-BJ01 has no front brake pads (seed); S-BJ02 has 15 with a safety stock of 20.
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await set_policy(sessions, "BRK-0001-A", "S-BJ02", "20", "25", "40")
    await set_policy(sessions, "BRK-0001-A", "S-BJ03", "5", "8", "40")  # 30 on hand: fine

    first = await evaluate_alerts(engine, SYSTEM)
    assert first.counts["stockout"].raised == 2
    opened = await _open(sessions, "stockout")
    assert [(a["part"], a["site"]) for a in opened] == [("BRK-0001-A", "S-BJ01"), ("BRK-0001-A", "S-BJ02")]
    assert opened[0]["details"]["available"] == 0 and opened[0]["details"]["safetyStock"] == 4
    events = await rows(sessions, "SELECT topic, payload FROM outbox_event WHERE topic LIKE 'alert.%'")
    assert [(e["topic"], e["payload"]["rule"], e["payload"]["count"]) for e in events] == [
        ("alert.raised", "stockout", 2)
    ]

    # Evaluating again changes nothing and emits nothing: one open alert per rule × object.
    again = await evaluate_alerts(engine, SYSTEM)
    assert again.counts["stockout"].raised == 0 and again.counts["stockout"].resolved == 0
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE topic LIKE 'alert.%'") == 1

    # A transfer of 10 to S-BJ01 changes its figures (refreshed in place) …
    await move(sessions, "BRK-0001-A", "S-BJ03", "S-BJ01", "3")
    await evaluate_alerts(engine, SYSTEM)
    bj01 = next(a for a in await _open(sessions, "stockout") if a["site"] == "S-BJ01")
    assert bj01["details"]["available"] == 3
    # … and stock above safety stock resolves it automatically.
    await move(sessions, "BRK-0001-A", "S-BJ03", "S-BJ01", "7")
    resolved = await evaluate_alerts(engine, SYSTEM)
    assert resolved.counts["stockout"].resolved == 1
    assert [a["site"] for a in await _open(sessions, "stockout")] == ["S-BJ02"]
    # A new shortage later is a new alert (history keeps the resolved one).
    await move(sessions, "BRK-0001-A", "S-BJ01", "V-WORKSHOP", "10")
    await evaluate_alerts(engine, SYSTEM)
    assert await scalar(sessions, "SELECT count(*) FROM alert WHERE rule = 'stockout' AND object_key LIKE 'pl:%'") == 3


async def test_imminent_overstock_and_dead_stock(engine, sessions) -> None:
    # 50 oil filters at S-BJ01, safety stock 10, selling 15 a day: at safety stock in under 3 days.
    await set_policy(sessions, "FLT-0001-C", "S-BJ01", "10", "20", "60", rate="15")
    # 200 brake pads in the warehouse with a maximum of 120, untouched for 200 days.
    await set_policy(sessions, "BRK-0001-A", "WH", "10", "20", "120")
    await age_stock(sessions, "BRK-0001-A", "WH-A-01-01", 200)
    result = await evaluate_alerts(engine, SYSTEM)
    assert result.counts["imminent_stockout"].raised == 1
    assert result.counts["overstock"].raised == 1
    assert result.counts["dead_stock"].raised == 1
    imminent = (await _open(sessions, "imminent_stockout"))[0]
    assert (imminent["part"], imminent["site"]) == ("FLT-0001-C", "S-BJ01")
    assert Decimal(str(imminent["details"]["daysLeft"])) == Decimal("2.7")
    overstock = (await _open(sessions, "overstock"))[0]
    assert overstock["site"] == "WH" and overstock["details"]["excess"] == 80
    dead = (await _open(sessions, "dead_stock"))[0]
    assert dead["site"] == "WH" and dead["details"]["idleDays"] >= 199

    # Thresholds are configuration: a 50 % tolerance clears the overstock, 2 days the imminent one.
    admin = await user(sessions, "admin")
    async with sessions() as s, s.begin():
        await service.update_alert_rule(
            s, admin, service.RuleChange("overstock", params={"tolerance_pct": "70"}, severity="high")
        )
        await service.update_alert_rule(s, admin, service.RuleChange("imminent_stockout", params={"days": "2"}))
    result = await evaluate_alerts(engine, SYSTEM)
    assert result.counts["overstock"].resolved == 1 and result.counts["imminent_stockout"].resolved == 1
    # A movement clears dead stock.
    await move(sessions, "BRK-0001-A", "WH-A-01-01", "WH-A-01-02", "1")
    assert (await evaluate_alerts(engine, SYSTEM)).counts["dead_stock"].resolved == 1


async def test_rule_configuration_is_validated_and_disabling_resolves(engine, sessions) -> None:
    admin = await user(sessions, "admin")
    manager = await user(sessions, "manager.bj01")
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as unknown:
            await service.update_alert_rule(s, admin, service.RuleChange("stockout", params={"days": "3"}))
        assert unknown.value.code == "INVALID_INPUT"
        with pytest.raises(DomainError) as out_of_range:
            await service.update_alert_rule(s, admin, service.RuleChange("count_variance", params={"pct": "500"}))
        assert out_of_range.value.field == ["params", "pct"]
        with pytest.raises(DomainError) as who:
            await service.update_alert_rule(s, admin, service.RuleChange("stockout", recipients=["janitor"]))
        assert "janitor" in who.value.message
        with pytest.raises(DomainError) as forbidden:
            await service.update_alert_rule(s, manager, service.RuleChange("stockout", enabled=False))
        assert forbidden.value.code == "FORBIDDEN"
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await evaluate_alerts(engine, SYSTEM)
    async with sessions() as s, s.begin():
        await service.update_alert_rule(s, admin, service.RuleChange("stockout", enabled=False))
    assert (await evaluate_alerts(engine, SYSTEM)).counts["stockout"].resolved == 1


async def test_count_variance_above_five_percent(engine, sessions) -> None:
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        plan = (
            await s.execute(
                text(
                    "INSERT INTO count_plan (code, kind, status, name, location_id, due_on, recount_pct, "
                    "recount_value, max_recounts, assignees, created_by) "
                    "VALUES ('CP-T1', 'cycle', 'open', 't', :l, current_date, 0.02, 100, 1, '{}', 'test') RETURNING id"
                ),
                {"l": found["S-BJ01"]},
            )
        ).scalar_one()
        for part, expected, counted in (("FLT-0001-C", 50, 45), ("BRK-0002-A", 10, 10.2)):
            task = (
                await s.execute(
                    text(
                        "INSERT INTO count_task (plan_id, part_id, location_id, due_on, status, attempts, "
                        "expected_qty, counted_qty, variance_qty) "
                        "VALUES (:plan, :p, :l, current_date, 'counted', 1, :e, :c, :v) "
                        "RETURNING id"
                    ),
                    {
                        "plan": plan,
                        "p": found[part],
                        "l": found["S-BJ01"],
                        "e": expected,
                        "c": counted,
                        "v": counted - expected,
                    },
                )
            ).scalar_one()
            await s.execute(
                text(
                    "INSERT INTO count_variance (task_id, plan_id, part_id, location_id, quantity, unit_cost, value, "
                    "status) VALUES (:t, :plan, :p, :l, :q, 28, :v, 'pending')"
                ),
                {
                    "t": task,
                    "plan": plan,
                    "p": found[part],
                    "l": found["S-BJ01"],
                    "q": counted - expected,
                    "v": (counted - expected) * 28,
                },
            )
    result = await evaluate_alerts(engine, SYSTEM)
    # 5 of 50 is 10 % (alert); 0.2 of 10 is 2 % (within the 5 % threshold).
    assert result.counts["count_variance"].raised == 1
    alert = (await _open(sessions, "count_variance"))[0]
    assert alert["part"] == "FLT-0001-C" and alert["details"]["pct"] == 10 and alert["details"]["plan"] == "CP-T1"
    async with sessions() as s, s.begin():
        await s.execute(text("UPDATE count_variance SET status = 'reviewed', reason_code = 'unknown'"))
    assert (await evaluate_alerts(engine, SYSTEM)).counts["count_variance"].resolved == 0  # still awaiting approval


async def test_supplier_late_after_grace_days(engine, sessions) -> None:
    order = await sent_order(sessions, [("BRK-0001-A", "20", "150", "S-BJ01"), ("FLT-0001-C", "30", "20", "S-BJ02")])
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE purchase_order_line SET promised_date = :d WHERE purchase_order_id = :o AND line_no = 1"),
            {"d": date.today() - timedelta(days=5), "o": order.order.id},
        )
        await s.execute(
            text("UPDATE purchase_order_line SET promised_date = :d WHERE purchase_order_id = :o AND line_no = 2"),
            {"d": date.today() - timedelta(days=1), "o": order.order.id},  # within the 2 grace days
        )
    result = await evaluate_alerts(engine, SYSTEM, today=date.today())
    assert result.counts["supplier_late"].raised == 1
    alert = (await _open(sessions, "supplier_late"))[0]
    assert alert["site"] == "S-BJ01" and alert["details"]["daysLate"] == 5 and alert["details"]["outstanding"] == 20
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE purchase_order_line SET closed = true WHERE purchase_order_id = :o"), {"o": order.order.id}
        )
    assert (await evaluate_alerts(engine, SYSTEM)).counts["supplier_late"].resolved == 1


async def test_escalation_of_unacknowledged_alerts(engine, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    await set_policy(sessions, "BRK-0001-A", "S-BJ02", "20", "25", "40")
    await evaluate_alerts(engine, SYSTEM)
    manager = await user(sessions, "manager.bj01")
    async with sessions() as s, s.begin():
        page, _, _ = await service.list_alerts(s, manager, service.AlertFilter(), first=10)
        assert [a.message.split(" ")[1] for a in page] == ["BRK-0001-A"]  # only S-BJ01 is in scope
        await service.acknowledge_alerts(s, manager, [page[0].id], "ordering today")
        await s.execute(text("UPDATE alert SET raised_at = now() - interval '5 hours'"))  # stockout: after 4 h
    result = await evaluate_alerts(engine, SYSTEM)
    assert result.escalated == 1  # S-BJ02's; the acknowledged one does not escalate
    escalated = await rows(
        sessions,
        "SELECT escalation_level, l.code FROM alert a JOIN location l ON l.id = a.location_id "
        "WHERE escalation_level > 0",
    )
    assert escalated == [{"escalation_level": 1, "code": "S-BJ02"}]
    assert (await evaluate_alerts(engine, SYSTEM)).escalated == 0  # not again before another 4 hours
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE topic = 'alert.escalated'") == 1


async def test_incremental_evaluation_reads_only_changed_part_sites(engine, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    async with sessions() as s, s.begin():  # the seed's moves and this policy are old news
        await s.execute(text("UPDATE stock_balance SET last_move_at = last_move_at - interval '10 minutes'"))
        await s.execute(text("UPDATE part_location_policy SET updated_at = updated_at - interval '10 minutes'"))
    await evaluate_alerts(engine, SYSTEM)
    quiet = await evaluate_alerts(engine, SYSTEM, changes_only=True)
    assert quiet.kind == "changes" and quiet.part_sites == 0
    await move(sessions, "BRK-0001-A", "S-BJ03", "S-BJ01", "10")
    changed = await evaluate_alerts(engine, SYSTEM, changes_only=True)
    assert changed.part_sites == 2  # S-BJ03 (out) and S-BJ01 (in)
    assert changed.counts["stockout"].resolved == 1


async def test_concurrent_evaluations_never_duplicate(engine, sessions) -> None:
    await set_policy(sessions, "BRK-0001-A", "S-BJ01", "4", "6", "20")
    results = await asyncio.gather(*(evaluate_alerts(engine, SYSTEM) for _ in range(4)))
    assert sum(r.raised for r in results) == 1
    assert await scalar(sessions, "SELECT count(*) FROM alert") == 1
    assert await scalar(sessions, "SELECT count(*) FROM outbox_event WHERE topic = 'alert.raised'") == 1
