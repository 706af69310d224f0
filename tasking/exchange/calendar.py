"""A personal calendar feed (iCalendar) of the due dates of one's tasks and
of the weekly meetings one takes part in.

Outlook and Google Calendar subscribe to ``/calendar/<token>.ics`` without
signing in, so the token is the secret: random, unique, revocable, and
replaced when regenerated. Done tasks leave the feed (a subscribed calendar
shows what remains to do); archived tasks and plans too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse

import icalendar
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tasking.core.clock import local_today, to_local
from tasking.core.templating import of_place
from tasking.core.urls import external_url
from tasking.exchange.tasksheet import french_labels
from tasking.models import (
    Meeting,
    Membership,
    OperationalObjective,
    Organisation,
    Plan,
    Role,
    Task,
    TaskStatus,
    User,
)
from tasking.models.task import task_collaborators

TIMEZONE = "America/Montreal"
#: How far back the feed shows the weekly meetings already held.
FEED_HISTORY = timedelta(weeks=12)


def create_token(session: Session, *, user: User) -> str:
    """Give ``user`` a new feed token; any previous one stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    session.flush()
    return user.calendar_token


def revoke_token(session: Session, *, user: User) -> None:
    """The feed URL stops working."""
    user.calendar_token = None
    session.flush()


def user_for_token(session: Session, token: str) -> User | None:
    """The active user this feed token belongs to, or None."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(User).where(User.calendar_token == token, User.active.is_(True)))


def feed_tasks(session: Session, user: User) -> list[Task]:
    """Open tasks with a due date that ``user`` owns or helps with, in the
    organisations they still belong to."""
    collaborating = select(task_collaborators.c.task_id).where(task_collaborators.c.user_id == user.id)
    organisations = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return list(
        session.scalars(
            select(Task)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                or_(Task.owner_id == user.id, Task.id.in_(collaborating)),
                Task.due_date.is_not(None),
                Task.status != TaskStatus.DONE.value,
                Task.archived_at.is_(None),
                Plan.archived_at.is_(None),
                Plan.organisation_id.in_(organisations),
            )
            .options(
                selectinload(Task.plan),
                selectinload(Task.objective).selectinload(OperationalObjective.theme),
            )
            .order_by(Task.due_date, Task.id)
        )
    )


def _host() -> str:
    return urlparse(current_app.config["APP_BASE_URL"]).hostname or "retablir"


def meeting_uid(meeting: Meeting) -> str:
    """The event's UID: the same in every invitation, update and feed."""
    return f"meeting-{meeting.id}@{_host()}"


def meeting_event(meeting: Meeting, *, locale: str, now: datetime) -> icalendar.Event:
    """The meeting as a calendar event, in the region's time zone."""
    region = meeting.region
    start, end = (to_local(instant, region.timezone) for instant in (meeting.starts_at, meeting.ends_at))
    link = external_url("meetings.show", slug=region.slug, meeting_id=meeting.id)
    with force_locale(locale):
        summary = _("Weekly meeting %(of_region)s", of_region=of_place(region.name))
        description = _("The agenda and, once the meeting is closed, its minutes: %(link)s", link=link)
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("dtstamp", now.replace(tzinfo=UTC))
    event.add("url", link)
    event.add("description", description)
    event.add("status", "CONFIRMED")
    return event


def feed_meetings(session: Session, user: User, now: datetime) -> list[Meeting]:
    """The meetings of the regions ``user`` takes part in, from
    ``FEED_HISTORY`` ago on, for their calendar feed."""
    admin_regions = (
        select(Organisation.region_id)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Membership.role == Role.ADMIN.value)
    )
    regions = Meeting.region_id.in_(admin_regions)
    if user.regional_region_id is not None:
        regions = regions | (Meeting.region_id == user.regional_region_id)
    return list(
        session.scalars(
            select(Meeting)
            .where(regions, Meeting.starts_at >= now - FEED_HISTORY)
            .options(selectinload(Meeting.region))
            .order_by(Meeting.starts_at)
        )
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def build_feed(session: Session, *, user: User, base_url: str, now: datetime) -> bytes:
    """The iCalendar text: one all-day event per open task on its due date,
    and the weekly meetings of the user's region."""
    statuses, _ = french_labels()
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "retablir"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Rétablir//Calendrier des échéances//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Rétablir – {user.name}")
    calendar.add("x-wr-timezone", TIMEZONE)
    today = local_today(now, TIMEZONE)
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            TIMEZONE, first_date=date(today.year - 1, 1, 1), last_date=date(today.year + 3, 1, 1)
        )
    )
    for task in feed_tasks(session, user):
        url = external_url("tasks.show", task_id=task.id)
        theme = task.objective.theme
        event = icalendar.Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("summary", task.title)
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
        event.add("dtstamp", _utc(now))
        event.add("last-modified", _utc(task.updated_at))
        event.add("url", url)
        role = "Responsable" if task.owner_id == user.id else "Collaborateur"
        event.add(
            "description",
            "\n".join(
                [
                    f"Plan : {task.plan.title}",
                    f"Enjeu : {theme.title}",
                    f"Objectif : {task.objective.title}",
                    f"Statut : {statuses.get(task.status, task.status)}",
                    f"Rôle : {role}",
                    url,
                ]
            ),
        )
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    # The region's weekly meetings, under their invitations' UID and SEQUENCE.
    for meeting in feed_meetings(session, user, now):
        calendar.add_component(meeting_event(meeting, locale=user.locale, now=now))
    calendar.add_missing_timezones(
        first_date=date(today.year - 1, 1, 1), last_date=date(today.year + 3, 1, 1)
    )
    return calendar.to_ical()
