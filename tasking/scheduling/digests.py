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
from sqlalchemy.orm import Session, aliased

from tasking.core.calendar import due_weekly_slot, parse_hhmm
from tasking.core.claim import claim_many
from tasking.core.clock import local_today
from tasking.core.signing import timed_serializer
from tasking.core.urls import external_url
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
from tasking.outbox.queue import insert_outbox, outbox_values

PERSONAL = "personal"
DEFAULT_SLOT = time(7, 0)
#: Notifications always shown in the digest (the lists already cover reminders).
ALWAYS_IN_DIGEST = ("comment", "mention")
NEVER_IN_DIGEST = ("due_soon", "overdue")
#: Longest list per section; the rest is counted, with a link to "My tasks".
LIST_LIMIT = 15


@dataclass
class DigestReport:
    queued: int = 0
    empty: int = 0

    def as_line(self) -> str:
        return f"queued={self.queued} empty={self.empty}"


@dataclass
class TaskLine:
    """A task as a digest lists it: plain values, so a commit midway through
    the job does not send the templates back to the database."""

    id: int
    title: str
    status: str
    due_date: date | None
    blocked_reason: str
    role: str  # "owner" or "collaborator"
    link: str
    action_links: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, task: Task, role: str, link: str, action_links=None) -> TaskLine:
        return cls(
            task.id,
            task.title,
            task.status,
            task.due_date,
            task.blocked_reason or "",
            role,
            link,
            action_links or [],
        )


@dataclass
class ActivityLine:
    """A notification as a digest lists it (see ``TaskLine``)."""

    kind: str
    actor: str | None
    task_id: int | None
    task_title: str
    detail: str
    created_at: datetime


@dataclass
class PersonalDigest:
    user: User
    period: str
    since: datetime
    overdue: list[TaskLine] = field(default_factory=list)
    due_this_week: list[TaskLine] = field(default_factory=list)
    blocked: list[TaskLine] = field(default_factory=list)
    done: list[TaskLine] = field(default_factory=list)
    activity: list[ActivityLine] = field(default_factory=list)

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
            since=organisation.created_at,
        )
        if slot is not None:
            due[organisation.id] = (organisation, slot[0])
    return due


class ActionLinks:
    """Signed one-click task links, the same as ``links.task_action_url`` gives,
    with one serializer and one URL pattern for the whole job (a digest run
    signs thousands)."""

    def __init__(self):
        self.serializer = timed_serializer(links.TASK_ACTION_SALT)
        marker = "TOKEN"
        self.pattern = external_url("notifications.task_action", token=marker).replace(marker, "{}")

    def __call__(self, user_id: int, task: Task, role: str) -> list[tuple[str, str]]:
        """The links for an open task (the link checks the right again when used)."""
        actions = ["done"]
        if task.status != TaskStatus.BLOCKED.value:
            actions.append("blocked")
        if role == "owner":
            actions.append("postpone")
        return [
            (action, self.pattern.format(self.serializer.dumps({"u": user_id, "t": task.id, "a": action})))
            for action in actions
        ]


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
    # A person in several organisations gets one digest a week, at the slot of
    # the first one due, covering all of their organisations.
    people: dict[int, User] = {}
    period_of: dict[int, str] = {}
    for user, organisation_id in members:
        people[user.id] = user
        period_of.setdefault(user.id, due[organisation_id][1])
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
    orgs_of: dict[int, set[int]] = defaultdict(set)
    for user_id, organisation_id in session.execute(
        select(Membership.user_id, Membership.organisation_id).where(Membership.user_id.in_(wanted))
    ):
        orgs_of[user_id].add(organisation_id)
    organisations = {organisation.id: organisation for organisation, _period in due.values()}
    others = {org_id for ids in orgs_of.values() for org_id in ids} - set(organisations)
    if others:
        organisations.update(
            (organisation.id, organisation)
            for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(others)))
        )
    _fill_tasks(session, digests, organisations, orgs_of, now, oldest)
    _fill_activity(session, digests, member_ids, oldest)
    return [digests[uid] for uid in wanted]


def _fill_tasks(
    session: Session,
    digests: dict[int, PersonalDigest],
    organisations: dict[int, Organisation],
    orgs_of: dict[int, set[int]],
    now: datetime,
    oldest: datetime,
) -> None:
    rows = session.execute(
        select(Task, Plan.organisation_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.organisation_id.in_(list(organisations)),
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
                    .where(Plan.organisation_id.in_(list(organisations)))
                )
            )
        ):
            if task_id in tasks and user_id in digests and user_id != tasks[task_id][0].owner_id:
                followers[task_id].append((user_id, "collaborator"))

    today_of = {
        org_id: local_today(now, organisation.timezone) for org_id, organisation in organisations.items()
    }
    action_links = ActionLinks()
    for task_id, people in followers.items():
        task, organisation_id = tasks[task_id]
        today = today_of[organisation_id]
        link = links.task_url(task)
        for user_id, role in people:
            digest = digests[user_id]
            if organisation_id not in orgs_of[user_id]:
                continue
            if task.status == TaskStatus.DONE.value:
                if task.completed_at and task.completed_at > digest.since:
                    digest.done.append(TaskLine.of(task, role, link))
                continue
            section = _open_section(digest, task, today)
            if section is not None:
                section.append(TaskLine.of(task, role, link, action_links(user_id, task, role)))


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
    actor = aliased(User)
    rows = session.execute(
        select(
            Notification.user_id,
            Notification.kind,
            actor.name,
            Notification.task_id,
            Task.title,
            Notification.detail,
            Notification.created_at,
        )
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Task, Task.id == Notification.task_id)
        .where(
            Notification.user_id.in_(member_ids),
            Notification.created_at > oldest,
            Notification.kind.not_in(NEVER_IN_DIGEST),
        )
        .order_by(Notification.created_at, Notification.id)
    )
    for user_id, kind, actor_name, task_id, task_title, detail, created_at in rows:
        digest = digests.get(user_id)
        if digest is None or created_at <= digest.since:
            continue
        if kind in ALWAYS_IN_DIGEST or kind in digest_kinds[user_id]:
            digest.activity.append(
                ActivityLine(kind, actor_name, task_id, task_title or "", detail or "", created_at)
            )


def queue_digests(session: Session, digests: list[PersonalDigest], *, now: datetime) -> DigestReport:
    """Record a batch of digests and queue the messages of the non-empty ones.

    One statement claims the whole batch (``DigestLog`` rows, ON CONFLICT DO
    NOTHING … RETURNING): only the digests this run claimed are rendered and
    queued, so an earlier or concurrent run never makes a second copy. The
    messages go into the outbox in one statement too. Flushes, never commits.
    """
    report = DigestReport()
    if not digests:
        return report
    won = claim_many(
        session,
        DigestLog,
        [
            {
                "user_id": d.user.id,
                "kind": PERSONAL,
                "period": d.period,
                "queued": not d.is_empty,
                "created_at": now,
            }
            for d in digests
        ],
        DigestLog.user_id,
    )
    messages = []
    for digest in digests:
        if digest.user.id not in won:
            continue
        if digest.is_empty:
            report.empty += 1
            continue
        user = digest.user
        unsubscribe = links.unsubscribe_url(user, "weekly_digest")
        messages.append(
            outbox_values(
                dedupe_key=digest_key(user.id, digest.period),
                kind="digest",
                user=user,
                template="digest",
                now=now,
                headers=unsubscribe_headers(user, "weekly_digest"),
                digest=digest,
                task_url=links.task_url,
                list_limit=LIST_LIMIT,
                my_tasks_link=external_url("me.tasks"),
                unsubscribe_link=unsubscribe,
                preferences_link=links.preferences_url(),
            )
        )
    report.queued = insert_outbox(session, messages)
    return report
