"""What a meeting says, read once for its page, its minutes (compte rendu),
its Word file and its e-mail.

The minutes hold what was said in the meeting (items, notes, decisions,
follow-ups with owners and dates) and the attendance; never the drafted
specifics of a municipality's actions, which only the page shows, and only
to those who may read that municipality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.models import (
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingFollowUp,
    MeetingItem,
    Organisation,
    Task,
    TaskStatus,
    User,
)


@dataclass
class FollowUpLine:
    task_id: int
    title: str
    owner: str
    due_date: date | None
    status: str

    @property
    def done(self) -> bool:
        return self.status == TaskStatus.DONE.value


@dataclass
class ItemLine:
    item: MeetingItem
    show_detail: bool
    decisions: list[MeetingDecision] = field(default_factory=list)
    follow_ups: list[FollowUpLine] = field(default_factory=list)


@dataclass
class AttendanceLine:
    organisation_id: int
    name: str
    present: bool
    attendees: str
    staff: bool


@dataclass
class MeetingRecord:
    meeting: Meeting
    items: list[ItemLine]
    attendance: list[AttendanceLine]

    @property
    def follow_ups(self) -> list[FollowUpLine]:
        return [line for item in self.items for line in item.follow_ups]

    @property
    def decisions(self) -> list[MeetingDecision]:
        return [decision for item in self.items for decision in item.decisions]


def meeting_record(
    session: Session, meeting: Meeting, *, may_see: Callable[[int | None], bool] = lambda _org: False
) -> MeetingRecord:
    """The meeting's items with decisions and follow-ups, and its attendance,
    in a fixed number of queries."""
    items = session.scalars(
        select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting.id)
        .options(selectinload(MeetingItem.decisions))
        .order_by(MeetingItem.position, MeetingItem.id)
    ).all()
    follow_ups: dict[int, list[FollowUpLine]] = {}
    rows = session.execute(
        select(MeetingFollowUp.item_id, Task.id, Task.title, User.name, Task.due_date, Task.status)
        .join(Task, Task.id == MeetingFollowUp.task_id)
        .outerjoin(User, User.id == Task.owner_id)
        .where(MeetingFollowUp.meeting_id == meeting.id, Task.archived_at.is_(None))
        .order_by(Task.id)
    )
    for item_id, task_id, title, owner, due, status in rows:
        follow_ups.setdefault(item_id, []).append(FollowUpLine(task_id, title, owner or "—", due, status))
    lines = [
        ItemLine(
            item,
            show_detail=bool(item.detail) and may_see(item.organisation_id),
            decisions=list(item.decisions),
            follow_ups=follow_ups.get(item.id, []),
        )
        for item in items
    ]
    attendance = [
        AttendanceLine(org_id, name, present, attendees, staff is not None)
        for org_id, name, present, attendees, staff in session.execute(
            select(
                Organisation.id,
                Organisation.name,
                MeetingAttendance.present,
                MeetingAttendance.attendees,
                Organisation.staff_of_region_id,
            )
            .join(MeetingAttendance, MeetingAttendance.organisation_id == Organisation.id)
            .where(MeetingAttendance.meeting_id == meeting.id)
            .order_by(Organisation.staff_of_region_id.is_(None), Organisation.name)
        )
    ]
    return MeetingRecord(meeting, lines, attendance)
