"""Alert subscriptions over WebSocket (graphql-transport-ws): alert batches in your scope as
evaluations commit them, and your in-app notifications as they arrive."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.graphql.alerts.types import Alert, AlertEvent, AlertEventKind, AlertRuleCode, InAppNotification
from api.graphql.context import Context
from api.graphql.errors import PublicError
from domain.alerts import service
from domain.alerts.engine import NOTIFY_CHANNEL
from domain.alerts.notify import INBOX_CHANNEL
from domain.identity.policy import Permission, can


def _hub(info: Info[Context, None]):  # type: ignore[no-untyped-def]
    return info.context.request.app.state.notification_hub


@strawberry.type
class AlertSubscriptions:
    @strawberry.subscription(
        description="Alerts raised, resolved or escalated in your scope, one event per rule and run."
    )
    async def alert_events(
        self, info: Info[Context, None], rules: list[AlertRuleCode] | None = None
    ) -> AsyncGenerator[AlertEvent, None]:
        principal = info.context.principal
        if not can(principal, Permission.STOCK_READ):
            raise PublicError("you are not allowed to follow alerts")
        wanted = {r.value for r in rules} if rules else None
        async for message in _hub(info).subscribe(NOTIFY_CHANNEL):
            rule, kind = str(message.get("rule")), str(message.get("kind"))
            if wanted is not None and rule not in wanted:
                continue
            async with info.context.read() as session:
                alerts, count = await service.batch_alerts(
                    session, principal, int(message["evaluation_id"]), rule, kind
                )
            if count:
                yield AlertEvent(
                    kind=AlertEventKind(kind),
                    rule=AlertRuleCode(rule),
                    count=count,
                    alerts=[Alert.of(a) for a in alerts],
                )

    @strawberry.subscription(description="Your in-app notifications as they arrive.")
    async def notification_received(self, info: Info[Context, None]) -> AsyncGenerator[InAppNotification, None]:
        principal = info.context.principal
        if principal.user_id is None:
            raise PublicError("only signed-in users have an inbox")
        async for message in _hub(info).subscribe(INBOX_CHANNEL):
            if message.get("user_id") != principal.user_id:
                continue
            async with info.context.read() as session:
                item = await service.inbox_item(session, principal, int(message["id"]))
            if item is not None:
                yield InAppNotification.of(item)
