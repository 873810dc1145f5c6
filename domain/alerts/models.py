"""Alert tables.

`alert_rule` holds each business rule's thresholds and routing; `alert` one instance per rule ×
object while the condition holds (a unique partial index makes a second open alert for the same
object impossible, so evaluations may run concurrently or be retried); `alert_evaluation` records
each run and stamps the alerts it raised, resolved or escalated, which is how one outbox event per
rule and run finds its alerts. `notification` is the delivery queue of external channels (with
retries and the dead-letter status) and `user_notification` the in-app inbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base

_TS = DateTime(timezone=True)


class Severity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class AlertRule(Base):
    __tablename__ = "alert_rule"
    __table_args__ = (
        CheckConstraint(_in("severity", Severity), name="severity_valid"),
        CheckConstraint("escalate_after_hours >= 0", name="escalation_non_negative"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    severity: Mapped[str] = mapped_column(String(8))
    # Thresholds of this rule (days, pct, grace_days, ...); see domain.alerts.rules.DEFAULT_RULES.
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Functions (buyer, manager, warehouse_lead, finance, supplier, hq) notified when it fires.
    recipients: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    # 0 = never escalate an unacknowledged alert.
    escalate_after_hours: Mapped[int] = mapped_column(Integer, default=24)
    escalate_to: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    updated_by: Mapped[str] = mapped_column(String(200), default="system")
    updated_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now(), onupdate=func.now())


class AlertEvaluation(Base):
    __tablename__ = "alert_evaluation"
    __table_args__ = (
        CheckConstraint("status IN ('running','succeeded','failed')", name="status_valid"),
        CheckConstraint("kind IN ('full','changes','objects')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="running")
    actor: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(_TS)
    seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    # {rule: {"raised": n, "updated": n, "resolved": n}, "escalated": n, "scope": n}
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(_in("status", AlertStatus), name="status_valid"),
        CheckConstraint(_in("severity", Severity), name="severity_valid"),
        CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_iff_stamped"),
        # One unresolved alert per rule × object: evaluations insert with ON CONFLICT DO NOTHING.
        Index("uq_alert_unresolved", "rule", "object_key", unique=True, postgresql_where=text("resolved_at IS NULL")),
        Index("ix_alert_part_location", "part_id", "location_id", postgresql_where=text("resolved_at IS NULL")),
        Index("ix_alert_status_raised", "status", "raised_at"),
        Index("ix_alert_raised_in", "raised_in"),
        Index("ix_alert_resolved_in", "resolved_in", postgresql_where=text("resolved_in IS NOT NULL")),
        Index("ix_alert_escalated_in", "escalated_in", postgresql_where=text("escalated_in IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rule: Mapped[str] = mapped_column(ForeignKey("alert_rule.code"))
    # What the alert is about: "pl:<part>:<site>", "cv:<count variance>", "pol:<order line>".
    object_key: Mapped[str] = mapped_column(String(80))
    part_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"))
    # The site (store or warehouse) the alert belongs to: routing and visibility follow it.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(14), default=AlertStatus.OPEN.value)
    # The measured figures (available, safety stock, days late, ...) as of the last evaluation.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    raised_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    raised_in: Mapped[int] = mapped_column(ForeignKey("alert_evaluation.id"))
    last_seen_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(_TS)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(_TS)
    escalated_in: Mapped[int | None] = mapped_column(ForeignKey("alert_evaluation.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(_TS)
    resolved_in: Mapped[int | None] = mapped_column(ForeignKey("alert_evaluation.id"))


class NotificationTarget(Base):
    """Where a function (buyer, manager, ...) at a location subtree wants to hear about alerts: an
    e-mail address, a phone for SMS, a DingTalk/WeCom robot or a JSON webhook. A webhook may also
    subscribe to other outbox topics (`topics`, shell patterns such as "purchase_order.*")."""

    __tablename__ = "notification_target"
    __table_args__ = (
        CheckConstraint("channel IN ('email','sms','dingtalk','wecom','webhook')", name="channel_valid"),
        CheckConstraint(_in("min_severity", Severity), name="min_severity_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    function: Mapped[str | None] = mapped_column(String(32))
    # Subtree root the target cares about; NULL = the whole company.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(Text)
    # DingTalk signing secret or the HMAC key of a JSON webhook; never shown back.
    secret: Mapped[str | None] = mapped_column(Text)
    min_severity: Mapped[str] = mapped_column(String(8), default=Severity.LOW.value)
    rules: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))
    topics: Mapped[list[str] | None] = mapped_column(ARRAY(String(120)))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())


class Notification(Base):
    """One message to one recipient on one external channel, born from one outbox event."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient"),
        CheckConstraint(_in("status", DeliveryStatus), name="status_valid"),
        Index("ix_notification_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_notification_dead", "id", postgresql_where=text("status = 'dead'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)  # outbox_event.id (no FK: that table is purchasing's)
    topic: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(10))
    # Stable key of the recipient ("target:3", "contact:12") that makes the fan-out idempotent.
    recipient: Mapped[str] = mapped_column(String(120))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("notification_target.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.PENDING.value, server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    # A worker that claimed the row; another may take it over once this has passed (crash recovery).
    locked_until: Mapped[datetime | None] = mapped_column(_TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(_TS)


class UserNotification(Base):
    """The in-app inbox: written in the fan-out transaction itself, so it cannot fail separately."""

    __tablename__ = "user_notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_user_notification_user", "user_id", "id"),
        Index("ix_user_notification_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # app_user.id (identity's table; no FK so this context migrates on its own).
    user_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(120))
    rule: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    alert_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(_TS, server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(_TS)
