"""The server under real processes: several workers share nothing in memory, and a `kill -9`
during a write load loses no acknowledged write and leaves nothing half-written."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx
from sqlalchemy import text

from domain.stock.check import check_ledger
from tests.e2e.conftest import live_server

MOVE = """mutation($input: MoveStockInput!) { moveStock(input: $input) { move { id } replayed errors { code } } }"""


def _move(key: str, src: str, dst: str) -> dict:
    return {
        "query": MOVE,
        "variables": {
            "input": {
                "partCode": "BRK-0001-A",
                "fromLocationCode": src,
                "toLocationCode": dst,
                "quantity": "1",
                "idempotencyKey": key,
            }
        },
    }


async def test_two_workers_serve_one_ledger(db_url, sessions, tokens) -> None:
    auth = {"Authorization": f"Bearer {await tokens.user('hq.ops')}"}
    with live_server(db_url, workers=2) as (base, _):
        async with httpx.AsyncClient(base_url=base, timeout=10, headers=auth) as client:
            keys = [uuid.uuid4().hex for _ in range(60)]
            responses = await asyncio.gather(
                *(client.post("/graphql", json=_move(k, "WH-A-01-01", "S-BJ01")) for k in keys),
                # The same keys again: whichever worker answers, the replay returns the first move.
                *(client.post("/graphql", json=_move(k, "WH-A-01-01", "S-BJ01")) for k in keys),
            )
    bodies = [r.json()["data"]["moveStock"] for r in responses]
    assert all(b["errors"] == [] for b in bodies)
    first, second = bodies[:60], bodies[60:]
    assert [b["move"]["id"] for b in first] == [b["move"]["id"] for b in second]
    async with sessions() as s:
        moved = (await s.execute(text("SELECT count(*) FROM stock_posting WHERE doc_type = 'manual_move'"))).scalar()
        assert moved == 60
        assert await check_ledger(s) == []


async def test_kill_9_during_writes_loses_no_acknowledged_write(db_url, sessions, tokens) -> None:
    acknowledged: list[str] = []
    auth = {"Authorization": f"Bearer {await tokens.user('hq.ops')}"}
    with live_server(db_url) as (base, proc):
        async with httpx.AsyncClient(base_url=base, timeout=5, headers=auth) as client:

            async def writer(n: int) -> None:
                src, dst = ("S-TJ01", "S-BJ01") if n % 2 else ("WH-A-01-01", "S-BJ02")
                while True:
                    key = uuid.uuid4().hex
                    try:
                        response = await client.post("/graphql", json=_move(key, src, dst))
                    except httpx.HTTPError:
                        return
                    if response.status_code == 200 and response.json()["data"]["moveStock"]["errors"] == []:
                        acknowledged.append(key)

            tasks = [asyncio.create_task(writer(n)) for n in range(8)]
            await asyncio.sleep(1.5)
            os.killpg(proc.pid, signal.SIGKILL)
            await asyncio.gather(*tasks)
    assert len(acknowledged) > 10
    async with sessions() as s:
        found = set(
            (
                await s.execute(
                    text("SELECT idempotency_key FROM stock_posting WHERE idempotency_key = ANY(:k)"),
                    {"k": acknowledged},
                )
            ).scalars()
        )
        assert found == set(acknowledged)
        assert await check_ledger(s) == []
    # And the server starts again on the same database.
    with live_server(db_url) as (base, _):
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/readyz")).json()["status"] == "ready"
