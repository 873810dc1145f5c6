"""Partners and inbound idempotency.

Every inbound path names an external id. The first message under an id claims it (a unique row in
`inbound_message`) in the same transaction as its business effect, and stores its answer; a retry
gets that answer back, and the same id with a different payload is refused. Because the claim and
the effect commit together, a failure leaves nothing behind — not even the claim — so the sender
can simply retry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure
from domain.integration.models import InboundMessage, IntegrationPartner
from domain.principal import Principal


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def get_partner(session: AsyncSession, code: str) -> IntegrationPartner | None:
    partner = await session.get(IntegrationPartner, code)
    return partner if partner is not None and partner.active else None


async def set_partner(
    session: AsyncSession, principal: Principal, code: str, secret: str | None, url: str | None, active: bool = True
) -> IntegrationPartner:
    """Create or change a partner; the secret is kept unless a new one is given."""
    ensure(principal, Permission.SETTINGS_MANAGE)
    code = code.strip().lower()
    if not code or len(code) > 60:
        raise DomainError(ErrorCode.INVALID_INPUT, "a partner code of 1-60 characters is required", ["code"])
    if url is not None and url and not url.startswith(("http://", "https://")):
        raise DomainError(ErrorCode.INVALID_INPUT, "the URL must be http(s)", ["url"])
    partner = await session.get(IntegrationPartner, code, with_for_update=True)
    if partner is None:
        if not secret or len(secret) < 16:
            raise DomainError(ErrorCode.INVALID_INPUT, "a new partner needs a secret of 16+ characters", ["secret"])
        partner = IntegrationPartner(code=code, secret=secret, url=url or None, active=active)
        session.add(partner)
    else:
        if secret:
            if len(secret) < 16:
                raise DomainError(ErrorCode.INVALID_INPUT, "the secret must have 16+ characters", ["secret"])
            partner.secret = secret
        if url is not None:
            partner.url = url or None
        partner.active = active
    await session.flush()
    return partner


@dataclass(frozen=True)
class Claim:
    message_id: int | None
    replay: dict[str, Any] | None  # the stored answer when this is a retry

    @property
    def replayed(self) -> bool:
        return self.replay is not None


_CLAIM = text(
    """
    INSERT INTO inbound_message (source, external_id, request_hash, response)
    VALUES (:source, :external_id, :hash, '{}'::jsonb)
    ON CONFLICT (source, external_id) DO NOTHING RETURNING id
    """
)


async def claim_inbound(session: AsyncSession, source: str, external_id: str, payload: Any) -> Claim:
    external_id = (external_id or "").strip()
    if not 1 <= len(external_id) <= 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "an external id of 1-200 characters is required", ["externalId"])
    digest = payload_hash(payload)
    claimed = (
        await session.execute(_CLAIM, {"source": source, "external_id": external_id, "hash": digest})
    ).scalar_one_or_none()
    if claimed is not None:
        return Claim(claimed, None)
    existing = (
        await session.execute(
            select(InboundMessage).where(InboundMessage.source == source, InboundMessage.external_id == external_id)
        )
    ).scalar_one()
    if existing.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"external id {external_id} was already used for a different {source} message",
            ["externalId"],
        )
    return Claim(existing.id, dict(existing.response))


async def record_response(session: AsyncSession, claim: Claim, response: Mapping[str, Any]) -> None:
    if claim.message_id is not None and not claim.replayed:
        await session.execute(
            update(InboundMessage).where(InboundMessage.id == claim.message_id).values(response=dict(response))
        )
