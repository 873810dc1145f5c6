"""Alert queries: alerts in your scope, rules, your inbox, and (admins) targets and dead letters."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.alerts.types import (
    Alert,
    AlertFilter,
    AlertRule,
    DeadLetter,
    InAppNotification,
    Inbox,
    InboxEdge,
    NotificationTarget,
)
from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.relay import Connection, connection, encode_cursor, int_cursor, page_size
from domain.alerts import service
from domain.errors import DomainError
from domain.identity.policy import Permission, can


@strawberry.type
class AlertQueries:
    @strawberry.field(description="Alerts of your sites, newest first (default: unresolved).")
    async def alerts(
        self,
        info: Info[Context, None],
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Alert]:
        size = page_size(first, info.context.settings.max_page_size)
        flt = filter or AlertFilter()
        try:
            async with info.context.read() as session:
                rows, has_next, total = await service.list_alerts(
                    session,
                    info.context.principal,
                    service.AlertFilter(
                        statuses=[s.value for s in flt.statuses] if flt.statuses else None,
                        rules=[r.value for r in flt.rules] if flt.rules else None,
                        min_severity=flt.min_severity.value if flt.min_severity else None,
                        location_code=flt.location_code,
                    ),
                    first=size,
                    after_id=int_cursor(after),
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([Alert.of(r) for r in rows], [str(r.id) for r in rows], has_next, after, total)

    @strawberry.field(description="The alert rules with their thresholds and routing.")
    async def alert_rules(self, info: Info[Context, None]) -> list[AlertRule]:
        try:
            async with info.context.read() as session:
                rules = await service.alert_rules(session, info.context.principal)
        except DomainError as error:
            raise PublicError(error.message) from None
        return [AlertRule.of(r) for r in rules]

    @strawberry.field(description="Your in-app notifications, newest first, with the unread count.")
    async def my_notifications(
        self,
        info: Info[Context, None],
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Inbox:
        size = page_size(first, info.context.settings.max_page_size)
        async with info.context.read() as session:
            items, has_next, unread = await service.inbox(
                session, info.context.principal, unread_only=unread_only, first=size, after_id=int_cursor(after)
            )
        edges = [InboxEdge(cursor=encode_cursor(str(i.id)), node=InAppNotification.of(i)) for i in items]
        return Inbox(
            edges=edges, has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None, unread_count=unread
        )

    @strawberry.field(description="Messages that failed every delivery attempt (administrators).")
    async def dead_letters(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[DeadLetter]:
        size = page_size(first, info.context.settings.max_page_size)
        try:
            async with info.context.read() as session:
                rows, has_next = await service.dead_letters(
                    session, info.context.principal, first=size, after_id=int_cursor(after)
                )
        except DomainError as error:
            raise PublicError(error.message) from None
        return connection([DeadLetter.of(r) for r in rows], [str(r.id) for r in rows], has_next, after)

    @strawberry.field(description="Configured e-mail, SMS, robot and webhook targets (administrators).")
    async def notification_targets(self, info: Info[Context, None]) -> list[NotificationTarget]:
        try:
            async with info.context.read() as session:
                rows = await service.list_targets(session, info.context.principal)
        except DomainError as error:
            raise PublicError(error.message) from None
        return [NotificationTarget.of(t) for t in rows]


ALERTS_NODE_TYPES = frozenset({"Alert", "InAppNotification"})


async def alerts_node(info: Info[Context, None], type_name: str, pk: int) -> Alert | InAppNotification | None:
    """`node(id:)` for alerts (only within your scope) and your own inbox items."""
    principal = info.context.principal
    async with info.context.read() as session:
        if type_name == "Alert":
            if not can(principal, Permission.STOCK_READ):
                return None
            found = (await service.alerts_by_ids(session, principal, [pk])).get(pk)
            return Alert.of(found) if found else None
        item = await service.inbox_item(session, principal, pk)
        return InAppNotification.of(item) if item else None
