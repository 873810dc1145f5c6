"""A partner integrates as docs/auth.md says, against a real server: discover the endpoints,
obtain a token with client credentials, query stock; when the token expires it is refused."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from domain.identity import service as identity
from domain.principal import Principal

ROOT = Path(__file__).resolve().parents[2]
TTL = 3
STOCK = '{ part(code: "BRK-0001-A") { code stock { location { code } onHand } } }'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def uvicorn_server(db_url: str, **env: str) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db_url, "IMS_LOG_LEVEL": "WARNING", "IMS_OAUTH_ISSUER": base, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


async def test_partner_obtains_a_token_queries_stock_and_the_token_expires(db_url, sessions) -> None:
    async with sessions() as session, session.begin():
        client, secret = await identity.create_client(
            session, Principal.system("test"), identity.CreateClientCommand(name="DMS partner", scopes="stock:read")
        )
    assert secret is not None
    with uvicorn_server(db_url, IMS_CLIENT_TOKEN_TTL=str(TTL)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
            assert metadata["issuer"] == base
            issued = await http.post(
                metadata["token_endpoint"],
                data={"grant_type": "client_credentials", "scope": "stock:read"},
                auth=(client.client_id, secret),
            )
            assert issued.status_code == 200, issued.text
            token = issued.json()
            assert token["token_type"] == "Bearer" and token["expires_in"] == TTL
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            started = time.monotonic()

            answer = await http.post("/graphql", json={"query": STOCK}, headers=headers)
            assert answer.status_code == 200, answer.text
            stock = {s["location"]["code"]: s["onHand"] for s in answer.json()["data"]["part"]["stock"]}
            assert stock["S-BJ03"] == "30"

            await asyncio.sleep(max(0.0, TTL + 1.1 - (time.monotonic() - started)))
            expired = await http.post("/graphql", json={"query": STOCK}, headers=headers)
            assert expired.status_code == 401
            assert 'error="invalid_token"' in expired.headers["www-authenticate"]
            assert expired.json() == {"error": "invalid_token", "error_description": "the access token has expired"}
            introspected = await http.post(
                metadata["introspection_endpoint"],
                data={"token": token["access_token"]},
                auth=(client.client_id, secret),
            )
            assert introspected.json() == {"active": False}
