"""The regional dashboard's weeks: each municipality's trend over the last
twelve weeks (progress and overdue), the open follow-ups of the region's
meetings by owner and age, and the meetings held with each municipality's
attendance.

The trend reads the weekly snapshots (``PlanWeek``) that the regional digest
job records at the region's weekly slot (``tasking.regions.summary.record_week``,
called by ``tasking.scheduling.regional.digest_region``); the current week is
today's figures, which is what the digest compares with last week's
snapshot. A week the job did not record (the scheduler was down, the region
did not exist yet) shows as unknown rather than guessed. Every function
here reads with a fixed number of queries whatever the region's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tasking.core.calendar import iso_week, local
from tasking.dashboards.services import RegionalDashboard
from tasking.models import Meeting, MeetingAttendance, Organisation, PlanWeek, Region
from tasking.regions.summary import Counts, open_follow_ups

#: How many weeks the trend shows, the current one included.
TREND_WEEKS = 12
#: The sparkline's box (the numbers are in the table beside it).
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


@dataclass
class TrendWeek:
    """A column of the trend: an ISO week, its Monday; the last is the current week."""

    week: str
    monday: date
    current: bool = False

    @property
    def number(self) -> int:
        return self.monday.isocalendar()[1]


@dataclass
class TrendRow:
    """One municipality's figures, one per week (None: not recorded that week)."""

    organisation_id: int
    name: str
    slug: str
    points: list[Counts | None]

    def _change(self, attribute: str) -> int | None:
        now, before = self.points[-1], self.points[-2] if len(self.points) > 1 else None
        if now is None or before is None:
            return None
        return getattr(now, attribute) - getattr(before, attribute)

    @property
    def progress_change(self) -> int | None:
        """Points of progress since last week's snapshot (as the digest counts them)."""
        return self._change("progress")

    @property
    def overdue_change(self) -> int | None:
        return self._change("overdue")

    @property
    def sparkline(self) -> list[list[tuple[float, float]]]:
        """The progress as (x, y) runs of known weeks, broken where a week is
        unknown (a run of one week is drawn as a dot). The scale runs from 0 to
        the row's highest progress rounded up to ten points, so a plan at 3 %
        still shows its slope; the figures are in the table."""
        step = SPARK_WIDTH / max(len(self.points) - 1, 1)
        known = [point.progress for point in self.points if point is not None and point.total]
        top = max(10, -(-max(known, default=0) // 10) * 10)
        runs: list[list[tuple[float, float]]] = [[]]
        for index, point in enumerate(self.points):
            if point is None or not point.total:
                runs.append([])
                continue
            y = SPARK_HEIGHT - 2 - point.progress / top * (SPARK_HEIGHT - 4)
            runs[-1].append((round(index * step, 1), round(y, 1)))
        return [run for run in runs if run]


@dataclass
class RegionTrend:
    weeks: list[TrendWeek]
    rows: list[TrendRow]

    @property
    def recorded(self) -> bool:
        """Whether any past week was recorded (else the trend is only today)."""
        return any(point is not None for row in self.rows for point in row.points[:-1])


def trend_weeks(today: date, count: int = TREND_WEEKS) -> list[TrendWeek]:
    """The last ``count`` ISO weeks, oldest first, ending with today's."""
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    return [TrendWeek(iso_week(day), day, current=day == monday) for day in weeks]


def region_trend(session: Session, board: RegionalDashboard) -> RegionTrend:
    """Each municipality of the board: its recorded weeks, then today's
    figures (its live plans summed, from the board)."""
    weeks = trend_weeks(board.today)
    organisations = [organisation for organisation, _rows in board.municipalities]
    recorded: dict[tuple[int, str], Counts] = {}
    if organisations:
        rows = session.execute(
            select(
                PlanWeek.organisation_id,
                PlanWeek.week,
                func.sum(PlanWeek.total),
                func.sum(PlanWeek.done),
                func.sum(PlanWeek.overdue),
                func.sum(PlanWeek.blocked),
            )
            .where(
                PlanWeek.organisation_id.in_([o.id for o in organisations]),
                PlanWeek.week.in_([w.week for w in weeks[:-1]]),
            )
            .group_by(PlanWeek.organisation_id, PlanWeek.week)
        )
        for org_id, week, total, done, overdue, blocked in rows:
            recorded[(org_id, week)] = Counts(int(total), int(done), int(overdue), int(blocked))
    trend = []
    for organisation, plan_rows in board.municipalities:
        today = Counts()
        for row in plan_rows:
            figures = row.figures
            today.add(Counts(figures.total, figures.done, figures.overdue, figures.blocked))
        points = [recorded.get((organisation.id, week.week)) for week in weeks[:-1]]
        points.append(today if any(row.plan for row in plan_rows) else None)
        trend.append(TrendRow(organisation.id, organisation.name, organisation.slug, points))
    return RegionTrend(weeks, trend)


@dataclass
class FollowUpLine:
    """An open follow-up: how long since the meeting decided it, how late it is."""

    task_id: int
    title: str
    due_date: date | None
    decided: date
    age: int
    days_late: int


@dataclass
class OwnerFollowUps:
    """One person's open follow-ups, the oldest first."""

    owner: str | None
    lines: list[FollowUpLine] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for line in self.lines if line.days_late > 0)


def follow_ups_by_owner(
    session: Session, region: Region, *, now: datetime, today: date
) -> list[OwnerFollowUps]:
    """The open follow-ups of the region's meetings (the digest's list),
    grouped by owner (by name; nobody's last), each with its age in days
    since the meeting that decided it."""
    owners: dict[int | None, OwnerFollowUps] = {}
    for follow_up in open_follow_ups(session, region, now):
        group = owners.setdefault(follow_up.owner_id, OwnerFollowUps(follow_up.owner))
        due = follow_up.due_date
        group.lines.append(
            FollowUpLine(
                task_id=follow_up.task_id,
                title=follow_up.title,
                due_date=due,
                decided=follow_up.meeting,
                age=max((today - follow_up.meeting).days, 0),
                days_late=(today - due).days if due and due < today else 0,
            )
        )
    for group in owners.values():
        group.lines.sort(key=lambda line: (-line.age, line.due_date or date.max, line.task_id))
    return sorted(owners.values(), key=lambda g: (g.owner is None, (g.owner or "").casefold()))


@dataclass
class HeldMeeting:
    """A closed meeting (its minutes), with how many municipalities attended."""

    id: int
    day: date  # in the region's time zone
    present: int
    expected: int


@dataclass
class Attendance:
    """How many of the meetings held a municipality attended."""

    organisation_id: int
    name: str
    present: int = 0
    held: int = 0

    @property
    def absent(self) -> int:
        return self.held - self.present

    @property
    def rate(self) -> float | None:
        return self.present / self.held if self.held else None


@dataclass
class MeetingsHeld:
    since: date  # the first day counted, in the region's time zone
    meetings: list[HeldMeeting]
    attendance: list[Attendance]


def meetings_held(
    session: Session, region: Region, *, organisations: list[Organisation], now: datetime
) -> MeetingsHeld:
    """The region's meetings closed in the trend's weeks, latest first, each
    with its municipalities present; and, for ``organisations``, how many of
    them each attended."""
    since = now - timedelta(weeks=TREND_WEEKS)
    held = (
        select(Meeting.id)
        .where(Meeting.region_id == region.id, Meeting.closed_at.is_not(None), Meeting.starts_at >= since)
        .scalar_subquery()
    )
    present = func.sum(case((MeetingAttendance.present.is_(True), 1), else_=0))
    # Municipalities only: the region's own staff also have a line on the sheet.
    municipal = select(Organisation.id).where(Organisation.region_id == region.id).scalar_subquery()
    meetings = session.execute(
        select(Meeting.id, Meeting.starts_at, present, func.count(MeetingAttendance.id))
        .outerjoin(
            MeetingAttendance,
            (MeetingAttendance.meeting_id == Meeting.id) & MeetingAttendance.organisation_id.in_(municipal),
        )
        .where(Meeting.id.in_(held))
        .group_by(Meeting.id, Meeting.starts_at)
        .order_by(Meeting.starts_at.desc())
    ).all()
    attendance = {o.id: Attendance(o.id, o.name) for o in organisations}
    if attendance and meetings:
        rows = session.execute(
            select(MeetingAttendance.organisation_id, present, func.count(MeetingAttendance.id))
            .where(
                MeetingAttendance.meeting_id.in_(held),
                MeetingAttendance.organisation_id.in_(list(attendance)),
            )
            .group_by(MeetingAttendance.organisation_id)
        )
        for org_id, came, sheets in rows:
            attendance[org_id].present, attendance[org_id].held = int(came or 0), int(sheets)
    return MeetingsHeld(
        since=local(since, region.timezone).date(),
        meetings=[
            HeldMeeting(meeting_id, local(starts_at, region.timezone).date(), int(came or 0), int(sheets))
            for meeting_id, starts_at, came, sheets in meetings
        ],
        attendance=list(attendance.values()),
    )
