"""One PostgreSQL LISTEN connection per API process, fanned out to the WebSocket subscribers.

The alert engine and the notification fan-out call pg_notify inside their transactions, so a
subscriber hears about an alert only once it is committed, from whichever process (worker or API
replica) raised it. Each subscriber has a bounded queue: a client too slow to read loses messages
rather than the process its memory (the inbox list still has everything)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from domain.db import sync_url

log = logging.getLogger("ims.hub")
QUEUE_SIZE = 100
_CLOSED = object()


class NotificationHub:
    def __init__(self, database_url: str) -> None:
        self.dsn = sync_url(database_url)
        self._conn: asyncpg.Connection | None = None
        self._listening: set[str] = set()
        self._queues: dict[str, set[asyncio.Queue[Any]]] = {}
        self._lock = asyncio.Lock()

    def _deliver(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        for queue in list(self._queues.get(channel, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)

    def _lost(self, _conn: object) -> None:
        log.warning("notification hub: LISTEN connection lost; subscribers must reconnect")
        self._conn = None
        self._listening.clear()
        for queues in self._queues.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(_CLOSED)

    async def _listen(self, channel: str) -> None:
        async with self._lock:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self.dsn, server_settings={"application_name": "ims-hub"})
                self._conn.add_termination_listener(self._lost)
                self._listening.clear()
            if channel not in self._listening:
                await self._conn.add_listener(channel, self._deliver)
                self._listening.add(channel)

    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._queues.setdefault(channel, set()).add(queue)
        try:
            await self._listen(channel)
            while True:
                message = await queue.get()
                if message is _CLOSED:
                    return
                yield message
        finally:
            self._queues.get(channel, set()).discard(queue)

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
        self._conn = None
