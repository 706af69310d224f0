"""Notifications: what happened to a user's tasks (shown in the app) and how
each user wants to hear about each kind of event by e-mail.

A ``Notification`` is always written (the bell and the list show it); the
``NotificationPreference`` rows only decide the e-mail: at once, in the weekly
digest, or never. A missing row means the default of ``DEFAULT_CHANNELS``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import User
    from tasking.models.task import Task

#: Events a user hears about, in the app and by e-mail.
KINDS = ("assigned", "status", "comment", "mention", "due_soon", "overdue")
#: How the e-mail for a kind goes out.
CHANNELS = ("immediate", "digest", "never")
#: Default e-mail channel of each kind when the user has not chosen.
DEFAULT_CHANNELS = {
    "assigned": "immediate",
    "mention": "immediate",
    "due_soon": "immediate",
    "overdue": "immediate",
    "status": "digest",
    "comment": "digest",
}

#: On/off options stored in the same table, channel "immediate" (on) or
#: "never" (off), default on: reminders about tasks I only collaborate on,
#: the weekly personal digest, the regional weekly digest.
SWITCHES = ("collab_reminders", "weekly_digest", "regional_digest")
SWITCH_CHANNELS = ("immediate", "never")
for _switch in SWITCHES:
    DEFAULT_CHANNELS[_switch] = "immediate"


class Notification(db.Model):
    """One event shown to one user. ``detail`` holds what the message needs
    besides task and actor (the new status, a comment excerpt, a due date…);
    the text is composed at display time, in the reader's language."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    # Given by callers that may run twice (reminders): the second run writes nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    task: Mapped[Task | None] = relationship()


class NotificationPreference(db.Model):
    """A user's e-mail channel for one kind (or one switch of ``SWITCHES``)."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column()


class UsedTaskLink(db.Model):
    """A one-click task link of an e-mail that has acted: it acts once only,
    and a second visit shows what it did, by whom and when. Only the token's
    SHA-256 is kept: the row cannot be turned back into a working link."""

    __tablename__ = "used_task_link"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship()
    task: Mapped[Task] = relationship()
