"""Reminders: due soon, overdue, and the escalation to the coordinators.

Rules, counted in days in the organisation's time zone:

- ``due:N`` for each N of the organisation's ``reminder_days`` ("7,1"): sent
  once the due date is N days away or less (the most recent rule that
  applies, so a task created three days before its due date gets the "7"
  reminder at once, then the "1" reminder);
- ``overdue:weekK``: on the first day past the due date (K = 0), then once a
  week (K = 1, 2 …), and never within ``OVERDUE_GAP`` of the last overdue
  reminder to that person about that task (whatever its week or due date:
  a first run on a task long overdue must not send week 1 today and week 2
  tomorrow);
- ``escalation``: once overdue by ``escalation_days``, to the organisation's
  admins too (with the same gap after an earlier escalation of that task).

Reminders go to the owner and, unless they turned it off, the collaborators.
They only land on a working day between 08:00 and 18:00 local time; what
falls on a weekend, a Québec holiday or the night waits for the next working
morning. Each send is a ``ReminderLog`` row (task × person × rule × due date),
an in-app notification and a line of the task's history; the unique row makes
a second run, or a second scheduler, send nothing.

A run writes an organisation's reminders in a few statements, whatever their
number: one INSERT … ON CONFLICT DO NOTHING RETURNING claims all of its rows
(only the rows this run wrote are reminded), then the notifications, the
history lines and the e-mails go in bulk (a first run over a whole province
records some 190,000 reminders).

A run sends each person one e-mail per organisation: the reminder itself
when there is one, else a list of their reminders of that run, by section,
the most urgent first, each task with its link and one-click actions. A
section lists at most ``LIST_LIMIT`` tasks and counts the rest, with a link
to where they all are: a first run over a plan long left alone would
otherwise mail dozens of tasks (and a hundred buttons) to one person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.core.calendar import in_working_hours
from tasking.core.claim import claim_rows
from tasking.core.clock import local_today
from tasking.core.permissions import remember_roles
from tasking.core.urls import external_url
from tasking.models import (
    Activity,
    Membership,
    Notification,
    Organisation,
    Plan,
    ReminderLog,
    Role,
    Task,
    TaskStatus,
    User,
)
from tasking.notifications import links
from tasking.notifications.preferences import channels_for
from tasking.notifications.services import available_actions, unsubscribe_headers
from tasking.notifications.text import JobLabels
from tasking.outbox.queue import insert_outbox, outbox_values

#: Least time between two overdue reminders (or two escalations) to one person about one task.
OVERDUE_GAP = timedelta(days=7)
#: The sections of a grouped e-mail, in order.
SECTIONS = ("due", "overdue", "escalation")
#: Longest list per section of a grouped e-mail.
LIST_LIMIT = 10


@dataclass
class Reminder:
    """One reminder claimed this run, waiting to be e-mailed."""

    task: Task
    rule: str
    kind: str  # notification kind: "due_soon" or "overdue"
    template: str  # the e-mail of a lone reminder
    key: str
    context: dict
    action_links: list[tuple[str, str]] = field(default_factory=list)
    user: User | None = None
    link: str = ""

    @property
    def section(self) -> str:
        return "escalation" if self.rule == "escalation" else "due" if self.kind == "due_soon" else "overdue"


@dataclass
class ReminderReport:
    """How many reminders were recorded, and how many of them became e-mails."""

    reminders: int = 0
    emails: int = 0

    def add(self, other: ReminderReport) -> None:
        self.reminders += other.reminders
        self.emails += other.emails

    def as_line(self) -> str:
        return f"queued={self.reminders} emails={self.emails}"


def reminder_days(organisation: Organisation) -> list[int]:
    """The organisation's "7,1" as [7, 1]; bad entries are ignored."""
    days = set()
    for part in (organisation.reminder_days or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) > 0:
            days.add(int(part))
    return sorted(days, reverse=True)


def due_rule(days_left: int, days: list[int]) -> str | None:
    """The due-soon rule in force ``days_left`` days before the due date."""
    applicable = [n for n in days if n >= days_left]
    if days_left < 0 or not applicable:
        return None
    return f"due:{min(applicable)}"


def family(rule: str) -> str | None:
    """The rules kept ``OVERDUE_GAP`` apart: "overdue" and "escalation"."""
    if rule.startswith("overdue:"):
        return "overdue"
    return "escalation" if rule == "escalation" else None


def overdue_rule(days_over: int) -> str:
    """``overdue:week0`` for days 1–7 past the due date, ``week1`` for 8–14 …"""
    return f"overdue:week{(days_over - 1) // 7}"


def reminder_key(task_id: int, user_id: int, rule: str, occurrence: date) -> str:
    return f"reminder:task{task_id}:user{user_id}:{rule}:{occurrence.isoformat()}"


def grouped_key(user_id: int, organisation_id: int, today: date, reminders: list[Reminder]) -> str:
    """The outbox key of a grouped e-mail: the same for the same reminders,
    so a job run twice cannot queue it twice."""
    digest = hashlib.sha256("\n".join(sorted(r.key for r in reminders)).encode()).hexdigest()[:16]
    return f"reminders:user{user_id}:org{organisation_id}:{today.isoformat()}:{digest}"


def _active_admins(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == Role.ADMIN.value,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def remind_organisation(session: Session, organisation: Organisation, *, now: datetime) -> ReminderReport:
    """Record and queue the reminders of one organisation due at ``now``.

    Flushes, never commits. Sends nothing outside working hours.
    """
    report = ReminderReport()
    if not in_working_hours(now, organisation.timezone):
        return report
    today = local_today(now, organisation.timezone)
    days = reminder_days(organisation)
    horizon = today + timedelta(days=max(days, default=0))
    tasks = session.scalars(
        select(Task)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.organisation_id == organisation.id,
            Plan.archived_at.is_(None),
            Task.archived_at.is_(None),
            Task.status != TaskStatus.DONE.value,
            Task.due_date.is_not(None),
            Task.due_date <= horizon,
        )
        .options(selectinload(Task.collaborators), selectinload(Task.owner))
        .order_by(Task.id)
    ).all()
    if not tasks:
        return report
    candidates = _candidates(session, organisation, tasks, today, days)
    claimed, notified = _claim(session, organisation, candidates, now)
    report.reminders = len(claimed)
    pending: dict[int, tuple[User, list[Reminder]]] = {}
    for reminder in notified:
        pending.setdefault(reminder.user.id, (reminder.user, []))[1].append(reminder)
    report.emails = _email(session, organisation, pending, today=today, now=now)
    session.flush()
    return report


def _candidates(
    session: Session, organisation: Organisation, tasks: list[Task], today: date, days: list[int]
) -> list[Reminder]:
    """Every reminder due today and not sent yet, nor kept back by ``OVERDUE_GAP``."""
    done, last_sent = _sent(session, [t.id for t in tasks])
    collaborator_ids = {u.id for t in tasks for u in t.collaborators}
    collab_channels = channels_for(session, collaborator_ids, "collab_reminders")
    escalation = organisation.escalation_days or 0
    admins = _active_admins(session, organisation.id) if escalation > 0 else []
    found: list[Reminder] = []

    def remind(task: Task, user: User, rule: str, kind: str, template: str, context: dict) -> None:
        if (task.id, user.id, rule, task.due_date) in done:
            return
        name = family(rule)
        last = last_sent.get((task.id, user.id, name)) if name else None
        if last is not None and today - local_today(last, organisation.timezone) < OVERDUE_GAP:
            return
        key = reminder_key(task.id, user.id, rule, task.due_date)
        found.append(Reminder(task, rule, kind, template, key, context, user=user))

    for task in tasks:
        days_left = (task.due_date - today).days
        if days_left >= 0:
            rule = due_rule(days_left, days)
            kind, template = "due_soon", "reminder_due"
        else:
            rule = overdue_rule(-days_left)
            kind, template = "overdue", "reminder_overdue"
        recipients: list[User] = []
        if task.owner is not None and task.owner.active:
            recipients.append(task.owner)
        recipients += [
            u
            for u in task.collaborators
            if u.active and u.id != task.owner_id and collab_channels.get(u.id) != "never"
        ]
        context = {"organisation": organisation, "days_left": days_left, "days_over": -days_left}
        if rule is not None:
            for user in recipients:
                remind(task, user, rule, kind, template, context)
        if days_left < 0 and escalation > 0 and -days_left >= escalation:
            for admin in admins:
                if admin.id != task.owner_id:
                    remind(task, admin, "escalation", "overdue", "reminder_escalation", context)
    return found


def _sent(session: Session, task_ids: list[int]) -> tuple[set, dict[tuple[int, int, str], datetime]]:
    """The reminders already sent about these tasks, and when the latest
    overdue reminder or escalation went to each person about each task."""
    done = set()
    last_sent: dict[tuple[int, int, str], datetime] = {}
    for task_id, user_id, rule, occurrence, sent_at in session.execute(
        select(
            ReminderLog.task_id,
            ReminderLog.user_id,
            ReminderLog.rule,
            ReminderLog.occurrence,
            ReminderLog.sent_at,
        ).where(ReminderLog.task_id.in_(task_ids))
    ):
        done.add((task_id, user_id, rule, occurrence))
        if (name := family(rule)) is not None:
            key = (task_id, user_id, name)
            last_sent[key] = max(sent_at, last_sent.get(key, sent_at))
    return done, last_sent


def _claim(
    session: Session, organisation: Organisation, candidates: list[Reminder], now: datetime
) -> tuple[list[Reminder], list[Reminder]]:
    """Claim the (task, person, rule, due date) rows in one statement; only
    the rows this run wrote are recorded (in-app notification, task history).
    Returns (the reminders claimed, those whose notification was new: the
    ones to e-mail)."""
    won = set(
        claim_rows(
            session,
            ReminderLog.__table__,
            [
                {
                    "task_id": r.task.id,
                    "user_id": r.user.id,
                    "rule": r.rule,
                    "occurrence": r.task.due_date,
                    "sent_at": now,
                }
                for r in candidates
            ],
            ReminderLog.task_id,
            ReminderLog.user_id,
            ReminderLog.rule,
        )
    )
    claimed = [r for r in candidates if (r.task.id, r.user.id, r.rule) in won]
    if not claimed:
        return [], []
    new_keys = {
        key
        for (key,) in claim_rows(
            session, Notification.__table__, _notifications(claimed, now), Notification.dedupe_key
        )
    }
    claim_rows(session, Activity.__table__, _history(organisation, claimed, now), Activity.id)
    return claimed, [r for r in claimed if r.key in new_keys]


def _notifications(claimed: list[Reminder], now: datetime) -> list[dict]:
    """The in-app notification of each reminder (its key: a second run writes none)."""
    return [
        {
            "user_id": r.user.id,
            "kind": r.kind,
            "task_id": r.task.id,
            "actor_id": None,
            "detail": r.task.due_date.isoformat(),
            "dedupe_key": r.key,
            "created_at": now,
        }
        for r in claimed
    ]


def _history(organisation: Organisation, claimed: list[Reminder], now: datetime) -> list[dict]:
    """A line of the task's history per reminder, as ``tasks.activity.record`` writes it."""
    return [
        {
            "organisation_id": organisation.id,
            "plan_id": r.task.plan_id,
            "task_id": r.task.id,
            "actor_id": None,
            "kind": "reminder",
            "field": r.rule,
            "old_value": None,
            "new_value": r.user.name,
            "created_at": now,
            "task_version": r.task.version,
        }
        for r in claimed
    ]


def _email(
    session: Session,
    organisation: Organisation,
    pending: dict[int, tuple[User, list[Reminder]]],
    *,
    today: date,
    now: datetime,
) -> int:
    """One e-mail per person for the reminders they want by e-mail at once:
    the reminder's own message when it is alone, else the grouped list. All
    of them go into the outbox in one statement; how many were new."""
    channels = {kind: channels_for(session, pending, kind) for kind in ("due_soon", "overdue")}
    remember_roles(session, pending)
    job_links, labels = links.JobLinks(), JobLabels()
    my_tasks = external_url("me.tasks")
    messages = []
    for user_id, (user, reminders) in pending.items():
        wanted = [r for r in reminders if channels[r.kind][user_id] == "immediate"]
        if not wanted:
            continue
        wanted.sort(key=lambda r: (r.task.due_date, r.task.id))
        sections = []
        for name in SECTIONS:
            found = [r for r in wanted if r.section == name]
            if not found:
                continue
            more = None
            if len(found) > LIST_LIMIT:
                plan_id = found[LIST_LIMIT].task.plan_id
                more = (
                    external_url("board.show", plan_id=plan_id, overdue=1)
                    if name == "escalation"
                    else my_tasks
                )
            sections.append((name, found, more))
            for reminder in found[:LIST_LIMIT]:
                task = reminder.task
                collaborating = any(u.id == user_id for u in task.collaborators)
                actions = available_actions(session, user, task, organisation.id, collaborating=collaborating)
                reminder.action_links = job_links.actions(user_id, task.id, actions)
                reminder.link = job_links.task(task.id)
        messages.append(_message(organisation, user, wanted, sections, labels, today=today, now=now))
    return insert_outbox(session, messages)


def _message(
    organisation: Organisation,
    user: User,
    wanted: list[Reminder],
    sections: list[tuple[str, list[Reminder], str | None]],
    labels: JobLabels,
    *,
    today: date,
    now: datetime,
) -> dict:
    """The outbox row of one person's reminders: the reminder's own message
    when it is alone, else the grouped list."""
    if len(wanted) == 1:
        [reminder] = wanted
        template, kind, key = reminder.template, reminder.kind, f"notification:{reminder.key}"
        context = {
            **reminder.context,
            "task": reminder.task,
            "rule": reminder.rule,
            "owner": reminder.task.owner,
            "task_link": reminder.link,
            "action_links": reminder.action_links,
        }
    else:
        template, key = "reminders", grouped_key(user.id, organisation.id, today, wanted)
        # Its unsubscribe link stops both kinds of reminder it is made of.
        kind = "reminders"
        context = {
            "organisation": organisation,
            "count": len(wanted),
            "labels": labels,
            "sections": sections,
            "list_limit": LIST_LIMIT,
        }
    return outbox_values(
        dedupe_key=key,
        kind=kind,
        user=user,
        template=template,
        now=now,
        organisation_id=organisation.id,
        headers=unsubscribe_headers(user, kind),
        unsubscribe_link=links.unsubscribe_url(user, kind),
        preferences_link=links.preferences_url(),
        **context,
    )
