"""GraphQL types of alerts and notifications."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.catalog.loaders import part_by_id, supplier_by_id
from api.graphql.catalog.types import Part, Supplier
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.org.loaders import location_by_id
from api.graphql.org.types import Location
from api.graphql.relay import Node, to_global_id
from domain.alerts import service
from domain.alerts.rules import RULES, RuleConfig


@strawberry.enum
class AlertRuleCode(Enum):
    STOCKOUT = "stockout"
    IMMINENT_STOCKOUT = "imminent_stockout"
    OVERSTOCK = "overstock"
    DEAD_STOCK = "dead_stock"
    COUNT_VARIANCE = "count_variance"
    SUPPLIER_LATE = "supplier_late"


@strawberry.enum
class AlertSeverity(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@strawberry.enum
class AlertStatus(Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@strawberry.enum(description="Where a notification goes.")
class NotificationChannel(Enum):
    EMAIL = "email"
    SMS = "sms"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    WEBHOOK = "webhook"


@strawberry.type(description="One rule × object in alert; resolved automatically when the condition clears.")
class Alert(Node):
    rule: AlertRuleCode
    severity: AlertSeverity
    status: AlertStatus
    message: str
    details: JSON = strawberry.field(description="The measured figures as of the last evaluation.")
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    escalation_level: int = strawberry.field(description="0, or how many times it was escalated unacknowledged.")
    resolved_at: datetime | None
    part_id: strawberry.Private[int | None]
    location_id: strawberry.Private[int | None]
    supplier_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, v: service.AlertView) -> Alert:
        return cls(
            id=to_global_id("Alert", v.id),
            rule=AlertRuleCode(v.rule),
            severity=AlertSeverity(v.severity),
            status=AlertStatus(v.status),
            message=v.message,
            details=JSON(v.details),
            raised_at=v.raised_at,
            acknowledged_by=v.acknowledged_by,
            acknowledged_at=v.acknowledged_at,
            escalation_level=v.escalation_level,
            resolved_at=v.resolved_at,
            part_id=v.part_id,
            location_id=v.location_id,
            supplier_id=v.supplier_id,
        )

    @strawberry.field
    async def part(self, info: Info[Context, None]) -> Part | None:
        if self.part_id is None:
            return None
        found = await part_by_id(info.context).load(self.part_id)
        return Part.from_model(found) if found else None

    @strawberry.field(description="The store or warehouse.")
    async def location(self, info: Info[Context, None]) -> Location | None:
        if self.location_id is None:
            return None
        found = await location_by_id(info.context).load(self.location_id)
        return Location.from_model(found) if found else None

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier | None:
        if self.supplier_id is None:
            return None
        found = await supplier_by_id(info.context).load(self.supplier_id)
        return Supplier.from_model(found) if found else None


@strawberry.input
class AlertFilter:
    statuses: list[AlertStatus] | None = strawberry.field(default=None, description="Default: open and acknowledged.")
    rules: list[AlertRuleCode] | None = None
    min_severity: AlertSeverity | None = None
    location_code: str | None = None


@strawberry.type(description="A business rule with its thresholds and who hears about it.")
class AlertRule:
    code: AlertRuleCode
    title: str
    title_zh: str
    enabled: bool
    severity: AlertSeverity
    params: JSON
    recipients: list[str] = strawberry.field(description="Functions: buyer, manager, warehouse_lead, finance, ...")
    escalate_after_hours: int
    escalate_to: list[str]

    @classmethod
    def of(cls, c: RuleConfig) -> AlertRule:
        d = RULES[c.code]
        return cls(
            code=AlertRuleCode(c.code),
            title=d.title,
            title_zh=d.title_zh,
            enabled=c.enabled,
            severity=AlertSeverity(c.severity.value),
            params=JSON({k: str(v) for k, v in c.params.items()}),
            recipients=list(c.recipients),
            escalate_after_hours=c.escalate_after_hours,
            escalate_to=list(c.escalate_to),
        )


@strawberry.type(description="An item of your in-app inbox (one per alert batch that concerns you).")
class InAppNotification(Node):
    topic: str
    rule: AlertRuleCode | None
    severity: AlertSeverity
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    alert_ids: list[strawberry.ID]

    @classmethod
    def of(cls, i: service.InboxItem) -> InAppNotification:
        return cls(
            id=to_global_id("InAppNotification", i.id),
            topic=i.topic,
            rule=AlertRuleCode(i.rule) if i.rule in RULES else None,
            severity=AlertSeverity(i.severity),
            title=i.title,
            body=i.body,
            created_at=i.created_at,
            read_at=i.read_at,
            alert_ids=[to_global_id("Alert", a) for a in i.alert_ids],
        )


@strawberry.type
class InboxEdge:
    cursor: str
    node: InAppNotification


@strawberry.type
class Inbox:
    edges: list[InboxEdge]
    has_next_page: bool
    end_cursor: str | None
    unread_count: int


@strawberry.type(description="A message that failed every attempt; retry it once the channel works again.")
class DeadLetter(Node):
    topic: str
    channel: NotificationChannel
    recipient: str
    address: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime

    @classmethod
    def of(cls, d: service.DeadLetter) -> DeadLetter:
        return cls(
            id=to_global_id("Notification", d.id),
            topic=d.topic,
            channel=NotificationChannel(d.channel),
            recipient=d.recipient,
            address=d.address,
            subject=d.subject,
            attempts=d.attempts,
            last_error=d.last_error,
            created_at=d.created_at,
        )


@strawberry.type(description="Where a function at a location hears about alerts (or a webhook about events).")
class NotificationTarget(Node):
    name: str
    channel: NotificationChannel
    address: str
    function: str | None
    location_id: strawberry.Private[int | None]
    has_secret: bool
    min_severity: AlertSeverity
    rules: list[AlertRuleCode] | None
    topics: list[str] | None
    active: bool

    @classmethod
    def of(cls, t: service.TargetView) -> NotificationTarget:
        return cls(
            id=to_global_id("NotificationTarget", t.id),
            name=t.name,
            channel=NotificationChannel(t.channel),
            address=t.address,
            function=t.function,
            location_id=t.location_id,
            has_secret=t.has_secret,
            min_severity=AlertSeverity(t.min_severity),
            rules=[AlertRuleCode(r) for r in t.rules] if t.rules else None,
            topics=t.topics,
            active=t.active,
        )

    @strawberry.field(description="Subtree the target covers; null for the whole company.")
    async def location(self, info: Info[Context, None]) -> Location | None:
        if self.location_id is None:
            return None
        found = await location_by_id(info.context).load(self.location_id)
        return Location.from_model(found) if found else None


@strawberry.enum
class AlertEventKind(Enum):
    RAISED = "raised"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


@strawberry.type(description="Alerts of one rule raised, resolved or escalated by one evaluation, in your scope.")
class AlertEvent:
    kind: AlertEventKind
    rule: AlertRuleCode
    count: int
    alerts: list[Alert] = strawberry.field(description="The first 20.")


# --- inputs and payloads ---


@strawberry.input
class AcknowledgeAlertsInput:
    ids: list[strawberry.ID]
    note: str | None = None


@strawberry.type
class AcknowledgeAlertsPayload:
    alerts: list[Alert]
    errors: list[UserError]


@strawberry.input
class UpdateAlertRuleInput:
    code: AlertRuleCode
    enabled: bool | None = None
    severity: AlertSeverity | None = None
    params: JSON | None = strawberry.field(default=None, description='Thresholds, e.g. {"days": 3}.')
    recipients: list[str] | None = None
    escalate_after_hours: int | None = None
    escalate_to: list[str] | None = None


@strawberry.type
class UpdateAlertRulePayload:
    rule: AlertRule | None
    errors: list[UserError]


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Omit to mark everything.")
    read: bool = True


@strawberry.type
class MarkNotificationsReadPayload:
    changed: int
    unread_count: int
    errors: list[UserError]


@strawberry.input
class RetryDeadLettersInput:
    ids: list[strawberry.ID]


@strawberry.type
class RetryDeadLettersPayload:
    requeued: int
    errors: list[UserError]


@strawberry.input
class SaveNotificationTargetInput:
    id: strawberry.ID | None = None
    name: str
    channel: NotificationChannel
    address: str = strawberry.field(description="E-mail, phone, or the robot/webhook URL (WeCom: with its key).")
    function: str | None = None
    location_code: str | None = None
    secret: str | None = strawberry.field(default=None, description="DingTalk signing secret or webhook HMAC key.")
    min_severity: AlertSeverity = AlertSeverity.LOW
    rules: list[AlertRuleCode] | None = None
    topics: list[str] | None = strawberry.field(default=None, description='Outbox topics, e.g. "purchase_order.*".')
    active: bool = True


@strawberry.type
class SaveNotificationTargetPayload:
    target: NotificationTarget | None
    errors: list[UserError]


@strawberry.type
class EvaluateAlertsPayload:
    evaluation_id: strawberry.ID | None
    raised: int
    resolved: int
    escalated: int
    seconds: float
    skipped: bool = strawberry.field(description="Another evaluation was running; nothing was done.")
    errors: list[UserError]
