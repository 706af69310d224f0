"""The region's week, as plain values: one row per municipality (progress,
change since last week, overdue, blocked, check-in response rate), what needs
the region (help asked for, blockers shared by several municipalities), what
is new since the last meeting, and the open follow-ups of past meetings.

The regional digest renders it and the meeting's agenda is drafted from it
(``tasking.meetings.agenda``), so the two agree.
``region_summary`` reads the region in a fixed number of queries whatever its
size. ``RegionSummary.for_viewer`` is what one person may read: another
municipality's actions appear only as counts, except the help requests and
the shared blockers, which their owners meant for the region (a shared
blocker names the municipalities and counts, its action titles stay with
their own municipality and the coordinators).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.core.calendar import iso_week, local
from tasking.core.claim import claim_many
from tasking.core.clock import local_today
from tasking.core.urls import external_url
from tasking.models import (
    Activity,
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    OperationalObjective,
    Organisation,
    Plan,
    PlanWeek,
    Region,
    Task,
    TaskPartner,
    TaskStatus,
    Theme,
    User,
)
from tasking.models.checkin import CheckinMessageKind
from tasking.models.meeting import Meeting, MeetingFollowUp

BLOCKED, DONE = TaskStatus.BLOCKED.value, TaskStatus.DONE.value
#: Longest list of each section; the rest is counted.
LIST_LIMIT = 15


@dataclass
class Counts:
    """A plan's or a municipality's actions: how many, done, overdue, blocked."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    blocked: int = 0

    @property
    def progress(self) -> int:
        """Share of the actions done, in whole percent."""
        return round(100 * self.done / self.total) if self.total else 0

    def add(self, other: Counts) -> None:
        self.total += other.total
        self.done += other.done
        self.overdue += other.overdue
        self.blocked += other.blocked


@dataclass
class MunicipalityRow:
    organisation_id: int
    name: str
    #: Its plan dashboard (the municipality's detail), None without a plan.
    link: str | None
    now: Counts
    #: Last week's snapshot, None before the first one.
    last_week: Counts | None
    #: Share of the people asked in this week's check-in who answered; None without a round.
    response_rate: int | None = None
    done_since: int = 0
    blocked_since: int = 0
    moved_since: int = 0
    help_since: int = 0
    #: Whether the reader may open its link (their own municipality, or a coordinator).
    open: bool = True

    @property
    def progress_change(self) -> int | None:
        return None if self.last_week is None else self.now.progress - self.last_week.progress

    @property
    def overdue_change(self) -> int | None:
        return None if self.last_week is None else self.now.overdue - self.last_week.overdue

    @property
    def blocked_change(self) -> int | None:
        return None if self.last_week is None else self.now.blocked - self.last_week.blocked

    @property
    def changed_since(self) -> bool:
        return bool(self.done_since or self.blocked_since or self.moved_since or self.help_since)


@dataclass
class ActionRef:
    """An action named in the summary, with its municipality."""

    task_id: int
    title: str
    organisation_id: int
    organisation: str
    owner: str | None
    status: str
    blocked_reason: str
    #: Whether its owner asked for the region's help, and why.
    asks_help: bool
    help_reason: str
    link: str
    open: bool = True


@dataclass
class SharedBlocker:
    """A partner or a blocking reason that holds up actions in several municipalities."""

    kind: str  # "partner" or "reason"
    label: str
    #: (municipality, how many of its actions) for every municipality concerned.
    municipalities: list[tuple[str, int]]
    #: The actions the reader may see by title.
    actions: list[ActionRef]


@dataclass
class FollowUp:
    """An open follow-up decided in a past meeting (see ``open_follow_ups``)."""

    task_id: int
    title: str
    owner_id: int | None
    owner: str | None
    due_date: date | None
    meeting: date  # the day of the meeting that decided it, in the region's zone
    link: str


@dataclass
class RegionSummary:
    region_id: int
    region: str
    slug: str
    timezone: str
    week: str
    since: datetime
    now: datetime
    rows: list[MunicipalityRow]
    help: list[ActionRef]
    shared: list[SharedBlocker]
    #: Actions newly blocked since the last meeting (still blocked).
    new_blockers: list[ActionRef]
    follow_ups: list[FollowUp]
    #: Each plan's counts this week: (plan id, organisation id, counts), for the snapshot.
    plans: list[tuple[int, int, Counts]] = field(default_factory=list)
    dashboard_link: str = ""

    @property
    def total(self) -> Counts:
        total = Counts()
        for row in self.rows:
            total.add(row.now)
        return total

    def for_viewer(self, visible: set[int] | None) -> RegionSummary:
        """What a reader may see: ``visible`` = the municipalities whose actions
        they may read (None: all, a regional coordinator). The table's rows are
        aggregates and stay; links to pages they could not open are marked closed."""
        if visible is None:
            return self

        def mine(item):  # noqa: ANN001, ANN202
            return replace(item, open=item.organisation_id in visible)

        return replace(
            self,
            rows=[mine(row) for row in self.rows],
            help=[mine(item) for item in self.help],
            shared=[
                replace(s, actions=[a for a in s.actions if a.organisation_id in visible])
                for s in self.shared
            ],
            new_blockers=[a for a in self.new_blockers if a.organisation_id in visible],
        )


def signed(value: int | None, unit: str = "") -> str:
    """A change as the table shows it: « +3 », « −2 », « = », « — » when unknown."""
    if value is None:
        return "—"
    if value == 0:
        return "="
    return f"{'+' if value > 0 else '−'}{abs(value)}{unit}"


def previous_week(week: str) -> str:
    """The ISO week before ``week`` ("2026-W48" → "2026-W47")."""
    year, number = week.split("-W")
    return iso_week(date.fromisocalendar(int(year), int(number), 1) - timedelta(days=7))


def normalise(text: str) -> str:
    """A blocker's key: case, accents, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def open_follow_ups(session: Session, region: Region, now: datetime) -> list[FollowUp]:
    """The open follow-ups decided in the region's meetings (tasks of its
    regional plan), oldest meeting first, then by due date."""
    rows = session.execute(
        select(Task.id, Task.title, Task.owner_id, User.name, Task.due_date, Meeting.starts_at)
        .join(MeetingFollowUp, MeetingFollowUp.task_id == Task.id)
        .join(Meeting, Meeting.id == MeetingFollowUp.meeting_id)
        .outerjoin(User, User.id == Task.owner_id)
        .where(
            Meeting.region_id == region.id,
            Meeting.starts_at <= now,
            Task.status != TaskStatus.DONE.value,
            Task.archived_at.is_(None),
        )
        .order_by(Meeting.starts_at, Task.due_date, Task.id)
    )
    return [
        FollowUp(
            task_id=task_id,
            title=title,
            owner_id=owner_id,
            owner=owner,
            due_date=due_date,
            meeting=local(starts_at, region.timezone).date(),
            link=external_url("tasks.show", task_id=task_id),
        )
        for task_id, title, owner_id, owner, due_date, starts_at in rows
    ]


def region_summary(
    session: Session, region: Region, *, now: datetime, week: str | None = None, since: datetime | None = None
) -> RegionSummary:
    """The region's week at ``now``. ``week`` (ISO) defaults to the region's
    current week; ``since`` (naive UTC, "the last meeting") to a week ago."""
    week = week or iso_week(local(now, region.timezone).date())
    since = since or now - timedelta(days=7)
    organisations = session.execute(
        select(Organisation.id, Organisation.name, Organisation.timezone)
        .where(Organisation.region_id == region.id)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    names = {org_id: name for org_id, name, _tz in organisations}
    plan_org = dict(
        session.execute(
            select(Plan.id, Plan.organisation_id)
            .where(Plan.organisation_id.in_(list(names)), Plan.archived_at.is_(None))
            .order_by(Plan.id)
        ).all()
    )
    today = {org_id: local_today(now, tz) for org_id, _name, tz in organisations}
    plans = _plan_counts(session, plan_org, today)
    last = _snapshots(session, list(plan_org), previous_week(week))
    rows = _rows(organisations, plan_org, plans, last)
    _response_rates(session, rows, now)
    actions = _flagged_and_blocked(session, plan_org, names)
    new_blockers = _news(session, rows, actions, since, now)
    summary = RegionSummary(
        region_id=region.id,
        region=region.name,
        slug=region.slug,
        timezone=region.timezone,
        week=week,
        since=since,
        now=now,
        rows=rows,
        help=sorted(
            (a for a in actions.values() if a.asks_help),
            key=lambda a: (a.status != BLOCKED, a.organisation, a.task_id),
        ),
        shared=_shared_blockers(session, [a for a in actions.values() if a.status == BLOCKED]),
        new_blockers=new_blockers,
        follow_ups=open_follow_ups(session, region, now),
        plans=[(plan_id, plan_org[plan_id], counts) for plan_id, counts in plans.items()],
        dashboard_link=external_url("dashboards.region", slug=region.slug),
    )
    return summary


def _plan_counts(session: Session, plan_org: dict[int, int], today: dict[int, date]) -> dict[int, Counts]:
    """Each plan's counts, from one grouped query (actions of archived themes
    or objectives are out of the plan)."""
    plans = {plan_id: Counts() for plan_id in plan_org}
    if not plans:
        return plans
    rows = session.execute(
        select(Task.plan_id, Task.status, Task.due_date, func.count())
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(
            Task.plan_id.in_(list(plans)),
            Task.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            Theme.archived_at.is_(None),
        )
        .group_by(Task.plan_id, Task.status, Task.due_date)
    )
    for plan_id, status, due_date, count in rows:
        counts = plans[plan_id]
        counts.total += count
        if status == DONE:
            counts.done += count
            continue
        counts.blocked += count if status == BLOCKED else 0
        if due_date is not None and due_date < today[plan_org[plan_id]]:
            counts.overdue += count
    return plans


def _snapshots(session: Session, plan_ids: list[int], week: str) -> dict[int, Counts]:
    rows = session.scalars(select(PlanWeek).where(PlanWeek.plan_id.in_(plan_ids), PlanWeek.week == week))
    return {r.plan_id: Counts(r.total, r.done, r.overdue, r.blocked) for r in rows}


def _rows(
    organisations, plan_org: dict[int, int], plans: dict[int, Counts], last: dict[int, Counts]
) -> list[MunicipalityRow]:
    """One row per municipality: its plans' counts summed; last week's only
    when every plan of it had a snapshot (a new plan would fake a change)."""
    rows = []
    for org_id, name, _tz in organisations:
        own = [plan_id for plan_id, owner in plan_org.items() if owner == org_id]
        now, before = Counts(), Counts()
        for plan_id in own:
            now.add(plans[plan_id])
            before.add(last.get(plan_id, Counts()))
        complete = bool(own) and all(plan_id in last for plan_id in own)
        # The detail is the newest plan's dashboard.
        link = external_url("dashboards.plan", plan_id=own[-1]) if own else None
        rows.append(MunicipalityRow(org_id, name, link, now, before if complete else None))
    return rows


def _response_rates(session: Session, rows: list[MunicipalityRow], now: datetime) -> None:
    """Each municipality's check-in round of the week (the latest opened in
    the past seven days): the share of the people asked who answered."""
    by_org = {row.organisation_id: row for row in rows}
    latest: dict[int, int] = {}
    for round_id, org_id in session.execute(
        select(CheckinRound.id, CheckinRound.organisation_id)
        .where(
            CheckinRound.organisation_id.in_(list(by_org)),
            CheckinRound.opens_at <= now,
            CheckinRound.opens_at > now - timedelta(days=7),
        )
        .order_by(CheckinRound.opens_at)
    ):
        latest[org_id] = round_id
    if not latest:
        return
    invited = CheckinMessage.kind == CheckinMessageKind.INVITATION.value
    asked = dict(
        session.execute(
            select(CheckinMessage.round_id, func.count(func.distinct(CheckinMessage.user_id)))
            .where(CheckinMessage.round_id.in_(list(latest.values())), invited)
            .group_by(CheckinMessage.round_id)
        ).all()
    )
    answered = dict(
        session.execute(
            select(CheckinAnswer.round_id, func.count(func.distinct(CheckinAnswer.user_id)))
            .join(
                CheckinMessage,
                (CheckinMessage.round_id == CheckinAnswer.round_id)
                & (CheckinMessage.user_id == CheckinAnswer.user_id)
                & invited,
            )
            .where(CheckinAnswer.round_id.in_(list(latest.values())))
            .group_by(CheckinAnswer.round_id)
        ).all()
    )
    for org_id, round_id in latest.items():
        if asked.get(round_id):
            by_org[org_id].response_rate = round(100 * answered.get(round_id, 0) / asked[round_id])


def _flagged_and_blocked(
    session: Session, plan_org: dict[int, int], names: dict[int, str]
) -> dict[int, ActionRef]:
    """The open actions that asked for the region's help or are blocked."""
    if not plan_org:
        return {}
    rows = session.execute(
        select(
            Task.id,
            Task.title,
            Task.plan_id,
            Task.status,
            Task.blocked_reason,
            Task.region_help,
            Task.region_help_reason,
            User.name,
        )
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .outerjoin(User, User.id == Task.owner_id)
        .where(
            Task.plan_id.in_(list(plan_org)),
            Task.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            Theme.archived_at.is_(None),
            (Task.status == BLOCKED) | (Task.region_help.is_(True) & (Task.status != DONE)),
        )
        .order_by(Task.id)
    )
    actions = {}
    for task_id, title, plan_id, status, blocked_reason, asks, help_reason, owner in rows:
        org_id = plan_org[plan_id]
        actions[task_id] = ActionRef(
            task_id,
            title,
            org_id,
            names[org_id],
            owner,
            status,
            (blocked_reason or "") if status == BLOCKED else "",
            bool(asks),
            help_reason or "",
            external_url("tasks.show", task_id=task_id),
        )
    return actions


def _news(
    session: Session,
    rows: list[MunicipalityRow],
    actions: dict[int, ActionRef],
    since: datetime,
    now: datetime,
) -> list[ActionRef]:
    """Count per municipality what changed since the last meeting (actions
    done, newly blocked, due dates moved, help asked for, each action once);
    the newly blocked actions that are still blocked."""
    by_org = {row.organisation_id: row for row in rows}
    changes = session.execute(
        select(Activity.organisation_id, Activity.task_id, Activity.field, Activity.new_value)
        .where(
            Activity.organisation_id.in_(list(by_org)),
            Activity.created_at > since,
            Activity.created_at <= now,
            Activity.task_id.is_not(None),
            Activity.field.in_(("status", "due_date", "region_help")),
        )
        .order_by(Activity.id)
    ).all()
    seen: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for org_id, task_id, what, value in changes:
        if what == "status" and value in (DONE, BLOCKED):
            seen[value].add((org_id, task_id))
        elif what == "due_date":
            seen["moved"].add((org_id, task_id))
        elif what == "region_help" and value == "True":
            seen["help"].add((org_id, task_id))
    for key, attribute in ((DONE, "done_since"), (BLOCKED, "blocked_since"), ("moved", "moved_since")):
        for org_id, _task_id in seen[key]:
            setattr(by_org[org_id], attribute, getattr(by_org[org_id], attribute) + 1)
    for org_id, task_id in seen["help"]:
        by_org[org_id].help_since += task_id in actions and actions[task_id].asks_help
    blocked_now = [actions[t] for _o, t in seen[BLOCKED] if t in actions and actions[t].status == BLOCKED]
    return sorted(blocked_now, key=lambda a: (a.organisation, a.task_id))


def _shared_blockers(session: Session, blocked: list[ActionRef]) -> list[SharedBlocker]:
    """Partners and blocking reasons (normalised) that hold up actions in at
    least two municipalities, the most widely shared first."""
    groups: dict[tuple[str, str], list[ActionRef]] = defaultdict(list)
    labels: dict[tuple[str, str], str] = {}
    by_id = {a.task_id: a for a in blocked}
    for action in blocked:
        key = ("reason", normalise(action.blocked_reason))
        if key[1]:
            groups[key].append(action)
            labels.setdefault(key, action.blocked_reason.strip())
    if by_id:
        for task_id, name in session.execute(
            select(TaskPartner.task_id, TaskPartner.name)
            .where(TaskPartner.task_id.in_(list(by_id)))
            .order_by(TaskPartner.id)
        ):
            key = ("partner", normalise(name))
            if key[1]:
                groups[key].append(by_id[task_id])
                labels.setdefault(key, name.strip())
    shared = []
    for key, members in groups.items():
        per_org: dict[str, int] = defaultdict(int)
        for action in members:
            per_org[action.organisation] += 1
        if len(per_org) >= 2:
            shared.append(SharedBlocker(key[0], labels[key], sorted(per_org.items()), members))
    return sorted(shared, key=lambda s: (-len(s.municipalities), -len(s.actions), s.label))


def record_week(session: Session, summary: RegionSummary) -> int:
    """Keep this week's counts of each plan (once: a second run keeps the
    first figures); how many rows were written. Flushes, never commits."""
    rows = [
        {
            "plan_id": plan_id,
            "organisation_id": org_id,
            "week": summary.week,
            "total": counts.total,
            "done": counts.done,
            "overdue": counts.overdue,
            "blocked": counts.blocked,
            "recorded_at": summary.now,
        }
        for plan_id, org_id, counts in summary.plans
    ]
    return len(claim_many(session, PlanWeek, rows, PlanWeek.id))
