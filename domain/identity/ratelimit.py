"""Fixed-window rate limits kept in PostgreSQL, so every worker process and host counts together.

One upsert per request touches one small row per key (endpoint + IP, endpoint + client); the
counters commit on their own so refused and failed attempts count too."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_HIT = text(
    """
    INSERT INTO rate_limit_bucket (key, window_start, hits)
    SELECT k, :window_start, 1 FROM unnest(CAST(:keys AS text[])) AS k
    ON CONFLICT (key) DO UPDATE
       SET hits = CASE WHEN rate_limit_bucket.window_start = EXCLUDED.window_start
                       THEN rate_limit_bucket.hits + 1 ELSE 1 END,
           window_start = EXCLUDED.window_start
    RETURNING hits
    """
)
_PURGE = text("DELETE FROM rate_limit_bucket WHERE window_start < now() - interval '1 day'")


async def hit(session: AsyncSession, keys: Sequence[str], limit: int, window: int = 60) -> int | None:
    """Count one request against every key; returns seconds to wait when any key is over `limit`."""
    if limit <= 0 or not keys:
        return None
    now = time.time()
    start = int(now // window * window)
    rows = await session.execute(
        _HIT,
        {"keys": sorted({k[:200] for k in keys}), "window_start": datetime.fromtimestamp(start, UTC)},
    )
    if max(row.hits for row in rows) > limit:
        return max(1, int(start + window - now) + 1)
    return None


async def purge(session: AsyncSession) -> int:
    """Forget windows older than a day (called now and then; stale rows only cost disk)."""
    return (await session.execute(_PURGE)).rowcount or 0
