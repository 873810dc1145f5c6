"""A process verifies a token's signature once (api/auth.py VerifiedTokens) but still refuses it the
moment it expires, and still reads the principal on every request."""

from __future__ import annotations

import asyncio

import pytest

from api.oauth.tokens import AccessTokenValidator
from domain.identity import service as identity
from domain.principal import Principal

QUERY = {"query": "{ me { name } }"}


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = AccessTokenValidator.verify

    def counting(self: AccessTokenValidator, token: str):  # type: ignore[no-untyped-def]
        seen.append(token)
        return original(self, token)

    monkeypatch.setattr(AccessTokenValidator, "verify", counting)
    return seen


async def test_signature_checked_once_principal_every_time(anon_client, sessions, tokens, verifications) -> None:
    async with sessions() as session, session.begin():
        client, _ = await identity.create_client(
            session, Principal.system("test"), identity.CreateClientCommand(name="cache", scopes="stock:read")
        )
    token = await tokens.client(client.client_id, "stock:read")
    bearer = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert (await anon_client.post("/graphql", json=QUERY, headers=bearer)).status_code == 200
    assert verifications == [token]
    # The principal is still read per request: revoking the client ends the cached token at once.
    async with sessions() as session, session.begin():
        await identity.revoke_client(session, Principal.system("test"), client.client_id)
    refused = await anon_client.post("/graphql", json=QUERY, headers=bearer)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_token"


async def test_a_cached_token_expires_on_time(anon_client, tokens, verifications) -> None:
    token = await tokens.user("staff.bj01", ttl=1)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await anon_client.post("/graphql", json=QUERY, headers=bearer)).status_code == 200
    await asyncio.sleep(1.2)
    expired = await anon_client.post("/graphql", json=QUERY, headers=bearer)
    assert expired.status_code == 401 and "expired" in expired.json()["error_description"]
    assert verifications == [token, token]  # the expired entry was dropped and the token verified again
