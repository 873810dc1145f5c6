"""DataLoaders for locations."""

from __future__ import annotations

from collections.abc import Sequence

from api.graphql.context import Context
from domain.org import service
from domain.org.models import Location


async def _locations(ctx: Context, ids: Sequence[int]) -> list[Location | None]:
    async with ctx.read() as session:
        found = await service.locations_by_ids(session, ids)
    return [found.get(i) for i in ids]


def location_by_id(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("LocationByIdLoader", _locations)
