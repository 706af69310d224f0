"""The weekly personal digest.

Each organisation chooses its slot (``digest_weekday``, ``digest_time``, in
its time zone; default Monday 07:00). When a slot is due, each active member
gets one message: their overdue tasks, tasks due this week, blocked tasks,
tasks done since the last digest, and the comments, mentions and other
notifications they chose to read in the digest since then, each with its
link (and one-click action links on the tasks still open). Nobody gets an
empty digest.

A ``DigestLog`` row per person and ISO week (written even for an empty
digest) makes a second run do nothing; the outbox key
``digest:user<id>:<ISO week>`` guards the message too. The latest queued row
is "the last digest" the next one counts from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.core.clock import local_today
from tasking.models import (
    DigestLog,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    Plan,
    Task,
    TaskStatus,
    User,
    task_collaborators,
)
from tasking.models.notify import DEFAULT_CHANNELS
from tasking.notifications import links
from tasking.notifications.services import unsubscribe_headers
from tasking.outbox.queue import queue
from tasking.scheduling.claim import claim
from tasking.scheduling.timing import due_weekly_slot, parse_hhmm

PERSONAL = "personal"
DEFAULT_SLOT = time(7, 0)
#: Notifications always shown in the digest (the lists already cover reminders).
ALWAYS_IN_DIGEST = ("comment", "mention")
NEVER_IN_DIGEST = ("due_soon", "overdue")


@dataclass
class DigestReport:
    queued: int = 0
    empty: int = 0

    def as_line(self) -> str:
        return f"queued={self.queued} empty={self.empty}"


@dataclass
class TaskLine:
    """A task as a digest lists it."""

    task: Task
    organisation: Organisation
    role: str  # "owner" or "collaborator"
    link: str
    action_links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PersonalDigest:
    user: User
    period: str
    since: datetime
    overdue: list[TaskLine] = field(default_factory=list)
    due_this_week: list[TaskLine] = field(default_factory=list)
    blocked: list[TaskLine] = field(default_factory=list)
    done: list[TaskLine] = field(default_factory=list)
    activity: list[Notification] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_this_week or self.blocked or self.done or self.activity)


def digest_key(user_id: int, period: str) -> str:
    return f"digest:user{user_id}:{period}"


def due_organisations(session: Session, now: datetime) -> dict[int, tuple[Organisation, str]]:
    """Organisations whose weekly slot is due at ``now``: id → (organisation, ISO week)."""
    due = {}
    for organisation in session.scalars(select(Organisation).order_by(Organisation.id)):
        slot = due_weekly_slot(
            now,
            organisation.timezone,
            organisation.digest_weekday,
            parse_hhmm(organisation.digest_time, DEFAULT_SLOT),
        )
        if slot is not None:
            due[organisation.id] = (organisation, slot[0])
    return due


def _actions(user: User, task: Task, role: str) -> list[tuple[str, str]]:
    """One-click links for an open task (the link checks the right again when used)."""
    actions = ["done"]
    if task.status != TaskStatus.BLOCKED.value:
        actions.append("blocked")
    if role == "owner":
        actions.append("postpone")
    return [(action, links.task_action_url(user, task, action)) for action in actions]


def build_digests(session: Session, *, now: datetime) -> list[PersonalDigest]:
    """The personal digests due at ``now`` and not built yet, with what they hold.

    A handful of queries whatever the number of people: tasks, collaborators,
    notifications and preferences are read per batch of organisations, then
    shared out in memory.
    """
    due = due_organisations(session, now)
    if not due:
        return []
    org_ids = list(due)
    members = session.execute(
        select(User, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(org_ids), User.active.is_(True))
        .order_by(User.id, Membership.organisation_id)
    ).all()
    # A person in several organisations gets one digest, in the week of the first.
    people: dict[int, User] = {}
    period_of: dict[int, str] = {}
    orgs_of: dict[int, set[int]] = defaultdict(set)
    for user, organisation_id in members:
        people[user.id] = user
        period_of.setdefault(user.id, due[organisation_id][1])
        orgs_of[user.id].add(organisation_id)
    member_ids = select(Membership.user_id).where(Membership.organisation_id.in_(org_ids))

    already = set(
        session.execute(
            select(DigestLog.user_id, DigestLog.period).where(
                DigestLog.kind == PERSONAL, DigestLog.user_id.in_(member_ids)
            )
        ).all()
    )
    switches = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.channel).where(
                NotificationPreference.kind == "weekly_digest", NotificationPreference.user_id.in_(member_ids)
            )
        ).all()
    )
    wanted = [
        uid
        for uid in people
        if (uid, period_of[uid]) not in already
        and switches.get(uid, DEFAULT_CHANNELS["weekly_digest"]) != "never"
    ]
    if not wanted:
        return []

    last = dict(
        session.execute(
            select(DigestLog.user_id, func.max(DigestLog.created_at))
            .where(DigestLog.kind == PERSONAL, DigestLog.queued.is_(True), DigestLog.user_id.in_(member_ids))
            .group_by(DigestLog.user_id)
        ).all()
    )
    week_ago = now - timedelta(days=7)
    since = {uid: max(last.get(uid) or week_ago, now - timedelta(days=35)) for uid in wanted}
    oldest = min(since.values())

    digests = {
        uid: PersonalDigest(user=people[uid], period=period_of[uid], since=since[uid]) for uid in wanted
    }
    _fill_tasks(session, digests, due, orgs_of, now, oldest)
    _fill_activity(session, digests, member_ids, oldest)
    return [digests[uid] for uid in wanted]


def _fill_tasks(
    session: Session,
    digests: dict[int, PersonalDigest],
    due: dict[int, tuple[Organisation, str]],
    orgs_of: dict[int, set[int]],
    now: datetime,
    oldest: datetime,
) -> None:
    rows = session.execute(
        select(Task, Plan.organisation_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.organisation_id.in_(list(due)),
            Plan.archived_at.is_(None),
            Task.archived_at.is_(None),
            (Task.status != TaskStatus.DONE.value) | (Task.completed_at > oldest),
        )
        .order_by(Task.due_date, Task.id)
    ).all()
    tasks = {task.id: (task, organisation_id) for task, organisation_id in rows}
    followers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for task, _org in tasks.values():
        if task.owner_id in digests:
            followers[task.id].append((task.owner_id, "owner"))
    if tasks:
        for task_id, user_id in session.execute(
            select(task_collaborators.c.task_id, task_collaborators.c.user_id).where(
                task_collaborators.c.task_id.in_(
                    select(Task.id)
                    .join(Plan, Plan.id == Task.plan_id)
                    .where(Plan.organisation_id.in_(list(due)))
                )
            )
        ):
            if task_id in tasks and user_id in digests and user_id != tasks[task_id][0].owner_id:
                followers[task_id].append((user_id, "collaborator"))

    today_of = {org_id: local_today(now, organisation.timezone) for org_id, (organisation, _p) in due.items()}
    for task_id, people in followers.items():
        task, organisation_id = tasks[task_id]
        organisation = due[organisation_id][0]
        today = today_of[organisation_id]
        link = links.task_url(task)
        for user_id, role in people:
            digest = digests[user_id]
            if organisation_id not in orgs_of[user_id]:
                continue
            if task.status == TaskStatus.DONE.value:
                if task.completed_at and task.completed_at > digest.since:
                    digest.done.append(TaskLine(task, organisation, role, link))
                continue
            section = _open_section(digest, task, today)
            if section is not None:
                section.append(TaskLine(task, organisation, role, link, _actions(digest.user, task, role)))


def _open_section(digest: PersonalDigest, task: Task, today: date) -> list[TaskLine] | None:
    """Where an open task goes: overdue, due this week (next 7 days), blocked."""
    if task.due_date is not None and task.due_date < today:
        return digest.overdue
    if task.due_date is not None and task.due_date <= today + timedelta(days=6):
        return digest.due_this_week
    if task.status == TaskStatus.BLOCKED.value:
        return digest.blocked
    return None


def _fill_activity(
    session: Session, digests: dict[int, PersonalDigest], member_ids, oldest: datetime
) -> None:
    """Comments, mentions, and the kinds each person chose to read in the digest."""
    digest_kinds: dict[int, set[str]] = defaultdict(set)
    for kind, default in DEFAULT_CHANNELS.items():
        if default == "digest":
            for uid in digests:
                digest_kinds[uid].add(kind)
    for user_id, kind, channel in session.execute(
        select(
            NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.channel
        ).where(NotificationPreference.user_id.in_(member_ids))
    ):
        if user_id in digests:
            (digest_kinds[user_id].add if channel == "digest" else digest_kinds[user_id].discard)(kind)
    notifications = session.scalars(
        select(Notification)
        .where(
            Notification.user_id.in_(member_ids),
            Notification.created_at > oldest,
            Notification.kind.not_in(NEVER_IN_DIGEST),
        )
        .order_by(Notification.created_at, Notification.id)
    ).all()
    actor_ids = {n.actor_id for n in notifications if n.actor_id}
    if actor_ids:
        session.scalars(select(User).where(User.id.in_(actor_ids))).all()
    task_ids = {n.task_id for n in notifications if n.task_id}
    if task_ids:
        session.scalars(select(Task).where(Task.id.in_(task_ids))).all()
    for notification in notifications:
        digest = digests.get(notification.user_id)
        if digest is None or notification.created_at <= digest.since:
            continue
        if notification.kind in ALWAYS_IN_DIGEST or notification.kind in digest_kinds[notification.user_id]:
            digest.activity.append(notification)


def queue_digest(session: Session, digest: PersonalDigest, *, now: datetime) -> bool:
    """Record the digest and, unless empty, queue its message; False when an
    earlier or concurrent run already did. Flushes, never commits."""
    user = digest.user
    if not claim(
        session,
        DigestLog,
        user_id=user.id,
        kind=PERSONAL,
        period=digest.period,
        queued=not digest.is_empty,
        created_at=now,
    ):
        return False
    if digest.is_empty:
        return True
    queue(
        session,
        dedupe_key=digest_key(user.id, digest.period),
        kind="digest",
        recipient=user.email,
        template="digest",
        now=now,
        user=user,
        headers=unsubscribe_headers(user, "weekly_digest"),
        digest=digest,
        task_url=links.task_url,
        unsubscribe_link=links.unsubscribe_url(user, "weekly_digest"),
        preferences_link=links.preferences_url(),
    )
    return True


def run_digests(session: Session, *, now: datetime, commit_every: int = 100) -> DigestReport:
    """The digests job: build what is due, record and queue it, committing
    every ``commit_every`` people."""
    report = DigestReport()
    for position, digest in enumerate(build_digests(session, now=now), start=1):
        if queue_digest(session, digest, now=now):
            if digest.is_empty:
                report.empty += 1
            else:
                report.queued += 1
        if position % commit_every == 0:
            session.commit()
    session.commit()
    return report
