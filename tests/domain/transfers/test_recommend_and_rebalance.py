"""The recommender and the rebalancer fed from the database: inputs built from balances, policies
and distances; outputs mapped back; plans stored, reviewed and turned into transfer orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.stock.check import check_ledger
from domain.transfers import rebalancing, recommender, service

SYSTEM = Principal.system("nightly")
HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}))


async def _policy(sessions, rows: list[tuple[str, str, int, int, int]]) -> None:
    async with sessions() as s, s.begin():
        for part, site, safety, reorder, maximum in rows:
            await s.execute(
                text(
                    "INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, "
                    "source) SELECT p.id, l.id, :ss, :rop, :max, 'manual' FROM part p, location l "
                    "WHERE p.code = :part AND l.code = :site"
                ),
                {"part": part, "site": site, "ss": safety, "rop": reorder, "max": maximum},
            )


async def _recommend(sessions, quantity: int = 20, location: str = "S-BJ01"):
    async with sessions() as s:
        return await recommender.recommend_transfer(s, HQ, "BRK-0001-A", location, Decimal(quantity))


def _legs(option) -> list[tuple[str, Decimal]]:
    return [(leg.source.location_code, leg.quantity) for leg in option.legs]


async def test_brake_pad_example_from_the_database(sessions) -> None:
    found = await _recommend(sessions)
    assert [_legs(o) for o in found.options] == [
        [("S-BJ02", 15), ("S-BJ03", 5)],
        [("S-BJ03", 20)],
        [("WH", 20)],
    ]
    assert found.options[2].arrival_day == 1 and found.options[0].arrival_day == 0
    assert [o.total_cost for o in found.options] == sorted(o.total_cost for o in found.options)
    assert found.options[0].explanation.summary.startswith("Cheapest")
    assert found.sources["WH"].available == 200  # summed over the warehouse's bins


async def test_never_below_safety_stock_and_reserved_stock_is_not_offered(sessions) -> None:
    await _policy(sessions, [("BRK-0001-A", "S-BJ02", 10, 12, 20)])
    found = await _recommend(sessions)
    taken = {code: q for option in found.options for code, q in _legs(option)}
    assert taken.get("S-BJ02", 0) <= 5
    async with sessions() as s, s.begin():
        requested = await service.request_transfer(
            s, HQ, service.RequestTransfer("S-BJ03", "S-SH01", [service.PartQuantity("BRK-0001-A", Decimal(30))])
        )
        await service.approve_transfer(
            s, Principal(PrincipalKind.USER, "hq2", frozenset({Role.HQ_OPERATIONS})), requested.transfer.id
        )
    found = await _recommend(sessions)
    assert all(code != "S-BJ03" for option in found.options for code, _ in _legs(option))

    with pytest.raises(DomainError) as err:
        await _recommend(sessions, location="V-TRANSIT")
    assert err.value.code == ErrorCode.INVALID_LOCATION


async def test_rebalance_plan_review_and_conversion(sessions) -> None:
    await _policy(
        sessions,
        [
            ("FLT-0001-C", "S-BJ01", 5, 10, 20),  # 50 on hand: 30 above max
            ("FLT-0001-C", "S-BJ02", 2, 8, 16),  # none: 8 short of the reorder point
            ("FLT-0001-C", "S-BJ03", 2, 6, 12),  # none: 6 short
            ("BRK-0001-A", "S-BJ01", 0, 5, 10),  # none, and nobody has brake pads above max
        ],
    )
    async with sessions() as s, s.begin():
        # Tianjin's brake pads have not moved for 200 days: dead stock, free to go.
        await s.execute(
            text(
                "UPDATE stock_balance SET last_move_at = now() - interval '200 days' WHERE location_id = "
                "(SELECT id FROM location WHERE code = 'S-TJ01')"
            )
        )
        plan = await rebalancing.propose_rebalance_plan(s, SYSTEM, "HQ")
    assert plan.number.startswith("RB-") and plan.status == "proposed"
    async with sessions() as s:
        lanes = (await rebalancing.plan_lanes(s, [plan.id]))[plan.id]
        codes = dict((await s.execute(text("SELECT id, code FROM location"))).all())
    summary = sorted(
        (codes[x.lane.from_site_id], codes[x.lane.to_site_id], line.quantity, line.reason)
        for x in lanes
        for line in x.lines
    )
    assert summary == [
        ("S-BJ01", "S-BJ02", 8, "above_max"),
        ("S-BJ01", "S-BJ03", 6, "above_max"),
        ("S-TJ01", "S-BJ01", 5, "dead_stock"),
    ]
    assert plan.units_moved == 19 and plan.unmet_need == 0 and plan.total_cost == sum(x.lane.total_cost for x in lanes)

    to_bj03 = next(x for x in lanes if codes[x.lane.to_site_id] == "S-BJ03")
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await rebalancing.create_transfers_from_plan(
                s, Principal(PrincipalKind.USER, "m", frozenset({Role.STORE_MANAGER}), ("HQ/R-N/S-BJ01",)), plan.id
            )
    assert err.value.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
    async with sessions() as s, s.begin():
        done = await rebalancing.create_transfers_from_plan(
            s, HQ, plan.id, exclude_line_ids=[to_bj03.lines[0].id], idempotency_key="review-1"
        )
    assert len(done.transfers) == 2 and all(t.status == "approved" for t in done.transfers)
    assert all(t.requested_by == SYSTEM.actor and t.approved_by == HQ.actor for t in done.transfers)
    async with sessions() as s, s.begin():
        again = await rebalancing.create_transfers_from_plan(s, HQ, plan.id, idempotency_key="review-1")
    assert again.replayed and [t.id for t in again.transfers] == [t.id for t in done.transfers]
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await rebalancing.create_transfers_from_plan(s, HQ, plan.id)
    assert err.value.code == ErrorCode.INVALID_STATE

    # What is now on its way is not planned again; only the excluded lane remains.
    async with sessions() as s, s.begin():
        second = await rebalancing.propose_rebalance_plan(s, SYSTEM, "HQ")
        lanes = (await rebalancing.plan_lanes(s, [second.id])).get(second.id, [])
    assert [(codes[x.lane.from_site_id], codes[x.lane.to_site_id]) for x in lanes] == [("S-BJ01", "S-BJ03")]
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_plan_scope_and_rights(sessions) -> None:
    regional = Principal(PrincipalKind.USER, "rn", frozenset({Role.REGIONAL_MANAGER}), ("HQ/R-N",))
    async with sessions() as s, s.begin():
        plan = await rebalancing.propose_rebalance_plan(s, regional, "R-N")
    assert plan.shipments == 0
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await rebalancing.propose_rebalance_plan(s, regional, "HQ")
    assert err.value.code == ErrorCode.UNKNOWN_LOCATION
    with pytest.raises(DomainError) as err:
        async with sessions() as s, s.begin():
            await rebalancing.propose_rebalance_plan(s, HQ, "S-BJ01")
    assert err.value.code == ErrorCode.INVALID_LOCATION
