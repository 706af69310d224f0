"""The meeting in the participants' calendars.

When a meeting is prepared, its participants (the region's coordinators and
the admins of its municipalities) get an iCalendar invitation (METHOD:REQUEST)
through the outbox; when the region's slot moves, the prepared meeting that
has not been held moves with it and they get the update (same UID, SEQUENCE
bumped), which calendars apply to the event they already have. The meeting
also shows in each participant's calendar feed, under the same UID.
"""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parseaddr

import icalendar
from flask import current_app
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from tasking.core.clock import local_today
from tasking.core.urls import external_url
from tasking.exchange.calendar import meeting_event
from tasking.meetings.slots import monday_of, next_slot, slot_of_week
from tasking.models import Meeting, Membership, Organisation, OutboxMessage, Region, Role, User
from tasking.outbox.queue import queue


def invited_ids(region_id: int) -> Select:
    """The ids of a region's participants: its coordinators and the admins of its municipalities."""
    admins = (
        select(Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.region_id == region_id, Membership.role == Role.ADMIN.value)
    )
    coordinators = select(User.id).where(User.regional_region_id == region_id)
    return admins.union(coordinators)


def invitees(session: Session, region_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.id.in_(invited_ids(region_id))).order_by(User.id)
        )
    )


def invitation_ics(meeting: Meeting, user: User, *, now: datetime) -> str:
    """The invitation to ``user``: METHOD:REQUEST, the app as organiser and
    the recipient as the one attendee (the others' addresses stay private)."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Rétablir//Statutaire hebdomadaire//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    event = meeting_event(meeting, locale=user.locale, now=now)
    event.add("organizer", f"mailto:{address}", parameters={"CN": name or address})
    event.add(
        "attendee",
        f"mailto:{user.email}",
        parameters={"CN": user.name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"},
    )
    calendar.add_component(event)
    _add_timezone(calendar, meeting)
    return calendar.to_ical().decode()


def _add_timezone(calendar: icalendar.Calendar, meeting: Meeting) -> None:
    """The VTIMEZONE of the region's zone, around the meeting's year."""
    year = local_today(meeting.starts_at, meeting.region.timezone).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def invite(session: Session, *, meeting: Meeting, now: datetime) -> list[OutboxMessage]:
    """Queue the meeting's invitation (or its update, at a new SEQUENCE) to
    every participant; queuing the same sequence again sends nothing more."""
    region = meeting.region
    link = external_url("meetings.show", slug=region.slug, meeting_id=meeting.id)
    rows = []
    for user in invitees(session, region.id):
        row = queue(
            session,
            dedupe_key=f"invitation:meeting{meeting.id}:seq{meeting.sequence}:user{user.id}",
            kind="meeting_invitation",
            recipient=user.email,
            template="meeting_invitation",
            now=now,
            user=user,
            calendar=invitation_ics(meeting, user, now=now),
            meeting=meeting,
            region=region,
            link=link,
        )
        rows.append(row)
    return [row for row in rows if row is not None]


def _new_slot(session: Session, region: Region, meeting: Meeting, now: datetime) -> tuple[str, datetime]:
    """The meeting's slot under the region's settings: the same week's,
    unless that day is past (then the next slot, if no meeting holds it)."""
    week, starts_at = slot_of_week(region, monday_of(meeting.week))
    if local_today(starts_at, region.timezone) >= local_today(now, region.timezone):
        return week, starts_at
    week, starts_at = next_slot(region, now)
    taken = exists().where(Meeting.region_id == region.id, Meeting.week == week, Meeting.id != meeting.id)
    if session.scalar(select(taken)):
        return meeting.week, meeting.starts_at
    return week, starts_at


def follow_region_slot(session: Session, *, region: Region, now: datetime) -> list[OutboxMessage]:
    """After the region's slot changed: move its prepared meetings not held
    yet to the new slot, bump their SEQUENCE and queue the updated invitations."""
    meetings = session.scalars(
        select(Meeting).where(
            Meeting.region_id == region.id, Meeting.closed_at.is_(None), Meeting.starts_at > now
        )
    )
    rows: list[OutboxMessage] = []
    for meeting in meetings:
        week, starts_at = _new_slot(session, region, meeting, now)
        if (week, starts_at) == (meeting.week, meeting.starts_at):
            continue
        meeting.week, meeting.starts_at = week, starts_at
        meeting.sequence += 1
        session.flush()
        rows += invite(session, meeting=meeting, now=now)
    return rows
