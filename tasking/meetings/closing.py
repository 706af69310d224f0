"""Closing a meeting: it becomes its minutes (compte rendu), e-mailed to the
participants through the outbox in the same transaction."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core import events
from tasking.core.errors import ServiceError
from tasking.core.urls import external_url
from tasking.meetings.invitation import invited_ids
from tasking.meetings.minutes import meeting_record
from tasking.models import Meeting, MeetingFollowUp, OutboxMessage, Task, User
from tasking.outbox.queue import queue


def participants(session: Session, meeting: Meeting) -> list[User]:
    """Who receives the minutes: the region's coordinators, the admins of
    its municipalities and the owners of the meeting's follow-ups."""
    owners = (
        select(Task.owner_id)
        .join(MeetingFollowUp, MeetingFollowUp.task_id == Task.id)
        .where(MeetingFollowUp.meeting_id == meeting.id)
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(invited_ids(meeting.region_id)) | User.id.in_(owners),
            )
            .order_by(User.id)
        )
    )


def close_meeting(session: Session, *, meeting: Meeting, actor: User, now: datetime) -> list[OutboxMessage]:
    """Close the meeting and queue its minutes to every participant."""
    if meeting.is_closed:
        raise ServiceError(_("This meeting is closed already."))
    meeting.closed_at = now
    meeting.closed_by_id = actor.id
    session.flush()
    record = meeting_record(session, meeting)
    link = external_url("meetings.show", slug=meeting.region.slug, meeting_id=meeting.id)
    rows = []
    for user in participants(session, meeting):
        row = queue(
            session,
            dedupe_key=f"minutes:meeting{meeting.id}:user{user.id}",
            kind="minutes",
            recipient=user.email,
            template="meeting_minutes",
            now=now,
            user=user,
            record=record,
            region=meeting.region,
            link=link,
            docx_link=external_url("meetings.minutes_docx", slug=meeting.region.slug, meeting_id=meeting.id),
        )
        rows.append(row)
    events.meeting_closed.send(None, session=session, actor=actor, now=now, meeting=meeting)
    return [row for row in rows if row is not None]
