"""The regional weekly digest, before the weekly coordination meeting
(*statutaire hebdomadaire*) of the municipalities of a region.

Each region chooses its slot (``digest_weekday``, ``digest_time``, in its
time zone; default Thursday 08:00). The digest gives, per municipality and
per theme: progress (share of tasks done), done this week, overdue, blocked,
deadlines of the next 14 days and targets that moved this week.

It goes to each regional coordinator of the region (every municipality) and
to each municipality's admins (their own municipality only: no organisation
sees another's data, except through its regional coordinator). A
``DigestLog`` row per person, region and ISO week, and the outbox key
``regional:<region>:<ISO week>:user<id>``, make a second run do nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.calendar import due_weekly_slot, parse_hhmm
from tasking.core.claim import claim
from tasking.core.clock import local_today
from tasking.core.urls import external_url
from tasking.models import (
    DigestLog,
    Measurement,
    Membership,
    NotificationPreference,
    OperationalObjective,
    Organisation,
    Plan,
    Region,
    Role,
    Target,
    Task,
    TaskStatus,
    Theme,
    User,
)
from tasking.notifications import links
from tasking.notifications.services import unsubscribe_headers
from tasking.outbox.queue import queue

DEFAULT_SLOT = time(8, 0)
COMING_DAYS = 14
#: Longest task list per municipality; the rest is counted.
LIST_LIMIT = 10


@dataclass
class ThemeRow:
    title: str
    colour: str
    total: int = 0
    done: int = 0
    done_this_week: int = 0
    overdue: int = 0
    blocked: int = 0

    @property
    def progress(self) -> int:
        """Share of the tasks done, in whole percent."""
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class TaskItem:
    id: int
    title: str
    due_date: date | None
    owner: str | None
    reason: str = ""


@dataclass
class TargetMove:
    text: str
    theme: str
    unit: str | None
    previous: float | None
    latest: float
    target_value: float | None


@dataclass
class MunicipalitySection:
    organisation: Organisation
    themes: list[ThemeRow] = field(default_factory=list)
    overdue: list[TaskItem] = field(default_factory=list)
    blocked: list[TaskItem] = field(default_factory=list)
    coming: list[TaskItem] = field(default_factory=list)
    targets: list[TargetMove] = field(default_factory=list)

    @property
    def total(self) -> ThemeRow:
        row = ThemeRow("", "")
        for theme in self.themes:
            row.total += theme.total
            row.done += theme.done
            row.done_this_week += theme.done_this_week
            row.overdue += theme.overdue
            row.blocked += theme.blocked
        return row


@dataclass
class RegionalReport:
    queued: int = 0

    def as_line(self) -> str:
        return f"queued={self.queued}"


def regional_key(region: Region, period: str, user_id: int) -> str:
    return f"regional:{region.slug}:{period}:user{user_id}"


def build_sections(session: Session, region: Region, *, now: datetime) -> list[MunicipalitySection]:
    """Every municipality of the region with a plan, in a fixed number of queries."""
    organisations = session.scalars(
        select(Organisation).where(Organisation.region_id == region.id).order_by(Organisation.name)
    ).all()
    if not organisations:
        return []
    org_ids = [o.id for o in organisations]
    week_ago = now - timedelta(days=7)
    themes = session.execute(
        select(Theme, Plan.organisation_id)
        .join(Plan, Plan.id == Theme.plan_id)
        .where(Plan.organisation_id.in_(org_ids), Plan.archived_at.is_(None), Theme.archived_at.is_(None))
        .order_by(Plan.organisation_id, Plan.id, Theme.position, Theme.id)
    ).all()
    rows: dict[int, ThemeRow] = {}
    themes_of: dict[int, list[ThemeRow]] = defaultdict(list)
    for theme, organisation_id in themes:
        rows[theme.id] = ThemeRow(theme.title, theme.colour)
        themes_of[organisation_id].append(rows[theme.id])

    sections = {o.id: MunicipalitySection(o, themes_of.get(o.id, [])) for o in organisations}
    today_of = {o.id: local_today(now, o.timezone) for o in organisations}
    tasks = session.execute(
        select(
            Task.id,
            Task.title,
            Task.status,
            Task.due_date,
            Task.completed_at,
            Task.blocked_reason,
            User.name,
            OperationalObjective.theme_id,
            Plan.organisation_id,
        )
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(User, User.id == Task.owner_id)
        .where(
            Plan.organisation_id.in_(org_ids),
            Plan.archived_at.is_(None),
            Task.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
        )
        .order_by(Task.due_date, Task.id)
    ).all()
    for task_id, title, status, due_date, completed_at, reason, owner, theme_id, organisation_id in tasks:
        row = rows.get(theme_id)
        if row is None:
            continue
        section, today = sections[organisation_id], today_of[organisation_id]
        row.total += 1
        item = TaskItem(task_id, title, due_date, owner, reason or "")
        if status == TaskStatus.DONE.value:
            row.done += 1
            if completed_at is not None and completed_at > week_ago:
                row.done_this_week += 1
            continue
        if status == TaskStatus.BLOCKED.value:
            row.blocked += 1
            section.blocked.append(item)
        if due_date is not None and due_date < today:
            row.overdue += 1
            section.overdue.append(item)
        elif due_date is not None and due_date <= today + timedelta(days=COMING_DAYS):
            section.coming.append(item)

    _fill_targets(session, sections, org_ids, week_ago)
    return [s for s in sections.values() if s.themes]


def _fill_targets(
    session: Session, sections: dict[int, MunicipalitySection], org_ids: list[int], week_ago: datetime
) -> None:
    """Targets with a measurement recorded this week: previous value → latest."""
    moved = session.execute(
        select(Target, Theme.title, Plan.organisation_id)
        .join(OperationalObjective, OperationalObjective.id == Target.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .join(Plan, Plan.id == Theme.plan_id)
        .where(
            Plan.organisation_id.in_(org_ids),
            Plan.archived_at.is_(None),
            Target.id.in_(select(Measurement.target_id).where(Measurement.created_at > week_ago)),
        )
        .order_by(Plan.organisation_id, Theme.position, Target.id)
    ).all()
    if not moved:
        return
    values: dict[int, list[tuple[date, int, float, datetime]]] = defaultdict(list)
    for measurement in session.scalars(
        select(Measurement).where(Measurement.target_id.in_([t.id for t, _title, _org in moved]))
    ):
        values[measurement.target_id].append(
            (measurement.measured_on, measurement.id, measurement.value, measurement.created_at)
        )
    for target, theme_title, organisation_id in moved:
        history = sorted(values[target.id])
        before = [v for v in history if v[3] <= week_ago]
        sections[organisation_id].targets.append(
            TargetMove(
                text=target.text,
                theme=theme_title,
                unit=target.unit,
                previous=before[-1][2] if before else None,
                latest=history[-1][2],
                target_value=target.target_value,
            )
        )


def recipients(session: Session, region: Region) -> list[tuple[User, set[int] | None]]:
    """(person, organisation ids they may see, None = all) for the region."""
    people: dict[int, tuple[User, set[int] | None]] = {}
    for user in session.scalars(
        select(User).where(User.regional_region_id == region.id, User.active.is_(True)).order_by(User.id)
    ):
        people[user.id] = (user, None)
    for user, organisation_id in session.execute(
        select(User, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Organisation.region_id == region.id,
            Membership.role == Role.ADMIN.value,
            User.active.is_(True),
        )
        .order_by(User.id)
    ):
        if user.id in people and people[user.id][1] is None:
            continue
        people.setdefault(user.id, (user, set()))[1].add(organisation_id)
    return [people[uid] for uid in sorted(people)]


def digest_region(session: Session, region: Region, period: str, *, now: datetime) -> int:
    """Record and queue the region's digest for each recipient not served yet
    this ``period``; how many were queued. Flushes, never commits."""
    kind = f"regional:{region.id}"
    people = recipients(session, region)
    if not people:
        return 0
    ids = [u.id for u, _orgs in people]
    already = set(
        session.scalars(
            select(DigestLog.user_id).where(
                DigestLog.kind == kind, DigestLog.period == period, DigestLog.user_id.in_(ids)
            )
        )
    )
    off = set(
        session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.kind == "regional_digest",
                NotificationPreference.channel == "never",
                NotificationPreference.user_id.in_(ids),
            )
        )
    )
    people = [(u, orgs) for u, orgs in people if u.id not in already and u.id not in off]
    if not people:
        return 0
    sections = build_sections(session, region, now=now)
    queued = 0
    for user, visible in people:
        mine = [s for s in sections if visible is None or s.organisation.id in visible]
        if not mine or not claim(
            session, DigestLog, user_id=user.id, kind=kind, period=period, queued=True, created_at=now
        ):
            continue
        queue(
            session,
            dedupe_key=regional_key(region, period, user.id),
            kind="regional_digest",
            recipient=user.email,
            template="regional_digest",
            now=now,
            user=user,
            headers=unsubscribe_headers(user, "regional_digest"),
            region=region,
            period=period,
            sections=mine,
            list_limit=LIST_LIMIT,
            coming_days=COMING_DAYS,
            task_url=links.task_url,
            dashboard_link=external_url("dashboards.region", slug=region.slug),
            unsubscribe_link=links.unsubscribe_url(user, "regional_digest"),
            preferences_link=links.preferences_url(),
        )
        queued += 1
    session.flush()
    return queued


def due_regions(session: Session, *, now: datetime) -> list[tuple[Region, str]]:
    """The regions whose weekly slot is due at ``now``, each with the period it is for."""
    due = []
    for region in session.scalars(select(Region).order_by(Region.id)).all():
        slot = due_weekly_slot(
            now,
            region.timezone,
            region.digest_weekday,
            parse_hhmm(region.digest_time, DEFAULT_SLOT),
            since=region.created_at,
        )
        if slot is not None:
            due.append((region, slot[0]))
    return due
