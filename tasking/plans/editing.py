"""Changing a plan's structure. Only the organisation's admins may; every
change writes a history line. Archiving hides an item (and what hangs off it)
from the plan and the board without deleting anything; restoring brings back
exactly what that archive hid.

Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.permissions import can_plan
from tasking.core.validation import clean_text, clean_title, parse_number
from tasking.models import OperationalObjective, Plan, Target, Task, Theme, User
from tasking.plans.builder import ActionSpec, History, ObjectiveSpec, PlanBuilder, TargetSpec, ThemeSpec
from tasking.tasks.activity import record
from tasking.tasks.editing import assignable_user_ids

THEME_FIELDS = (
    "title",
    "subtitle",
    "category",
    "colour",
    "definition",
    "missions_text",
    "missions_internal",
    "missions_external",
    "communication_issues",
)
OBJECTIVE_FIELDS = ("title", "description", "comments")
TARGET_FIELDS = ("text", "unit", "baseline", "target_value", "direction")
MAX_UNIT = 40
MAX_THEME_TITLE = 300
CATEGORIES = ("social", "economic", "transversal", "urban_security")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def _require_planner(session: Session, actor: User, plan: Plan) -> None:
    if not can_plan(session, actor, plan.organisation_id):
        raise ServiceError(_("Only the administrators of the organisation can change the plan."))


def _log(session: Session, plan: Plan, actor: User, kind: str, now: datetime, **kwargs: Any) -> None:
    record(
        session,
        task=None,
        plan_id=plan.id,
        organisation_id=plan.organisation_id,
        actor=actor,
        kind=kind,
        now=now,
        **kwargs,
    )


def _clean_theme(values: dict[str, Any]) -> dict[str, Any]:
    clean = {field: clean_text(values.get(field), field) for field in THEME_FIELDS}
    clean["title"] = clean_title(values.get("title"), limit=MAX_THEME_TITLE)
    if clean["category"] not in CATEGORIES:
        raise ServiceError(_("Unknown category."), "category")
    if not COLOUR_RE.match(clean["colour"]):
        raise ServiceError(_("The colour is written #rrggbb."), "colour")
    clean["colour"] = clean["colour"].lower()
    return clean


def _clean_objective(values: dict[str, Any]) -> dict[str, Any]:
    clean = {field: clean_text(values.get(field), field) for field in OBJECTIVE_FIELDS}
    clean["title"] = clean_title(values.get("title"))
    return clean


def _clean_target(values: dict[str, Any]) -> dict[str, Any]:
    text = clean_text(values.get("text"), "text")
    if not text:
        raise ServiceError(_("The target needs a text."), "text")
    direction = values.get("direction") or "up"
    if direction not in ("up", "down"):
        raise ServiceError(_("The direction is up or down."), "direction")
    unit = clean_text(values.get("unit"), "unit")
    if len(unit) > MAX_UNIT:
        raise ServiceError(_("The unit is a short word (%(num)d characters at most).", num=MAX_UNIT), "unit")
    return {
        "text": text,
        "unit": unit or None,
        "baseline": parse_number(values.get("baseline"), "baseline"),
        "target_value": parse_number(values.get("target_value"), "target_value"),
        "direction": direction,
    }


def _apply(
    session: Session, plan: Plan, actor: User, item: Any, clean: dict[str, Any], kind: str, now: datetime
) -> list[str]:
    """Set changed fields and write one history line per field."""
    changed = []
    for field, new in clean.items():
        old = getattr(item, field)
        if old != new:
            setattr(item, field, new)
            changed.append(field)
            _log(session, plan, actor, kind, now, field=field, old=old, new=new)
    return changed


def _builder(session: Session, plan: Plan, actor: User, now: datetime) -> PlanBuilder:
    """Builds the editor's additions, each with its history line."""
    return PlanBuilder(
        session, plan=plan, actor=actor, now=now, history=History(items=True, actions="created")
    )


# Themes ---------------------------------------------------------------------


def add_theme(session: Session, *, actor: User, plan: Plan, values: dict[str, Any], now: datetime) -> Theme:
    """A new theme (enjeu) at the end of the plan."""
    _require_planner(session, actor, plan)
    return _builder(session, plan, actor, now).add_theme(ThemeSpec(**_clean_theme(values)))


def update_theme(
    session: Session, *, actor: User, theme: Theme, values: dict[str, Any], now: datetime
) -> list[str]:
    """Change a theme's text, category or colour; returns the changed fields."""
    plan = theme.plan
    _require_planner(session, actor, plan)
    changed = _apply(session, plan, actor, theme, _clean_theme(values), "theme_changed", now)
    session.flush()
    return changed


# Operational objectives -------------------------------------------------------


def add_objective(
    session: Session, *, actor: User, theme: Theme, values: dict[str, Any], now: datetime
) -> OperationalObjective:
    """A new operational objective at the end of its theme."""
    plan = theme.plan
    _require_planner(session, actor, plan)
    spec = ObjectiveSpec(**_clean_objective(values))
    return _builder(session, plan, actor, now).add_objective(theme, spec)


def update_objective(
    session: Session, *, actor: User, objective: OperationalObjective, values: dict[str, Any], now: datetime
) -> list[str]:
    """Change an objective's title, description or comments; returns the changed fields."""
    plan = objective.theme.plan
    _require_planner(session, actor, plan)
    changed = _apply(session, plan, actor, objective, _clean_objective(values), "objective_changed", now)
    session.flush()
    return changed


# Actions (tasks) ----------------------------------------------------------------


def add_action(
    session: Session,
    *,
    actor: User,
    objective: OperationalObjective,
    title: str,
    description: str = "",
    owner_id: int | str | None = None,
    now: datetime,
) -> Task:
    """A new action: last of its objective, at the bottom of « To do »."""
    plan = objective.theme.plan
    _require_planner(session, actor, plan)
    title = clean_title(title)
    owner = None
    if owner_id not in (None, ""):
        try:
            owner = int(owner_id)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("Unknown person."), "owner_id") from exc
        if owner not in assignable_user_ids(session, plan.organisation_id):
            raise ServiceError(_("This person cannot be responsible for an action here."), "owner_id")
    spec = ActionSpec(title=title, description=clean_text(description, "description"), owner_id=owner)
    [task] = _builder(session, plan, actor, now).add_actions([(objective.id, spec)])
    return task


# Targets ------------------------------------------------------------------------


def add_target(
    session: Session, *, actor: User, objective: OperationalObjective, values: dict[str, Any], now: datetime
) -> Target:
    """A new target (cible); measurable when it has a target value."""
    plan = objective.theme.plan
    _require_planner(session, actor, plan)
    return _builder(session, plan, actor, now).add_target(objective, TargetSpec(**_clean_target(values)))


def update_target(
    session: Session, *, actor: User, target: Target, values: dict[str, Any], now: datetime
) -> list[str]:
    """Change a target's text or make it measurable; returns the changed fields."""
    plan = target.objective.theme.plan
    _require_planner(session, actor, plan)
    changed = _apply(session, plan, actor, target, _clean_target(values), "target_changed", now)
    session.flush()
    return changed


# Order and archive ------------------------------------------------------------------


def _siblings(session: Session, item: Any) -> tuple[list[Any], str]:
    """The items ordered alongside ``item`` and the name of their position column."""
    if isinstance(item, Theme):
        rows = select(Theme).where(Theme.plan_id == item.plan_id).order_by(Theme.position, Theme.id)
        return list(session.scalars(rows)), "position"
    if isinstance(item, OperationalObjective):
        rows = (
            select(OperationalObjective)
            .where(OperationalObjective.theme_id == item.theme_id)
            .order_by(OperationalObjective.position, OperationalObjective.id)
        )
        return list(session.scalars(rows)), "position"
    rows = select(Task).where(Task.objective_id == item.objective_id).order_by(Task.plan_position, Task.id)
    return list(session.scalars(rows)), "plan_position"


def plan_of(item: Theme | OperationalObjective | Task) -> Plan:
    """The plan a theme, an objective or an action belongs to."""
    if isinstance(item, Theme):
        return item.plan
    if isinstance(item, OperationalObjective):
        return item.theme.plan
    return item.plan


def _kind(item: Any) -> str:
    return {Theme: "theme", OperationalObjective: "objective", Task: "action"}[type(item)]


def _log_item(session: Session, item: Any, actor: User, action: str, now: datetime, **kwargs: Any) -> None:
    plan = plan_of(item)
    if isinstance(item, Task):
        kinds = {"moved": "plan_moved", "archived": "archived", "restored": "restored"}
        record(
            session,
            task=item,
            plan_id=plan.id,
            organisation_id=plan.organisation_id,
            actor=actor,
            kind=kinds[action],
            now=now,
            **kwargs,
        )
    else:
        _log(session, plan, actor, f"{_kind(item)}_{action}", now, field=f"{_kind(item)}:{item.id}", **kwargs)


def move(
    session: Session, *, actor: User, item: Theme | OperationalObjective | Task, direction: str, now: datetime
) -> bool:
    """One step up or down among the shown (not archived) siblings; False at an end."""
    _require_planner(session, actor, plan_of(item))
    if direction not in ("up", "down"):
        raise ServiceError(_("The direction is up or down."), "direction")
    siblings, column = _siblings(session, item)
    # Number them 1..n first: imported rows may share a position.
    for index, sibling in enumerate(siblings, start=1):
        setattr(sibling, column, index)
    visible = [s for s in siblings if s.archived_at is None or s is item]
    index = visible.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if other_index < 0 or other_index >= len(visible):
        session.flush()
        return False
    other = visible[other_index]
    mine, theirs = getattr(item, column), getattr(other, column)
    setattr(item, column, theirs)
    setattr(other, column, mine)
    _log_item(session, item, actor, "moved", now, old=mine, new=theirs)
    session.flush()
    return True


def archive(
    session: Session, *, actor: User, item: Theme | OperationalObjective | Task, now: datetime
) -> None:
    """Hide the item and what hangs off it from the plan and the board."""
    _require_planner(session, actor, plan_of(item))
    if item.archived_at is not None:
        raise ServiceError(_("This is already archived."))
    for hidden in [item, *_descendants(session, item, archived=False)]:
        hidden.archived_at = now
        if isinstance(hidden, Task):
            hidden.updated_at = now
        _log_item(session, hidden, actor, "archived", now)
    session.flush()


def restore(
    session: Session, *, actor: User, item: Theme | OperationalObjective | Task, now: datetime
) -> None:
    """Bring back the item and whatever its archive hid along with it."""
    _require_planner(session, actor, plan_of(item))
    if item.archived_at is None:
        raise ServiceError(_("This is not archived."))
    if isinstance(item, Task) and item.objective.archived_at is not None:
        raise ServiceError(_("Restore its objective first."))
    if isinstance(item, OperationalObjective) and item.theme.archived_at is not None:
        raise ServiceError(_("Restore its theme first."))
    when = item.archived_at
    for shown in [item, *(d for d in _descendants(session, item, archived=True) if d.archived_at == when)]:
        shown.archived_at = None
        if isinstance(shown, Task):
            shown.updated_at = now
        _log_item(session, shown, actor, "restored", now)
    session.flush()


def _descendants(session: Session, item: Any, *, archived: bool) -> list[Any]:
    """Objectives and tasks under ``item`` that are (not) archived."""

    def state(column: Any) -> Any:
        return column.is_not(None) if archived else column.is_(None)

    if isinstance(item, Theme):
        objectives = list(
            session.scalars(
                select(OperationalObjective).where(
                    OperationalObjective.theme_id == item.id, state(OperationalObjective.archived_at)
                )
            )
        )
        objective_ids = select(OperationalObjective.id).where(OperationalObjective.theme_id == item.id)
        tasks = list(
            session.scalars(select(Task).where(Task.objective_id.in_(objective_ids), state(Task.archived_at)))
        )
        return [*objectives, *tasks]
    if isinstance(item, OperationalObjective):
        return list(
            session.scalars(select(Task).where(Task.objective_id == item.id, state(Task.archived_at)))
        )
    return []
