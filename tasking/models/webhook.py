"""Outgoing webhooks: an organisation's subscriptions and their deliveries."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db


class WebhookEvent(enum.StrEnum):
    TASK_CHANGED = "task.changed"
    COMMENT = "comment.posted"
    OVERDUE = "task.overdue"
    CHECKIN = "checkin.answered"
    MEETING_CLOSED = "meeting.closed"


class WebhookFormat(enum.StrEnum):
    #: Our own JSON, signed; for a city's own tools.
    JSON = "json"
    #: A message card Microsoft Teams shows as it is.
    TEAMS = "teams"
    SLACK = "slack"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Webhook(db.Model):
    """A URL an organisation's admins want told of some kinds of events."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    # Space-separated WebhookEvent values.
    events: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10), default=WebhookFormat.JSON.value)
    # Signs each delivery (HMAC-SHA256); kept readable because signing needs it.
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class WebhookDelivery(db.Model):
    """One event for one webhook, durable like an outbox row: written with its
    cause, sent by the scheduler, retried with back-off."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The same event is queued once (e.g. « task 12 overdue since 2026-11-30 »).
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_response: Mapped[str] = mapped_column(Text, default="")

    webhook: Mapped[Webhook] = relationship()
