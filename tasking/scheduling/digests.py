"""The weekly personal digest.

Each organisation chooses its slot (``digest_weekday``, ``digest_time``, in
its time zone; default Monday 07:00). When a slot is due, each active member
gets one message: their overdue tasks, tasks due this week, blocked tasks,
tasks done since the last digest, and the comments, mentions and other
notifications they chose to read in the digest since then, each with its
link (and one-click action links on the tasks still open). Each open task
shows what its latest check-in said (health and note), and a person asked
for their update of a round still open is invited to give it. Nobody gets
an empty digest.

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

from tasking.checkins import links as checkin_links
from tasking.core.calendar import due_weekly_slot, parse_hhmm
from tasking.core.claim import claim_many
from tasking.core.clock import local_today
from tasking.core.urls import external_url
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
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
from tasking.models.checkin import CheckinMessageKind
from tasking.models.notify import DEFAULT_CHANNELS
from tasking.notifications import links
from tasking.notifications.services import unsubscribe_headers
from tasking.notifications.text import JobLabels
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
    # What the task's latest check-in said.
    health: str | None = None
    note: str = ""

    @classmethod
    def of(cls, task: Task, role: str, link: str) -> TaskLine:
        return cls(task.id, task.title, task.status, task.due_date, task.blocked_reason or "", role, link)

    def actions(self) -> list[str]:
        """The one-click actions of an open task (the link checks the right again when used)."""
        actions = ["done"]
        if self.status != TaskStatus.BLOCKED.value:
            actions.append("blocked")
        if self.role == "owner":
            actions.append("postpone")
        return actions


@dataclass
class RoundInvite:
    """A check-in round open at the digest's time that still waits for the person's update."""

    organisation: str
    link: str
    closes_at: datetime
    timezone: str


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
    rounds: list[RoundInvite] = field(default_factory=list)

    @property
    def open_sections(self) -> tuple[list[TaskLine], ...]:
        return (self.overdue, self.due_this_week, self.blocked)

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


def build_digests(session: Session, *, now: datetime) -> list[PersonalDigest]:
    """The personal digests due at ``now`` and not built yet, with what they hold.

    A handful of queries whatever the number of people: tasks, collaborators,
    notifications and preferences are read per batch of organisations, then
    shared out in memory.
    """
    due = due_organisations(session, now)
    if not due:
        return []
    people, period_of = _people_due(session, due)
    member_ids = select(Membership.user_id).where(Membership.organisation_id.in_(list(due)))
    wanted = _not_built_yet(session, people, period_of, member_ids)
    if not wanted:
        return []
    since = _since(session, wanted, member_ids, now)
    digests = {
        uid: PersonalDigest(user=people[uid], period=period_of[uid], since=since[uid]) for uid in wanted
    }
    orgs_of, organisations = _organisations_of(session, wanted, due)
    oldest = min(since.values())
    _fill_tasks(session, digests, organisations, orgs_of, now, oldest)
    _fill_checkins(session, digests, list(organisations), now)
    _fill_activity(session, digests, member_ids, oldest)
    return [digests[uid] for uid in wanted]


def _people_due(session: Session, due: dict) -> tuple[dict[int, User], dict[int, str]]:
    """The active members of the due organisations, and each one's period.
    A person in several organisations gets one digest a week, at the slot of
    the first one due, covering all of their organisations."""
    members = session.execute(
        select(User, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(list(due)), User.active.is_(True))
        .order_by(User.id, Membership.organisation_id)
    ).all()
    people: dict[int, User] = {}
    period_of: dict[int, str] = {}
    for user, organisation_id in members:
        people[user.id] = user
        period_of.setdefault(user.id, due[organisation_id][1])
    return people, period_of


def _not_built_yet(session: Session, people: dict, period_of: dict, member_ids) -> list[int]:  # noqa: ANN001
    """Who still needs this period's digest and has not switched it off."""
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
    return [
        uid
        for uid in people
        if (uid, period_of[uid]) not in already
        and switches.get(uid, DEFAULT_CHANNELS["weekly_digest"]) != "never"
    ]


def _since(session: Session, wanted: list[int], member_ids, now: datetime) -> dict[int, datetime]:  # noqa: ANN001
    """Each person's digest covers what happened since their last one (a week
    at least, five weeks at most)."""
    last = dict(
        session.execute(
            select(DigestLog.user_id, func.max(DigestLog.created_at))
            .where(DigestLog.kind == PERSONAL, DigestLog.queued.is_(True), DigestLog.user_id.in_(member_ids))
            .group_by(DigestLog.user_id)
        ).all()
    )
    week_ago = now - timedelta(days=7)
    return {uid: max(last.get(uid) or week_ago, now - timedelta(days=35)) for uid in wanted}


def _organisations_of(
    session: Session, wanted: list[int], due: dict
) -> tuple[dict[int, set[int]], dict[int, Organisation]]:
    """Each person's organisations, and every organisation concerned by id."""
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
    return orgs_of, organisations


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
    job_links = links.JobLinks()
    for task_id, people in followers.items():
        task, organisation_id = tasks[task_id]
        today = today_of[organisation_id]
        link = job_links.task(task.id)
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
                section.append(TaskLine.of(task, role, link))
    _sign_shown(digests, job_links)


def _sign_shown(digests: dict[int, PersonalDigest], job_links: links.JobLinks) -> None:
    """Only the lines a digest shows carry signed links (signing is the dear part)."""
    for digest in digests.values():
        for lines in digest.open_sections:
            for line in lines[:LIST_LIMIT]:
                line.action_links = job_links.actions(digest.user.id, line.id, line.actions())


def _fill_checkins(
    session: Session, digests: dict[int, PersonalDigest], org_ids: list[int], now: datetime
) -> None:
    """Each open line's latest check-in, and the rounds open at ``now`` that
    asked the person for an update they have not given yet."""
    newest = (
        select(func.max(CheckinAnswer.id))
        .join(Task, Task.id == CheckinAnswer.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Plan.organisation_id.in_(org_ids))
        .group_by(CheckinAnswer.task_id)
    )
    said = {
        task_id: (health, note)
        for task_id, health, note in session.execute(
            select(CheckinAnswer.task_id, CheckinAnswer.health, CheckinAnswer.note).where(
                CheckinAnswer.id.in_(newest)
            )
        )
    }
    for digest in digests.values():
        for lines in digest.open_sections:
            for line in lines:
                line.health, line.note = said.get(line.id, (None, ""))
    rounds = session.execute(
        select(CheckinRound.id, Organisation.name, Organisation.timezone, CheckinRound.closes_at)
        .join(Organisation, Organisation.id == CheckinRound.organisation_id)
        .where(
            CheckinRound.organisation_id.in_(org_ids),
            CheckinRound.closed_at.is_(None),
            CheckinRound.opens_at <= now,
            CheckinRound.closes_at > now,
        )
        .order_by(Organisation.name)
    ).all()
    if not rounds:
        return
    ids = [row.id for row in rounds]
    asked = set(
        session.execute(
            select(CheckinMessage.round_id, CheckinMessage.user_id).where(
                CheckinMessage.round_id.in_(ids), CheckinMessage.kind == CheckinMessageKind.INVITATION.value
            )
        ).all()
    )
    answered = set(
        session.execute(
            select(CheckinAnswer.round_id, CheckinAnswer.user_id).where(CheckinAnswer.round_id.in_(ids))
        ).all()
    )
    for uid, digest in digests.items():
        for round_id, name, timezone, closes_at in rounds:
            if (round_id, uid) in asked and (round_id, uid) not in answered:
                link = checkin_links.update_url(round_id, uid)
                digest.rounds.append(RoundInvite(name, link, closes_at, timezone))


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
    job_links, labels = links.JobLinks(), JobLabels()
    shared = {
        "task_url": job_links.task,
        "labels": labels,
        "list_limit": LIST_LIMIT,
        "my_tasks_link": external_url("me.tasks"),
        "preferences_link": links.preferences_url(),
    }
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
                headers=unsubscribe_headers(user, "weekly_digest", unsubscribe),
                digest=digest,
                unsubscribe_link=unsubscribe,
                **shared,
            )
        )
    report.queued = insert_outbox(session, messages)
    return report
