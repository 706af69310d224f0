"""A personal calendar feed (iCalendar) of the due dates of one's tasks.

Outlook and Google Calendar subscribe to ``/calendar/<token>.ics`` without
signing in, so the token is the secret: random, unique, revocable, and
replaced when regenerated. Done tasks leave the feed (a subscribed calendar
shows what remains to do); archived tasks and plans too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import icalendar
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tasking.core.clock import local_today
from tasking.core.urls import external_url
from tasking.exchange.tasksheet import french_labels
from tasking.models import Membership, OperationalObjective, Plan, Task, TaskStatus, User
from tasking.models.task import task_collaborators

TIMEZONE = "America/Montreal"


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


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def build_feed(session: Session, *, user: User, base_url: str, now: datetime) -> bytes:
    """The iCalendar text: one all-day event per open task on its due date."""
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
    return calendar.to_ical()
