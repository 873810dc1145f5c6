"""Who is calling. Until the Identity issue lands the API serves loopback users as an HQ
operations principal with the whole company in scope; every service already takes the principal,
so tightening this is one function."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from domain.principal import Principal, PrincipalKind, Role

_OPEN_PRINCIPAL = Principal(
    kind=PrincipalKind.USER,
    name="local",
    roles=frozenset({Role.HQ_OPERATIONS}),
    location_paths=None,
)


async def principal_for(connection: HTTPConnection) -> Principal:
    return _OPEN_PRINCIPAL
