"""Signed requests to the integration endpoints, and partner set-up."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.integration.service import set_partner
from domain.principal import Principal
from integrations.signing import signed_headers

SECRET = "s3cret-for-tests-0123456789"


async def add_partner(sessions: async_sessionmaker[AsyncSession], code: str, url: str | None = None) -> None:
    async with sessions() as session, session.begin():
        await set_partner(session, Principal.system("test"), code, SECRET, url)


async def signed_post(
    client: httpx.AsyncClient, path: str, payload: Any, secret: str = SECRET, now: float | None = None
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {**signed_headers(secret, body, now), "Content-Type": "application/json"}
    return await client.post(path, content=body, headers=headers)
