"""The figures behind the dashboards, computed with a fixed number of grouped queries.

Every function takes the session and a ``today`` (the organisation's calendar
day, chosen by the caller) and never reads the clock or the request: the
overdue list of a report is "as of" a day, and tests pick that day. The
number of SQL statements does not grow with the number of tasks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tasking.dashboards.charts import Segment, TrendChart, stacked_segments, trend_chart
from tasking.models import (
    Measurement,
    OperationalObjective,
    Organisation,
    Plan,
    Region,
    Target,
    Task,
    TaskStatus,
    Theme,
    User,
)

STATUSES = tuple(status.value for status in TaskStatus)
DONE = TaskStatus.DONE.value
BLOCKED = TaskStatus.BLOCKED.value
#: The order of a stacked bar's segments (and of its legend): done first, to do last.
BAR_ORDER = (DONE, TaskStatus.IN_PROGRESS.value, BLOCKED, TaskStatus.TODO.value)


@dataclass
class StatusCounts:
    """How many live tasks are in each status, and how many are overdue."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[DONE]

    @property
    def blocked(self) -> int:
        return self.counts[BLOCKED]

    @property
    def done_share(self) -> float | None:
        """Share of actions done (0..1), None when there are none."""
        return self.done / self.total if self.total else None

    def share(self, status: str) -> float:
        return self.counts[status] / self.total if self.total else 0.0

    @property
    def segments(self) -> list[Segment]:
        """The stacked bar of these counts."""
        return stacked_segments(self.counts, BAR_ORDER)

    def add(self, status: str, count: int, overdue: int) -> None:
        # An unknown status (should not happen) still counts toward the total as to do.
        key = status if status in self.counts else TaskStatus.TODO.value
        self.counts[key] += count
        self.overdue += overdue


@dataclass
class ThemeProgress:
    theme: Theme
    figures: StatusCounts


@dataclass
class TaskLine:
    """A task in the overdue or blocked list."""

    id: int
    title: str
    status: str
    due_date: date | None
    blocked_reason: str
    owner_name: str | None
    theme_title: str
    theme_colour: str
    days_late: int


@dataclass
class Indicator:
    """A target with its measurements, progress and chart."""

    target: Target
    objective: OperationalObjective
    theme: Theme
    measurements: list[Measurement]
    chart: TrendChart | None

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def progress(self) -> float | None:
        first = self.measurements[0].value if self.measurements else None
        return self.target.progress(self.latest.value if self.latest else None, first)


@dataclass
class PlanDashboard:
    plan: Plan
    organisation: Organisation
    today: date
    themes: list[ThemeProgress]
    figures: StatusCounts
    overdue: list[TaskLine]
    blocked: list[TaskLine]
    indicators: list[Indicator]
    text_targets: list[Indicator]


def _live_tasks(plan_ids):  # noqa: ANN001, ANN202
    """Tasks of these plans that are not archived, nor under an archived objective or theme.

    The theme's plan is named too (a task's theme is always of its plan): at
    province scale PostgreSQL then walks these plans' themes and objectives by
    index instead of hashing every objective of every plan (21 ms → 3 ms for a
    region of 20 plans of 150 tasks).
    """
    return (
        select()
        .select_from(Task)
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(
            Task.plan_id.in_(plan_ids),
            Theme.plan_id.in_(plan_ids),
            Task.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            Theme.archived_at.is_(None),
        )
    )


def _live_themes(session: Session, plan_id: int) -> list[Theme]:
    query = select(Theme).where(Theme.plan_id == plan_id, Theme.archived_at.is_(None))
    return list(session.scalars(query.order_by(Theme.position, Theme.id)))


def _overdue_condition(today: date):  # noqa: ANN202
    return and_(Task.due_date.is_not(None), Task.due_date < today, Task.status != DONE)


def _status_rows(session: Session, plan_ids: list[int], today: date):  # noqa: ANN202
    """(plan id, theme id, status, count, overdue count) in one grouped query."""
    overdue = func.sum(case((_overdue_condition(today), 1), else_=0))
    query = _live_tasks(plan_ids).add_columns(
        Task.plan_id, Theme.id, Task.status, func.count(Task.id), overdue
    )
    return session.execute(query.group_by(Task.plan_id, Theme.id, Task.status)).all()


def plan_dashboard(session: Session, *, plan: Plan, today: date) -> PlanDashboard:
    """Progress by theme, status breakdown, overdue and blocked tasks, targets."""
    organisation = session.get(Organisation, plan.organisation_id)
    themes = list(
        session.scalars(
            select(Theme)
            .where(Theme.plan_id == plan.id, Theme.archived_at.is_(None))
            .order_by(Theme.position)
        )
    )
    by_theme = {theme.id: ThemeProgress(theme, StatusCounts()) for theme in themes}
    figures = StatusCounts()
    for _plan_id, theme_id, status, count, overdue in _status_rows(session, [plan.id], today):
        by_theme[theme_id].figures.add(status, count, int(overdue or 0))
        figures.add(status, count, int(overdue or 0))

    overdue_lines, blocked_lines = _attention_lists(session, plan.id, today)
    indicators = plan_indicators(session, plan=plan, themes=themes)
    return PlanDashboard(
        plan=plan,
        organisation=organisation,
        today=today,
        themes=list(by_theme.values()),
        figures=figures,
        overdue=overdue_lines,
        blocked=blocked_lines,
        indicators=[i for i in indicators if i.target.is_measurable],
        text_targets=[i for i in indicators if not i.target.is_measurable],
    )


def _attention_lists(session: Session, plan_id: int, today: date) -> tuple[list[TaskLine], list[TaskLine]]:
    """Overdue tasks (oldest due date first) and blocked tasks, in one query."""
    query = (
        _live_tasks([plan_id])
        .add_columns(
            Task.id,
            Task.title,
            Task.status,
            Task.due_date,
            Task.blocked_reason,
            User.name,
            Theme.title,
            Theme.colour,
        )
        .outerjoin(User, User.id == Task.owner_id)
        .where(or_(Task.status == BLOCKED, _overdue_condition(today)))
        .order_by(Task.due_date.is_(None), Task.due_date, Theme.position, Task.plan_position, Task.id)
    )
    overdue, blocked = [], []
    for task_id, title, status, due, reason, owner, theme_title, colour in session.execute(query):
        line = TaskLine(
            id=task_id,
            title=title,
            status=status,
            due_date=due,
            blocked_reason=reason or "",
            owner_name=owner,
            theme_title=theme_title,
            theme_colour=colour,
            days_late=(today - due).days if due and due < today and status != DONE else 0,
        )
        if line.days_late > 0:
            overdue.append(line)
        if status == BLOCKED:
            blocked.append(line)
    return overdue, blocked


def plan_indicators(
    session: Session,
    *,
    plan: Plan,
    themes: list[Theme] | None = None,
    width: int = 240,
    height: int = 80,
) -> list[Indicator]:
    """Every live target of the plan, in plan order, with measurements and a chart."""
    if themes is None:
        themes = _live_themes(session, plan.id)
    theme_by_id = {theme.id: theme for theme in themes}
    rows = session.execute(
        select(Target, OperationalObjective)
        .join(OperationalObjective, OperationalObjective.id == Target.objective_id)
        .where(
            OperationalObjective.theme_id.in_(list(theme_by_id)),
            OperationalObjective.archived_at.is_(None),
        )
        .options(selectinload(Target.measurements).selectinload(Measurement.author))
    ).all()
    order = {theme.id: index for index, theme in enumerate(themes)}
    rows.sort(key=lambda r: (order[r[1].theme_id], r[1].position, r[1].id, r[0].position, r[0].id))
    indicators = []
    for target, objective in rows:
        measurements = list(target.measurements)
        chart = None
        if target.is_measurable:
            chart = trend_chart(
                [(m.measured_on, m.value) for m in measurements],
                target=target.target_value,
                baseline=target.baseline,
                width=width,
                height=height,
            )
        indicators.append(Indicator(target, objective, theme_by_id[objective.theme_id], measurements, chart))
    return indicators


# --- Regional dashboard -----------------------------------------------------


@dataclass
class RegionalColumn:
    """A theme as the plans of the region share it (matched by number, else title)."""

    key: str
    number: int | None
    title: str
    colour: str


@dataclass
class RegionalRow:
    """One live plan of a municipality (or the municipality alone, without a plan)."""

    organisation: Organisation
    plan: Plan | None
    figures: StatusCounts
    cells: dict[str, StatusCounts]


@dataclass
class RegionalDashboard:
    region: Region
    today: date
    columns: list[RegionalColumn]
    rows: list[RegionalRow]

    @property
    def municipalities(self) -> list[tuple[Organisation, list[RegionalRow]]]:
        """The rows grouped by municipality, in the rows' order."""
        return [(org, list(rows)) for org, rows in groupby(self.rows, key=lambda row: row.organisation)]


def theme_key(number: int | None, title: str) -> str:
    """The same theme in two municipalities' plans: same number, or same title."""
    return f"n{number}" if number is not None else "t:" + " ".join(title.lower().split())


def regional_dashboard(
    session: Session, *, region: Region, organisation_ids: list[int], today: date
) -> RegionalDashboard:
    """One row per live plan of each municipality, one column per theme.

    Every live plan gets its own row, named: a municipality that imports a
    second plan (a Word document, a copy) must not see its first one vanish.
    """
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(organisation_ids), Organisation.region_id == region.id)
            .order_by(Organisation.name)
        )
    )
    plans_of: dict[int, list[Plan]] = defaultdict(list)
    plans = session.scalars(
        select(Plan)
        .where(Plan.organisation_id.in_([o.id for o in organisations]), Plan.archived_at.is_(None))
        .order_by(Plan.created_at, Plan.id)
    )
    for plan in plans:
        plans_of[plan.organisation_id].append(plan)
    rows_by_plan = {
        plan.id: RegionalRow(org, plan, StatusCounts(), defaultdict(StatusCounts))
        for org in organisations
        for plan in plans_of[org.id]
    }

    # The columns only, not whole themes (their long texts are not shown here).
    themes = session.execute(
        select(Theme.id, Theme.number, Theme.title, Theme.colour)
        .where(Theme.plan_id.in_(list(rows_by_plan)), Theme.archived_at.is_(None))
        .order_by(Theme.position, Theme.id)
    ).all()
    columns: dict[str, RegionalColumn] = {}
    key_of_theme: dict[int, str] = {}
    for theme in themes:
        key = theme_key(theme.number, theme.title)
        key_of_theme[theme.id] = key
        columns.setdefault(key, RegionalColumn(key, theme.number, theme.title, theme.colour))
    ordered = sorted(columns.values(), key=lambda c: (c.number is None, c.number or 0))

    for plan_id, theme_id, status, count, overdue in _status_rows(session, list(rows_by_plan), today):
        row = rows_by_plan[plan_id]
        row.cells[key_of_theme[theme_id]].add(status, count, int(overdue or 0))
        row.figures.add(status, count, int(overdue or 0))
    rows = []
    for org in organisations:
        org_rows = [rows_by_plan[plan.id] for plan in plans_of[org.id]]
        rows.extend(org_rows or [RegionalRow(org, None, StatusCounts(), {})])
    return RegionalDashboard(region=region, today=today, columns=ordered, rows=rows)


def group_indicators(
    indicators: list[Indicator],
) -> list[tuple[Theme, list[tuple[OperationalObjective, list[Indicator]]]]]:
    """Indicators (already in plan order) as theme → objective → targets, for the page."""
    grouped = []
    for _theme_id, by_theme in groupby(indicators, key=lambda i: i.theme.id):
        by_theme = list(by_theme)
        objectives = [
            (items[0].objective, items)
            for items in (list(g) for _o, g in groupby(by_theme, key=lambda i: i.objective.id))
        ]
        grouped.append((by_theme[0].theme, objectives))
    return grouped


def first_task_of_objectives(session: Session, objective_ids: list[int]) -> dict[int, int]:
    """objective id → the id of its first live action, where measurements are recorded."""
    rows = session.execute(
        select(Task.objective_id, func.min(Task.id))
        .where(Task.objective_id.in_(objective_ids), Task.archived_at.is_(None))
        .group_by(Task.objective_id)
    )
    return dict(rows.all())
