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

A run writes the reminders of a step of organisations in a few statements,
whatever their number: one INSERT … ON CONFLICT DO NOTHING RETURNING claims
all of its rows (only the rows this run wrote are reminded), then the
notifications, the history lines and the e-mails go in bulk (a first run
over a whole province records some 190,000 reminders).

A person reminded twice about one task in a run (a collaborator who is
also a coordinator: overdue and escalation) gets one notification about it,
the one about their own part. Each person gets one e-mail per organisation
(``reminder_mail``).

The tasks of a run are read as plain rows, not ORM objects: a first run
over a province reads 165,000 tasks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from tasking.core.calendar import in_working_hours
from tasking.core.claim import claim_rows
from tasking.core.clock import local_today
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
    task_collaborators,
)
from tasking.notifications.preferences import channels_of
from tasking.notifications.text import ESCALATED
from tasking.scheduling.reminder_mail import Wording, email_reminders

#: Least time between two overdue reminders (or two escalations) to one person about one task.
OVERDUE_GAP = timedelta(days=7)
#: The e-mail of a lone reminder, by notification kind (a coordinator's: "reminder_escalation").
TEMPLATES = {"due_soon": "reminder_due", "overdue": "reminder_overdue"}


@dataclass
class Reminder:
    """One reminder claimed this run, waiting to be e-mailed. ``task`` is a
    row of ``TASK_COLUMNS``; ``role`` says why ``user`` hears of it: "owner",
    "collaborator" or "coordinator" (an escalation)."""

    task: Row
    rule: str
    kind: str  # notification kind: "due_soon" or "overdue"
    template: str  # the e-mail of a lone reminder
    key: str
    role: str = "owner"
    user: User | None = None
    days_left: int = 0

    @property
    def days_over(self) -> int:
        return -self.days_left


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


#: What a run reads of each task (and what the e-mails show of it).
TASK_COLUMNS = (
    Task.id,
    Task.plan_id,
    Plan.organisation_id,
    Task.title,
    Task.status,
    Task.blocked_reason,
    Task.due_date,
    Task.owner_id,
    Task.version,
    Task.archived_at,
)


@dataclass
class Rules:
    """An organisation's reminder rules on the run's day (its ``today``)."""

    organisation: Organisation
    today: date
    days: list[int]
    escalation: int

    @classmethod
    def of(cls, organisation: Organisation, now: datetime) -> Rules:
        today = local_today(now, organisation.timezone)
        return cls(organisation, today, reminder_days(organisation), organisation.escalation_days or 0)

    @property
    def horizon(self) -> int:
        """How many days ahead a due date is reminded of."""
        return max(self.days, default=0)

    @property
    def last_day(self) -> date:
        """The last due date reminded of today."""
        return self.today + timedelta(days=self.horizon)


@dataclass
class Scope:
    """The open tasks of some organisations due by their horizons, their
    collaborators (task id → user ids), everyone concerned (id → user),
    the admins of each organisation that escalates (organisation id → user
    ids) and everyone's channels for the reminders (kind → user id → channel)."""

    tasks: list[Row]
    collaborators: dict[int, list[int]]
    people: dict[int, User]
    admins: dict[int, list[int]]
    channels: dict[str, dict[int, str]]


def _scope(session: Session, rules: dict[int, Rules]) -> Scope:
    last = max(r.last_day for r in rules.values())
    tasks = [
        task
        for task in session.execute(
            select(*TASK_COLUMNS)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Plan.organisation_id.in_(rules),
                Plan.archived_at.is_(None),
                Task.archived_at.is_(None),
                Task.status != TaskStatus.DONE.value,
                Task.due_date.is_not(None),
                Task.due_date <= last,
            )
            .order_by(Task.id)
        )
        if task.due_date <= rules[task.organisation_id].last_day
    ]
    collaborators: dict[int, list[int]] = defaultdict(list)
    admins: dict[int, list[int]] = defaultdict(list)
    if tasks:
        for task_id, user_id in session.execute(
            select(task_collaborators.c.task_id, task_collaborators.c.user_id)
            .where(task_collaborators.c.task_id.in_([t.id for t in tasks]))
            .order_by(task_collaborators.c.task_id, task_collaborators.c.user_id)
        ):
            collaborators[task_id].append(user_id)
        escalating = [org_id for org_id, r in rules.items() if r.escalation > 0]
        for org_id, user_id in session.execute(
            select(Membership.organisation_id, Membership.user_id)
            .where(Membership.organisation_id.in_(escalating), Membership.role == Role.ADMIN.value)
            .order_by(Membership.user_id)
        ):
            admins[org_id].append(user_id)
    ids = {t.owner_id for t in tasks if t.owner_id} | {u for ids in collaborators.values() for u in ids}
    ids |= {u for ids in admins.values() for u in ids}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    admins = {org_id: [a for a in ids if people[a].active] for org_id, ids in admins.items()}
    channels = channels_of(session, people, ("collab_reminders", "due_soon", "overdue"))
    return Scope(tasks, collaborators, people, admins, channels)


def remind_organisations(
    session: Session,
    organisations: list[Organisation],
    *,
    now: datetime,
    wording: Wording | None = None,
    email: bool = True,
) -> ReminderReport:
    """Record and queue the reminders of these organisations due at ``now``,
    a few statements for all of them (``wording``: what the e-mails of a
    run's earlier organisations rendered; ``email`` False: record them,
    e-mail nothing). Flushes, never commits. Nothing for an organisation
    outside its working hours.
    """
    report = ReminderReport()
    rules = {o.id: Rules.of(o, now) for o in organisations if in_working_hours(now, o.timezone)}
    if not rules:
        return report
    scope = _scope(session, rules)
    if not scope.tasks:
        return report
    done, last_sent = _sent(session, [t.id for t in scope.tasks])
    by_org: dict[int, list[Row]] = defaultdict(list)
    for task in scope.tasks:
        by_org[task.organisation_id].append(task)
    candidates = [
        reminder
        for org_id, tasks in by_org.items()
        for reminder in _candidates(rules[org_id], tasks, scope, done, last_sent)
    ]
    claimed, notified = _claim(session, candidates, now)
    report.reminders = len(claimed)
    if email and notified:
        report.emails = email_reminders(session, rules, notified, scope, now=now, wording=wording)
    return report


def _candidates(
    rules: Rules, tasks: list[Row], scope: Scope, done: set, last_sent: dict[tuple[int, int, str], datetime]
) -> list[Reminder]:
    """Every reminder about ``tasks`` (of one organisation) due today and not
    sent yet, nor kept back by ``OVERDUE_GAP``."""
    collab_channels, people = scope.channels["collab_reminders"], scope.people
    today, timezone = rules.today, rules.organisation.timezone
    admins = scope.admins.get(rules.organisation.id, [])
    found: list[Reminder] = []

    def remind(task: Row, user_id: int, rule: str, kind: str, role: str, days_left: int) -> None:
        if (task.id, user_id, rule, task.due_date) in done:
            return
        name = family(rule)
        last = last_sent.get((task.id, user_id, name)) if name else None
        if last is not None and today - local_today(last, timezone) < OVERDUE_GAP:
            return
        template = {"coordinator": "reminder_escalation"}.get(role, TEMPLATES[kind])
        key = reminder_key(task.id, user_id, rule, task.due_date)
        found.append(Reminder(task, rule, kind, template, key, role, people[user_id], days_left))

    for task in tasks:
        days_left = (task.due_date - today).days
        rule = due_rule(days_left, rules.days) if days_left >= 0 else overdue_rule(-days_left)
        kind = "due_soon" if days_left >= 0 else "overdue"
        if rule is not None:
            if task.owner_id is not None and people[task.owner_id].active:
                remind(task, task.owner_id, rule, kind, "owner", days_left)
            for user_id in scope.collaborators.get(task.id, ()):
                wants = people[user_id].active and collab_channels[user_id] != "never"
                if wants and user_id != task.owner_id:
                    remind(task, user_id, rule, kind, "collaborator", days_left)
        if days_left < 0 and rules.escalation > 0 and -days_left >= rules.escalation:
            for admin_id in admins:
                if admin_id != task.owner_id:
                    remind(task, admin_id, "escalation", "overdue", "coordinator", days_left)
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
    session: Session, candidates: list[Reminder], now: datetime
) -> tuple[list[Reminder], list[Reminder]]:
    """Claim the (task, person, rule, due date) rows in one statement; only
    the rows this run wrote are recorded (in-app notification, task history).
    Returns (the reminders claimed, one per task and person whose
    notification was new: the ones to e-mail)."""
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
    told = one_per_task_and_person(claimed)
    new_keys = {
        key
        for (key,) in claim_rows(
            session, Notification.__table__, _notifications(told, now), Notification.dedupe_key
        )
    }
    claim_rows(session, Activity.__table__, _history(claimed, now))
    return claimed, [r for r in told if r.key in new_keys]


def one_per_task_and_person(reminders: list[Reminder]) -> list[Reminder]:
    """The reminder each person hears of about each task: the one about
    their own part rather than the escalation (a coordinator who also
    collaborates on the task is told once, as a collaborator)."""
    chosen: dict[tuple[int, int], Reminder] = {}
    for reminder in reminders:
        key = (reminder.task.id, reminder.user.id)
        if key not in chosen or chosen[key].role == "coordinator":
            chosen[key] = reminder
    return list(chosen.values())


def _notifications(told: list[Reminder], now: datetime) -> list[dict]:
    """The in-app notification of each reminder (its key: a second run writes
    none); a coordinator's says so (``ESCALATED``)."""
    return [
        {
            "user_id": r.user.id,
            "kind": r.kind,
            "task_id": r.task.id,
            "actor_id": None,
            "detail": r.task.due_date.isoformat() + (ESCALATED if r.role == "coordinator" else ""),
            "dedupe_key": r.key,
            "created_at": now,
        }
        for r in told
    ]


def _history(claimed: list[Reminder], now: datetime) -> list[dict]:
    """A line of the task's history per reminder, as ``tasks.activity.record`` writes it."""
    return [
        {
            "organisation_id": r.task.organisation_id,
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
