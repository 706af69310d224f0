"""The durable e-mail outbox: a row per message, written in the same
transaction as its cause and delivered later by the sender."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Refuses a second copy of the same message (e.g. digest:user42:2026-W48).
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Extra headers as "Name: value" lines (List-Unsubscribe and friends).
    headers: Mapped[str] = mapped_column(Text, default="")
    # An iCalendar invitation (METHOD:REQUEST) sent as the message's
    # text/calendar part; None for an ordinary message.
    calendar: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(10), default="fr_CA")
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    # A sender claims a row for a while; a crashed sender's claim just expires.
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None]

    @property
    def retryable(self) -> bool:
        """Failed, or waiting after a failed attempt: a fresh message just waits its turn."""
        return self.status == OutboxStatus.FAILED.value or (
            self.status == OutboxStatus.PENDING.value and self.attempts > 0
        )

    def header_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.headers.splitlines():
            name, _, value = line.partition(":")
            if name.strip() and value.strip():
                pairs.append((name.strip(), value.strip()))
        return pairs
