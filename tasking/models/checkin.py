"""The weekly check-in: a round per organisation and week, the answers
people give on their actions, and what each person was sent.

A respondent is a user or a partner contact (someone without an account):
answers and messages carry one of ``user_id`` and ``partner_contact_id``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import Organisation, User
    from tasking.models.task import PartnerContact, Task


class Health(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"
    BLOCKED = "blocked"
    DONE = "done"


class CheckinRound(db.Model):
    """One organisation's check-in for one week (the ISO week of the meeting).

    The unique key makes opening idempotent: a second run finds the row.
    ``closed_at`` is set when a coordinator closes the round early; otherwise
    the round closes by itself at ``closes_at``.
    """

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("organisation_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    opens_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()

    organisation: Mapped[Organisation] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.closed_at is None and self.opens_at <= now < self.closes_at


class CheckinAnswer(db.Model):
    """What one person said about one action. Every answer is kept; the
    latest of a task is "what was last said". ``round_id`` is empty for an
    update given while no round was open (signed in, from « Mes mises à jour »)."""

    __tablename__ = "checkin_answer"
    __table_args__ = (
        Index("ix_checkin_answer_task", "task_id", "created_at"),
        Index("ix_checkin_answer_round", "round_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_round.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # A partner's opinion: kept and shown, never the task's own status.
    partner_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_contact.id", ondelete="CASCADE"), index=True
    )
    # Empty only for « Rien de nouveau » on an action never reported on before.
    health: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    new_due_date: Mapped[date | None]
    due_date_reason: Mapped[str] = mapped_column(Text, default="")
    nothing_new: Mapped[bool] = mapped_column(default=False)
    # The task's version the form was built on (a later edit is a conflict).
    task_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column()

    task: Mapped[Task] = relationship()
    user: Mapped[User | None] = relationship()
    partner_contact: Mapped[PartnerContact | None] = relationship()


class CheckinMessageKind(enum.StrEnum):
    INVITATION = "invitation"
    NUDGE = "nudge"
    LATE = "late"


class CheckinMessage(db.Model):
    """One e-mail of a round to one person: the invitation, the coordinator's
    nudge and the late reminder, each at most once (the unique key is the claim)."""

    __tablename__ = "checkin_message"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "kind"),
        UniqueConstraint("round_id", "partner_contact_id", "kind", name="uq_checkin_message_partner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_round.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    partner_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_contact.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column()
