"""Alert mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.alerts.types import (
    AcknowledgeAlertsInput,
    AcknowledgeAlertsPayload,
    Alert,
    AlertRule,
    EvaluateAlertsPayload,
    MarkNotificationsReadInput,
    MarkNotificationsReadPayload,
    NotificationTarget,
    RetryDeadLettersInput,
    RetryDeadLettersPayload,
    SaveNotificationTargetInput,
    SaveNotificationTargetPayload,
    UpdateAlertRuleInput,
    UpdateAlertRulePayload,
)
from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.relay import pk_or_none, to_global_id
from domain.alerts import service
from domain.alerts.engine import evaluate_alerts
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, ensure


def _pks(ids: list[strawberry.ID], type_name: str, field: str = "ids") -> list[int]:
    result = []
    for n, gid in enumerate(ids):
        pk = pk_or_none(gid, type_name)
        if pk is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"no such {type_name}", [field, str(n)])
        result.append(pk)
    return result


@strawberry.type
class AlertMutations:
    @strawberry.mutation(description="Acknowledge alerts: someone is on it, so they stop escalating.")
    async def acknowledge_alerts(
        self, info: Info[Context, None], input: AcknowledgeAlertsInput
    ) -> AcknowledgeAlertsPayload:
        try:
            ids = _pks(input.ids, "Alert")
            async with info.context.write() as session:
                rows = await service.acknowledge_alerts(session, info.context.principal, ids, input.note)
        except DomainError as error:
            return AcknowledgeAlertsPayload(alerts=[], errors=user_errors(error))
        return AcknowledgeAlertsPayload(alerts=[Alert.of(r) for r in rows], errors=[])

    @strawberry.mutation(description="Change a rule's thresholds, severity, routing or escalation.")
    async def update_alert_rule(self, info: Info[Context, None], input: UpdateAlertRuleInput) -> UpdateAlertRulePayload:
        try:
            if input.params is not None and not isinstance(input.params, dict):
                raise DomainError(ErrorCode.INVALID_INPUT, "params is an object", ["params"])
            change = service.RuleChange(
                code=input.code.value,
                enabled=input.enabled,
                severity=input.severity.value if input.severity else None,
                params=input.params,
                recipients=input.recipients,
                escalate_after_hours=input.escalate_after_hours,
                escalate_to=input.escalate_to,
            )
            async with info.context.write() as session:
                rule = await service.update_alert_rule(session, info.context.principal, change)
        except DomainError as error:
            return UpdateAlertRulePayload(rule=None, errors=user_errors(error))
        return UpdateAlertRulePayload(rule=AlertRule.of(rule), errors=[])

    @strawberry.mutation(description="Mark your in-app notifications read (or unread).")
    async def mark_notifications_read(
        self, info: Info[Context, None], input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        try:
            ids = _pks(input.ids, "InAppNotification") if input.ids is not None else None
            async with info.context.write() as session:
                changed = await service.mark_read(session, info.context.principal, ids, read=input.read)
                _, _, unread = await service.inbox(session, info.context.principal, unread_only=True, first=1)
        except DomainError as error:
            return MarkNotificationsReadPayload(changed=0, unread_count=0, errors=user_errors(error))
        return MarkNotificationsReadPayload(changed=changed, unread_count=unread, errors=[])

    @strawberry.mutation(description="Put dead letters back in the delivery queue with fresh attempts.")
    async def retry_dead_letters(
        self, info: Info[Context, None], input: RetryDeadLettersInput
    ) -> RetryDeadLettersPayload:
        try:
            ids = _pks(input.ids, "Notification")
            async with info.context.write() as session:
                requeued = await service.retry_dead_letters(session, info.context.principal, ids)
        except DomainError as error:
            return RetryDeadLettersPayload(requeued=0, errors=user_errors(error))
        return RetryDeadLettersPayload(requeued=requeued, errors=[])

    @strawberry.mutation(description="Create or change an e-mail, SMS, DingTalk, WeCom or webhook target.")
    async def save_notification_target(
        self, info: Info[Context, None], input: SaveNotificationTargetInput
    ) -> SaveNotificationTargetPayload:
        try:
            target_id = _pks([input.id], "NotificationTarget", "id")[0] if input.id else None
            async with info.context.write() as session:
                saved = await service.save_target(
                    session,
                    info.context.principal,
                    service.TargetInput(
                        id=target_id,
                        name=input.name,
                        channel=input.channel.value,
                        address=input.address,
                        function=input.function,
                        location_code=input.location_code,
                        secret=input.secret,
                        min_severity=input.min_severity.value,
                        rules=[r.value for r in input.rules] if input.rules else None,
                        topics=input.topics,
                        active=input.active,
                    ),
                )
        except DomainError as error:
            return SaveNotificationTargetPayload(target=None, errors=user_errors(error))
        return SaveNotificationTargetPayload(target=NotificationTarget.of(saved), errors=[])

    @strawberry.mutation(description="Evaluate every alert rule now (the worker also does it every 15 minutes).")
    async def evaluate_alerts(self, info: Info[Context, None]) -> EvaluateAlertsPayload:
        try:
            ensure(info.context.principal, Permission.SETTINGS_MANAGE)
        except DomainError as error:
            return EvaluateAlertsPayload(
                evaluation_id=None,
                raised=0,
                resolved=0,
                escalated=0,
                seconds=0,
                skipped=False,
                errors=user_errors(error),
            )
        result = await evaluate_alerts(info.context.request.app.state.engine, info.context.principal)
        return EvaluateAlertsPayload(
            evaluation_id=to_global_id("AlertEvaluation", result.evaluation_id) if result.evaluation_id else None,
            raised=result.raised,
            resolved=result.resolved,
            escalated=result.escalated,
            seconds=result.seconds,
            skipped=result.skipped,
            errors=[],
        )
