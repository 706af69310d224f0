"""Building a plan, or part of one, from a plain description.

The template import, the Word import, the spreadsheet import and the plan
editor all describe what they create with the dataclasses below (themes →
operational objectives → actions and targets, plus the general objectives);
:class:`PlanBuilder` turns that description into rows, places them (position
in their parent, place at the bottom of their board column) and writes their
history as the caller asked through :class:`History`.

Nothing here checks permissions or cleans input: the callers decide, the
builder writes. Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.models import (
    GeneralObjective,
    OperationalObjective,
    Organisation,
    Plan,
    SpecificObjective,
    Target,
    Task,
    TaskPartner,
    TaskStatus,
    Theme,
    User,
)
from tasking.tasks.activity import record


@dataclass
class ActionSpec:
    """An action (task) to create; people are user ids already checked."""

    title: str
    description: str = ""
    status: str = TaskStatus.TODO.value
    blocked_reason: str = ""
    owner_id: int | None = None
    collaborator_ids: list[int] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    horizon: str | None = None
    level: str | None = None
    short_start: date | None = None
    short_end: date | None = None
    long_start: date | None = None
    long_end: date | None = None
    due_date: date | None = None


@dataclass
class TargetSpec:
    text: str
    unit: str | None = None
    baseline: float | None = None
    target_value: float | None = None
    direction: str = "up"


@dataclass
class ObjectiveSpec:
    """An operational objective with its targets and actions."""

    title: str
    description: str = ""
    comments: str = ""
    targets: list[TargetSpec] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)


@dataclass
class ThemeSpec:
    """A theme (enjeu); ``number`` None in the editor means "the next one"."""

    title: str
    number: int | None = None
    subtitle: str = ""
    category: str = "transversal"
    colour: str = "#e0b400"
    definition: str = ""
    missions_text: str = ""
    missions_internal: str = ""
    missions_external: str = ""
    communication_issues: str = ""
    objectives_heading: str = ""
    actions_note: str = ""
    objectives: list[ObjectiveSpec] = field(default_factory=list)


@dataclass
class SpecificSpec:
    number: str
    title: str
    details: str = ""
    precision: str = ""


@dataclass
class GeneralSpec:
    """A general objective and its specific objectives."""

    horizon: str
    title: str
    specifics: list[SpecificSpec] = field(default_factory=list)


@dataclass
class PlanSpec:
    """A whole plan."""

    title: str
    event: str = ""
    template_key: str | None = None
    source: str = ""
    timing_note: str = ""
    general: list[GeneralSpec] = field(default_factory=list)
    themes: list[ThemeSpec] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    """Which history lines a build writes: ``plan``, the kind of one line for
    a new plan; ``items``, a "theme_added" (objective, target) line per item;
    ``actions``, the kind of each new action's line (its title as new value)."""

    plan: str | None = None
    items: bool = False
    actions: str | None = None


class PlanBuilder:
    """Adds described rows to one plan, on behalf of ``actor`` at ``now``."""

    def __init__(
        self, session: Session, *, plan: Plan, actor: User | None, now: datetime, history: History
    ) -> None:
        self.session = session
        self.plan = plan
        self.actor = actor
        self.now = now
        self.history = history
        # Loaded on first use: the last plan position of each objective and the
        # bottom of each board column (empty for a plan built here).
        self._plan_positions: dict[int, int] | None = None
        self._column_ends: dict[str, float] | None = None
        self._users: dict[int, User] = {}

    # A whole new plan -------------------------------------------------------------

    @classmethod
    def new_plan(
        cls,
        session: Session,
        *,
        organisation: Organisation,
        spec: PlanSpec,
        actor: User | None,
        now: datetime,
        history: History,
    ) -> Plan:
        """The described plan as a new plan of ``organisation``, inserted together."""
        plan = Plan(
            organisation=organisation,
            title=spec.title,
            event=spec.event,
            template_key=spec.template_key,
            source=spec.source,
            timing_note=spec.timing_note,
            created_at=now,
        )
        session.add(plan)
        session.flush()
        builder = cls(session, plan=plan, actor=actor, now=now, history=history)
        builder._plan_positions, builder._column_ends = {}, {}
        builder._load_users(a.collaborator_ids for t in spec.themes for o in t.objectives for a in o.actions)
        for position, general in enumerate(spec.general):
            builder._general_row(general, position)
        for position, theme in enumerate(spec.themes):
            builder._theme_row(theme, position)
        session.flush()
        if history.plan:
            builder._log(history.plan, new=plan.title)
            session.flush()
        return plan

    def _general_row(self, spec: GeneralSpec, position: int) -> GeneralObjective:
        general = GeneralObjective(
            plan_id=self.plan.id, horizon=spec.horizon, title=spec.title, position=position
        )
        for s_pos, specific in enumerate(spec.specifics):
            general.specific_objectives.append(
                SpecificObjective(
                    number=specific.number,
                    title=specific.title,
                    details=specific.details,
                    precision=specific.precision,
                    position=s_pos,
                )
            )
        self.session.add(general)
        return general

    def _theme_row(self, spec: ThemeSpec, position: int) -> Theme:
        theme = Theme(plan_id=self.plan.id, position=position, **_theme_values(spec))
        self.session.add(theme)
        for o_pos, objective in enumerate(spec.objectives):
            self._objective_row(theme, objective, o_pos)
        return theme

    def _objective_row(self, theme: Theme, spec: ObjectiveSpec, position: int) -> OperationalObjective:
        # A theme built here has no id yet; an existing one is named by its id
        # (not appended to its possibly loaded list of objectives).
        parent = {"theme_id": theme.id} if theme.id is not None else {"theme": theme}
        objective = OperationalObjective(
            **parent,
            title=spec.title,
            description=spec.description,
            comments=spec.comments,
            position=position,
        )
        self.session.add(objective)
        for t_pos, target in enumerate(spec.targets):
            objective.targets.append(Target(position=t_pos, **_target_values(target)))
        for a_pos, action in enumerate(spec.actions):
            objective.tasks.append(self._task_row(action, a_pos))
        return objective

    def _task_row(self, spec: ActionSpec, plan_position: int) -> Task:
        """The action's row, at the bottom of its board column."""
        ends = self._column_ends_of_plan()
        ends[spec.status] = (ends.get(spec.status) or 0.0) + 1.0
        task = Task(
            plan_id=self.plan.id,
            title=spec.title,
            description=spec.description,
            status=spec.status,
            blocked_reason=spec.blocked_reason,
            owner_id=spec.owner_id,
            horizon=spec.horizon,
            level=spec.level,
            short_start=spec.short_start,
            short_end=spec.short_end,
            long_start=spec.long_start,
            long_end=spec.long_end,
            due_date=spec.due_date,
            plan_position=plan_position,
            board_position=ends[spec.status],
            created_at=self.now,
            updated_at=self.now,
            completed_at=self.now if spec.status == TaskStatus.DONE.value else None,
        )
        if spec.collaborator_ids:
            task.collaborators = [self._users[uid] for uid in spec.collaborator_ids]
        if spec.partners:
            task.partners = [TaskPartner(name=name) for name in spec.partners]
        return task

    # Parts added to an existing plan ---------------------------------------------------

    def add_theme(self, spec: ThemeSpec) -> Theme:
        """A new theme at the end of the plan (numbered after the last one
        when ``spec.number`` is None)."""
        if spec.number is None:
            spec.number = (self._max(Theme.number, Theme.plan_id == self.plan.id) or 0) + 1
        position = self._next(Theme.position, Theme.plan_id == self.plan.id)
        theme = self._theme_row(spec, position)
        self._added("theme", theme, theme.title)
        return theme

    def add_objective(self, theme: Theme, spec: ObjectiveSpec) -> OperationalObjective:
        """A new operational objective at the end of ``theme``."""
        position = self._next(OperationalObjective.position, OperationalObjective.theme_id == theme.id)
        objective = self._objective_row(theme, spec, position)
        self._added("objective", objective, objective.title)
        return objective

    def add_target(self, objective: OperationalObjective, spec: TargetSpec) -> Target:
        """A new target at the end of ``objective``."""
        position = self._next(Target.position, Target.objective_id == objective.id)
        target = Target(objective_id=objective.id, position=position, **_target_values(spec))
        self.session.add(target)
        self._added("target", target, target.text)
        return target

    def add_actions(self, actions: list[tuple[int, ActionSpec]]) -> list[Task]:
        """New actions (objective id, description), each last of its objective
        and at the bottom of its board column, inserted together."""
        positions = self._plan_positions_of_plan()
        self._load_users(spec.collaborator_ids for _objective_id, spec in actions)
        created: list[Task] = []
        for objective_id, spec in actions:
            positions[objective_id] = (positions.get(objective_id) or 0) + 1
            task = self._task_row(spec, positions[objective_id])
            task.objective_id = objective_id
            self.session.add(task)
            created.append(task)
        self.session.flush()
        if self.history.actions:
            for task in created:
                self._log(self.history.actions, task=task, new=task.title)
        return created

    # Helpers ------------------------------------------------------------------------------

    def _added(self, kind: str, item: Any, text: str) -> None:
        """Flush the new item, then its "<kind>_added" line when asked for."""
        self.session.flush()
        if self.history.items:
            self._log(f"{kind}_added", field=f"{kind}:{item.id}", new=text)

    def _log(self, kind: str, *, task: Task | None = None, **values: Any) -> None:
        record(
            self.session,
            task=task,
            plan_id=self.plan.id,
            organisation_id=self.plan.organisation_id,
            actor=self.actor,
            kind=kind,
            now=self.now,
            **values,
        )

    def _max(self, column: Any, *where: Any) -> Any:
        return self.session.scalar(select(func.max(column)).where(*where))

    def _next(self, column: Any, *where: Any) -> int:
        return (self._max(column, *where) or 0) + 1

    def _plan_positions_of_plan(self) -> dict[int, int]:
        if self._plan_positions is None:
            self._plan_positions = self._maxima(Task.objective_id, Task.plan_position)
        return self._plan_positions

    def _column_ends_of_plan(self) -> dict[str, float]:
        if self._column_ends is None:
            self._column_ends = self._maxima(Task.status, Task.board_position)
        return self._column_ends

    def _maxima(self, key: Any, value: Any) -> dict[Any, Any]:
        """The plan's tasks' largest ``value`` for each ``key``, in one query."""
        rows = select(key, func.max(value)).where(Task.plan_id == self.plan.id).group_by(key)
        return dict(self.session.execute(rows).all())

    def _load_users(self, id_lists: Iterable[list[int]]) -> None:
        """The collaborators the build will name, in one query."""
        wanted = {uid for ids in id_lists for uid in ids} - self._users.keys()
        if wanted:
            self._users.update(
                (u.id, u) for u in self.session.scalars(select(User).where(User.id.in_(wanted)))
            )


def _theme_values(spec: ThemeSpec) -> dict[str, Any]:
    """The theme's own columns (its objectives are rows of their own)."""
    return {f.name: getattr(spec, f.name) for f in fields(spec) if f.name != "objectives"}


def _target_values(spec: TargetSpec) -> dict[str, Any]:
    return {f.name: getattr(spec, f.name) for f in fields(spec)}
