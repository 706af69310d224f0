"""The region's weekly meeting (statutaire hebdomadaire): its agenda, who
attended, what was noted and decided, and the follow-ups it assigned."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import Organisation, Region, User
    from tasking.models.task import Task


class MeetingItemKind(enum.StrEnum):
    FOLLOW_UP = "follow_up"  # an open follow-up of an earlier meeting
    HELP = "help"  # a municipality's actions that need the region
    ROUND = "round"  # a municipality's turn of the round table
    OTHER = "other"  # added by the coordinator


#: How long a meeting is taken to last (its calendar event).
MEETING_LENGTH = timedelta(hours=1, minutes=30)


class Meeting(db.Model):
    """One weekly meeting of a region, from its agenda to its minutes.

    ``starts_at`` is naive UTC; ``sequence`` is the iCalendar SEQUENCE of its
    invitation, bumped when the slot moves. Closed meetings are the minutes.
    """

    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("region_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column()
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    region: Mapped[Region] = relationship()
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", order_by="MeetingItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + MEETING_LENGTH


class MeetingItem(db.Model):
    """A line of the agenda, with the note taken on it during the meeting."""

    __tablename__ = "meeting_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default=MeetingItemKind.OTHER.value)
    title: Mapped[str] = mapped_column(Text)
    # Drafted specifics (e.g. the titles of a municipality's blocked actions):
    # shown only to people who may read ``organisation_id``.
    detail: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    # The follow-up task a FOLLOW_UP item reviews.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    struck: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column()

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    organisation: Mapped[Organisation | None] = relationship()
    task: Mapped[Task | None] = relationship()
    decisions: Mapped[list[MeetingDecision]] = relationship(
        back_populates="item", order_by="MeetingDecision.id", cascade="all, delete-orphan"
    )
    follow_ups: Mapped[list[MeetingFollowUp]] = relationship(
        back_populates="item", order_by="MeetingFollowUp.task_id"
    )


class MeetingAttendance(db.Model):
    """Whether a municipality (or the region's staff) attended, and who came."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    present: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    organisation: Mapped[Organisation] = relationship()


class MeetingDecision(db.Model):
    __tablename__ = "meeting_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()

    item: Mapped[MeetingItem] = relationship(back_populates="decisions")
    author: Mapped[User | None] = relationship()


class MeetingFollowUp(db.Model):
    """A task of the regional plan decided in a meeting, on one of its items."""

    __tablename__ = "meeting_follow_up"

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_item.id", ondelete="SET NULL"))

    task: Mapped[Task] = relationship()
    meeting: Mapped[Meeting] = relationship()
    item: Mapped[MeetingItem | None] = relationship(back_populates="follow_ups")
