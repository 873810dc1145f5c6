"""Counting against the real ledger: moves while counting, freezes, recounts, approvals, reports."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from domain.counting import adjustments, entries, queries, reports, service
from domain.counting.entries import RecordCountCommand
from domain.counting.models import (
    CountEntry,
    CountKind,
    CountTask,
    CountVariance,
    ReasonCode,
    TaskStatus,
    VarianceStatus,
)
from domain.counting.queries import TaskFilter
from domain.counting.service import CreatePlanCommand
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.stock.check import check_ledger
from domain.stock.service import MoveStockCommand, move_stock


def _business_today() -> date:
    """Counting reports cut periods in the business time zone, not the server's."""
    from datetime import datetime

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


T = TypeVar("T")
BJ01 = "HQ/R-N/S-BJ01"
SYSTEM = Principal.system("test")
HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}))
MANAGER = Principal(PrincipalKind.USER, "mgr", frozenset({Role.STORE_MANAGER}), (BJ01,))
LI = Principal(PrincipalKind.USER, "li", frozenset({Role.STORE_STAFF}), (BJ01,))
WANG = Principal(PrincipalKind.USER, "wang", frozenset({Role.STORE_STAFF}), (BJ01,))
EVERY_CYCLE_ITEM = {"cadence_months": {"A": 1, "B": 1, "C": 1}, "window_days": 31}


async def tx(sessions, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    async with sessions() as session, session.begin():
        return await fn(session, *args, **kwargs)


async def move(sessions, part: str, src: str, dst: str, qty: str, cost: str | None = None, lot: str = "") -> None:
    cmd = MoveStockCommand(part, src, dst, Decimal(qty), lot_no=lot, unit_cost=Decimal(cost) if cost else None)
    await tx(sessions, move_stock, SYSTEM, cmd)


async def count(sessions, who: Principal, plan_id: int, part: str, qty: str, key: str, loc: str = "S-BJ01"):
    return await tx(sessions, entries.record_count, who, RecordCountCommand(plan_id, loc, part, qty, key))


async def plan_at_bj01(sessions, kind: CountKind = CountKind.CYCLE, **extra: Any) -> int:
    settings = EVERY_CYCLE_ITEM if kind is CountKind.CYCLE else {}
    cmd = CreatePlanCommand(kind, "S-BJ01", assignees=("li", "wang"), **{**settings, **extra})
    return (await tx(sessions, service.create_plan, MANAGER, cmd)).id


async def tasks(sessions, plan_id: int) -> dict[str, CountTask]:
    found, _ = await tx(sessions, queries.list_tasks, HQ, TaskFilter(plan_id=plan_id), first=100)
    async with sessions() as s:
        codes = dict((await s.execute(text("SELECT id, code FROM part"))).tuples().all())
    return {codes[t.part_id]: t for t in found}


async def variances(sessions, plan_id: int) -> dict[int, CountVariance]:
    async with sessions() as s:
        rows = await s.execute(select(CountVariance).where(CountVariance.plan_id == plan_id))
        return {v.task_id: v for v in rows.scalars()}


async def book(sessions, part: str, loc: str) -> Decimal:
    async with sessions() as s:
        sql = (
            "SELECT coalesce(sum(on_hand), 0) FROM stock_balance b JOIN part p ON p.id = b.part_id "
            "JOIN location l ON l.id = b.location_id WHERE p.code = :p AND l.code = :l"
        )
        return (await s.execute(text(sql), {"p": part, "l": loc})).scalar_one()


async def assert_ledger_ok(sessions) -> None:
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_moves_made_during_a_count_are_not_variances(sessions) -> None:
    plan_id = await plan_at_bj01(sessions)
    by_part = await tasks(sessions, plan_id)
    assert set(by_part) == {"BRK-0002-A", "BCL-0001-B", "FLT-0001-C"}
    assert [t.assignee for t in by_part.values()].count("li") == 2
    flt = by_part["FLT-0001-C"]
    started = await tx(sessions, entries.start_task, LI, flt.id)
    assert started.snapshot_qty == 50 and started.status == TaskStatus.COUNTING
    # While the counter walks the shelf: a workshop issue, a receipt and a transfer in.
    await move(sessions, "FLT-0001-C", "S-BJ01", "V-WORKSHOP", "5")
    await move(sessions, "FLT-0001-C", "V-SUPPLIER", "S-BJ01", "8", "28")
    await move(sessions, "FLT-0001-C", "S-BJ01", "S-BJ02", "1")
    # The shelf now holds 50 − 5 + 8 − 1 = 52, which is what the counter finds.
    result = await count(sessions, LI, plan_id, "6901234567922", "52", "scan-flt")
    assert result.task.status == TaskStatus.COUNTED and not result.recount_required
    assert (result.entry.snapshot_qty, result.entry.net_moves, result.entry.variance_qty) == (50, 2, 0)
    # Concurrent moves and counts on other part-locations of the same store.
    await tx(sessions, entries.start_task, WANG, by_part["BCL-0001-B"].id)
    await asyncio.gather(
        *(move(sessions, "BCL-0001-B", "S-BJ01", "V-WORKSHOP", "0.5", lot="C2401") for _ in range(6)),
        move(sessions, "BRK-0002-A", "S-BJ01", "V-WORKSHOP", "2", lot="L2401"),
    )
    coolant = await count(sessions, WANG, plan_id, "BCL-0001-B", "29.5", "scan-bcl")  # 32.5 − 3, by part code
    pads = await count(sessions, LI, plan_id, "6901234567908", "8", "scan-brk")  # auto-started on the scan
    assert coolant.entry.variance_qty == 0 and coolant.entry.net_moves == -3
    assert pads.entry.variance_qty == 0 and pads.entry.net_moves == 0
    assert await variances(sessions, plan_id) == {}
    report = await tx(sessions, reports.plan_report, HQ, plan_id)
    assert report is not None and (report.counted, report.accuracy) == (3, Decimal(1))
    await assert_ledger_ok(sessions)


async def test_full_count_freezes_its_locations_until_it_closes(sessions) -> None:
    plan_id = await plan_at_bj01(sessions, CountKind.FULL)
    async with sessions() as s:
        code = (await s.execute(text("SELECT code FROM count_plan WHERE id = :i"), {"i": plan_id})).scalar_one()
        frozen = (await s.execute(text("SELECT code FROM location WHERE frozen_by = :c"), {"c": code})).scalars()
        assert list(frozen) == ["S-BJ01"]
    for src, dst in (("S-BJ02", "S-BJ01"), ("S-BJ01", "V-WORKSHOP")):
        with pytest.raises(DomainError) as refused:
            await move(sessions, "BRK-0001-A" if src == "S-BJ02" else "FLT-0001-C", src, dst, "1")
        assert refused.value.code == ErrorCode.LOCATION_FROZEN
        assert f"S-BJ01 is frozen by count {code} until the count closes" in refused.value.message
    await move(sessions, "BRK-0001-A", "S-BJ03", "S-BJ02", "1")  # elsewhere business goes on
    with pytest.raises(DomainError) as overlapping:
        await tx(sessions, service.create_plan, HQ, CreatePlanCommand(CountKind.FULL, "R-N"))
    assert overlapping.value.code == ErrorCode.CONFLICT

    await count(sessions, LI, plan_id, "FLT-0001-C", "48", "f-1")  # −2: 4 %, CNY 56: within tolerance
    await count(sessions, LI, plan_id, "BRK-0002-A", "10", "f-2")
    await count(sessions, WANG, plan_id, "BCL-0001-B", "32.5", "f-3")
    # Pads on the shelf that the books do not know: the scan creates the task, and it is recounted.
    found = await count(sessions, WANG, plan_id, "6901234567892", "1", "f-4")
    assert found.recount_required and found.task.assignee == "li"
    await count(sessions, LI, plan_id, "6901234567892", "1", "f-5")
    pending = await variances(sessions, plan_id)
    assert sorted(v.quantity for v in pending.values()) == [-2, 1]
    with pytest.raises(DomainError) as early:
        await tx(sessions, service.close_plan, MANAGER, plan_id)
    assert early.value.code == ErrorCode.INVALID_STATE

    for variance in pending.values():
        await tx(sessions, adjustments.review_variance, MANAGER, variance.id, ReasonCode.UNRECORDED_ISSUE)
    approval = await tx(sessions, adjustments.approve_adjustments, MANAGER, plan_id)  # posts into the frozen store
    assert len(approval.approved) == 2 and approval.posting is not None
    assert {(m.doc_type, m.doc_ref) for m in approval.posting.moves} == {("count_adjustment", code)}
    assert await book(sessions, "FLT-0001-C", "S-BJ01") == 48
    assert await book(sessions, "BRK-0001-A", "S-BJ01") == 1
    again = await tx(sessions, adjustments.approve_adjustments, MANAGER, plan_id)
    assert again.approved == [] and len(again.already_approved) == 2 and again.posting is None

    closed = await tx(sessions, service.close_plan, MANAGER, plan_id)
    assert closed.status == "closed"
    await move(sessions, "BRK-0001-A", "S-BJ02", "S-BJ01", "1")
    with pytest.raises(DomainError) as late:
        await count(sessions, LI, plan_id, "FLT-0001-C", "48", "f-6")
    assert late.value.code == ErrorCode.INVALID_STATE
    await assert_ledger_ok(sessions)


async def test_recount_then_adjustment_valued_by_the_ledger(sessions) -> None:
    plan_id = await plan_at_bj01(sessions)
    first = await count(sessions, LI, plan_id, "FLT-0001-C", "40", "r-1")  # −10 = 20 %: recount
    assert first.recount_required and first.task.assignee == "wang" and first.task.counted_qty is None
    second = await count(sessions, WANG, plan_id, "FLT-0001-C", "45", "r-2")
    assert second.task.status == TaskStatus.COUNTED and not second.task.within_tolerance
    assert second.task.counted_by == "user:wang"
    await count(sessions, LI, plan_id, "BCL-0001-B", "10", "r-3")  # book 32.5 in lots C2401 20 + C2402 12.5
    await count(sessions, WANG, plan_id, "BCL-0001-B", "10", "r-4")
    found = await variances(sessions, plan_id)
    flt = found[second.task.id]
    assert (flt.quantity, flt.value, flt.status) == (-5, Decimal("-140.00"), VarianceStatus.PENDING)

    with pytest.raises(DomainError) as unreviewed:
        await tx(sessions, adjustments.approve_adjustments, MANAGER, plan_id, [flt.id])
    assert unreviewed.value.code == ErrorCode.INVALID_STATE
    for variance in found.values():
        await tx(sessions, adjustments.review_variance, MANAGER, variance.id, ReasonCode.THEFT_DAMAGE, "cage open")
    result = await tx(sessions, adjustments.approve_adjustments, MANAGER, plan_id)
    lines = sorted((m.lot_no, m.quantity) for m in result.posting.moves if m.lot_no)
    assert lines == [("C2401", 20), ("C2402", Decimal("2.5"))]  # the oldest lot goes first
    values = {v.task_id: v for v in result.approved}
    assert values[second.task.id].value == Decimal("-140.00") and values[second.task.id].unit_cost == 28
    assert sum(m.value for m in result.posting.moves) == Decimal("140.00") + Decimal("22.5") * Decimal("45.5")
    assert await book(sessions, "BCL-0001-B", "S-BJ01") == 10
    await assert_ledger_ok(sessions)

    report = await tx(sessions, reports.plan_report, MANAGER, plan_id)
    assert report is not None and (report.counted, report.within_tolerance, report.recounts) == (2, 0, 2)
    assert report.loss_quantity == Decimal("27.5") and report.approved_value == report.net_value < 0
    assert [(r.reason, r.variances) for r in report.by_reason] == [("theft_damage", 2)]
    assert [(c.counter, c.counted) for c in report.by_counter] == [("user:wang", 2)]
    month = _business_today().replace(day=1)
    kpi = await tx(sessions, reports.inventory_accuracy, HQ, start=month, end=_business_today())
    assert [(p.period_start, p.counted, p.accuracy) for p in kpi] == [(month, 2, Decimal(0))]
    weeks = await tx(
        sessions,
        reports.inventory_accuracy,
        MANAGER,
        start=_business_today() - timedelta(days=14),
        end=_business_today(),
        period=reports.Period.WEEK,
    )
    assert [p.counted for p in weeks] == [0, 0, 2] and weeks[0].accuracy is None


async def test_only_managers_in_their_scope_may_approve(sessions) -> None:
    plan_id = await plan_at_bj01(sessions)
    await count(sessions, LI, plan_id, "FLT-0001-C", "49", "p-1")
    (variance,) = (await variances(sessions, plan_id)).values()
    supplier = Principal(PrincipalKind.SUPPLIER_USER, "sup", frozenset({Role.SUPPLIER}), supplier_id=1)
    finance = Principal(PrincipalKind.USER, "fin", frozenset({Role.FINANCE}))
    other_store = Principal(PrincipalKind.USER, "mgr2", frozenset({Role.STORE_MANAGER}), ("HQ/R-N/S-BJ02",))
    # Manager at S-BJ02 and only staff at S-BJ01: sees both stores, approves at neither here.
    mixed = Principal(
        PrincipalKind.USER,
        "mixed",
        frozenset({Role.STORE_MANAGER, Role.STORE_STAFF}),
        ("HQ/R-N/S-BJ02", BJ01),
        grants=((Role.STORE_MANAGER, "HQ/R-N/S-BJ02"), (Role.STORE_STAFF, BJ01)),
    )
    for who in (LI, supplier, finance, SYSTEM, other_store, mixed):
        with pytest.raises(DomainError) as refused:
            await tx(sessions, adjustments.approve_adjustments, who, plan_id, [variance.id])
        assert refused.value.code == ErrorCode.FORBIDDEN, who.name
        with pytest.raises(DomainError) as refused:
            await tx(sessions, adjustments.review_variance, who, variance.id, ReasonCode.UNKNOWN)
        assert refused.value.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND), who.name
    for who in (LI, supplier):  # counters never see book quantities
        with pytest.raises(DomainError):
            await tx(sessions, adjustments.variances_for_plans, who, [plan_id])
        with pytest.raises(DomainError):
            await tx(sessions, reports.plan_report, who, plan_id)
    with pytest.raises(DomainError) as not_a_planner:
        await tx(sessions, service.create_plan, LI, CreatePlanCommand(CountKind.SAMPLE, "S-BJ01"))
    assert not_a_planner.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError):
        await count(sessions, supplier, plan_id, "BRK-0002-A", "10", "p-2")

    await tx(sessions, adjustments.review_variance, MANAGER, variance.id, ReasonCode.RECEIVING_ERROR)
    result = await tx(sessions, adjustments.approve_adjustments, MANAGER, plan_id, [variance.id])
    assert [v.approved_by for v in result.approved] == ["user:mgr"]
    await assert_ledger_ok(sessions)


async def test_a_scan_is_recorded_once_per_idempotency_key(sessions) -> None:
    plan_id = await plan_at_bj01(sessions)
    results = await asyncio.gather(*(count(sessions, LI, plan_id, "BRK-0002-A", "10", "dup") for _ in range(10)))
    assert sum(not r.replayed for r in results) == 1
    assert len({r.entry.id for r in results}) == 1
    with pytest.raises(DomainError) as conflict:
        await count(sessions, LI, plan_id, "BRK-0002-A", "8", "dup")
    assert conflict.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(DomainError) as done:
        await count(sessions, LI, plan_id, "BRK-0002-A", "10", "another-key")
    assert done.value.code == ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as not_planned:
        await count(sessions, LI, plan_id, "BRK-0001-A", "1", "k-3")  # only a full count takes unplanned finds
    assert not_planned.value.code == ErrorCode.NOT_FOUND
    async with sessions() as s:
        assert len((await s.execute(select(CountEntry))).scalars().all()) == 1


async def test_cycle_and_sample_plans_choose_from_what_is_not_being_counted(sessions) -> None:
    first = await plan_at_bj01(sessions)
    assert len(await tasks(sessions, first)) == 3
    assert await tasks(sessions, await plan_at_bj01(sessions)) == {}  # all three are already in a plan
    cmd = CreatePlanCommand(CountKind.SAMPLE, "HQ", sample_fraction=Decimal("0.5"), seed=42)
    sample = await tx(sessions, service.create_plan, HQ, cmd)
    picked, _ = await tx(sessions, queries.list_tasks, HQ, TaskFilter(plan_id=sample.id), first=10)
    # Half of the 4 stocked SKU-locations outside S-BJ01 (the pads at S-BJ02, S-BJ03, S-TJ01, WH).
    assert len(picked) == 2 and sample.seed == 42
    assert {t.location_id for t in picked}.isdisjoint({t.location_id for t in (await tasks(sessions, first)).values()})
    with pytest.raises(DomainError) as bad:
        await tx(sessions, service.create_plan, HQ, CreatePlanCommand(CountKind.SAMPLE, "HQ", sample_fraction=2))
    assert bad.value.code == ErrorCode.INVALID_INPUT
