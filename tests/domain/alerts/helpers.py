"""Shared steps of the alert and analytics tests: ids, stocking levels, moves, demand, principals of
the seeded users (tests/seed.py USERS) exactly as identity builds them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.identity.policy import ALL_SCOPES
from domain.identity.service import principal_for_user
from domain.principal import Principal
from domain.stock import ledger

Sessions = async_sessionmaker[AsyncSession]
SYSTEM = Principal.system("test")


async def ids(sessions: Sessions) -> dict[str, int]:
    """Location, part, supplier and user ids by code / username."""
    async with sessions() as s:
        rows = await s.execute(
            text(
                "SELECT code, id FROM location UNION ALL SELECT code, id FROM part "
                "UNION ALL SELECT code, id FROM supplier UNION ALL SELECT username, id FROM app_user"
            )
        )
        return {r.code: r.id for r in rows}


async def user(sessions: Sessions, username: str) -> Principal:
    found = await ids(sessions)
    async with sessions() as s:
        principal = await principal_for_user(s, found[username], scopes=ALL_SCOPES)
    assert principal is not None
    return principal


async def set_policy(
    sessions: Sessions, part: str, site: str, safety: str, reorder: str, maximum: str, rate: str | None = None
) -> None:
    """Stocking levels of a part at a site, and optionally its forecast daily rate."""
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                """
                INSERT INTO part_location_policy (part_id, location_id, safety_stock, reorder_point, max_stock, source)
                VALUES (:p, :l, :ss, :rop, :mx, 'manual')
                ON CONFLICT (part_id, location_id) DO UPDATE SET safety_stock = excluded.safety_stock,
                    reorder_point = excluded.reorder_point, max_stock = excluded.max_stock, updated_at = now()
                """
            ),
            {
                "p": found[part],
                "l": found[site],
                "ss": Decimal(safety),
                "rop": Decimal(reorder),
                "mx": Decimal(maximum),
            },
        )
        if rate is not None:
            run = (
                await s.execute(
                    text(
                        "INSERT INTO planning_run (as_of, status, series, suggestions, actor, finished_at) "
                        "VALUES (current_date - 1, 'succeeded', 0, 0, 'test', now() - interval '1 day') RETURNING id"
                    )
                )
            ).scalar_one()
            await s.execute(
                text(
                    """
                    INSERT INTO demand_forecast (part_id, location_id, run_id, daily_rate, lead_time_days, ltd_mean,
                                                 ltd_var, demand_class, routed)
                    VALUES (:p, :l, :r, :rate, 5, 0, 0, 'smooth', false)
                    ON CONFLICT (part_id, location_id) DO UPDATE SET daily_rate = excluded.daily_rate
                    """
                ),
                {"p": found[part], "l": found[site], "r": run, "rate": Decimal(rate)},
            )


async def move(
    sessions: Sessions,
    part: str,
    source: str,
    target: str,
    quantity: str,
    *,
    lot: str = "",
    cost: str | None = None,
    received_on: date | None = None,
) -> None:
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        await ledger.post(
            s,
            SYSTEM,
            ledger.Posting(
                doc_type="test",
                lines=[
                    ledger.MoveLine(
                        part_id=found[part],
                        from_location_id=found[source],
                        to_location_id=found[target],
                        quantity=Decimal(quantity),
                        lot_no=lot,
                        unit_cost=Decimal(cost) if cost else None,
                        received_on=received_on,
                    )
                ],
            ),
        )


async def age_stock(sessions: Sessions, part: str, location: str, days: int) -> None:
    """Pretend the last movement of a part at a location was `days` ago (balances and moves)."""
    found = await ids(sessions)
    when = datetime.now().astimezone() - timedelta(days=days)
    async with sessions() as s, s.begin():
        # Moves are immutable (a trigger refuses updates); a test may rewrite history without it.
        await s.execute(text("SET LOCAL session_replication_role = replica"))
        for table, column in (("stock_balance", "location_id"), ("stock_move", "to_location_id")):
            stamp = "last_move_at" if table == "stock_balance" else "created_at"
            await s.execute(
                text(f"UPDATE {table} SET {stamp} = :t WHERE part_id = :p AND {column} = :l"),
                {"t": when, "p": found[part], "l": found[location]},
            )


async def demand(sessions: Sessions, part: str, site: str, day: date, quantity: str, filled: str) -> None:
    found = await ids(sessions)
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO demand_event (part_id, location_id, occurred_on, quantity, filled, source) "
                "VALUES (:p, :l, :d, :q, :f, 'test')"
            ),
            {"p": found[part], "l": found[site], "d": day, "q": Decimal(quantity), "f": Decimal(filled)},
        )


async def scalar(sessions: Sessions, sql: str, **params: object) -> object:
    async with sessions() as s:
        return (await s.execute(text(sql), params)).scalar()


async def rows(sessions: Sessions, sql: str, **params: object) -> list[dict[str, object]]:
    async with sessions() as s:
        return [dict(r._mapping) for r in await s.execute(text(sql), params)]
