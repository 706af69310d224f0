"""Carrying out a previewed import of the task sheet, in the caller's
transaction: changed tasks through the task services (every change leaves a
history line), new actions through the plan builder (a line each).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.exchange.import_plan import Preview
from tasking.exchange.tasksheet import DATE_KEYS
from tasking.models import Plan, Task, TaskStatus, User
from tasking.plans.builder import ActionSpec, History, PlanBuilder
from tasking.tasks import editing


@dataclass
class Applied:
    updated: int = 0
    created: int = 0


def apply_in_steps(
    session: Session,
    *,
    actor: User,
    plan_id: int,
    result: Preview,
    now: datetime,
    done: Applied,
    step: int = 250,
) -> Iterator[int]:
    """Carry out a preview, yielding the number of rows written so far after
    each flush of `step` rows, so that a page can show the progress of a long
    import. Counts go into `done`; the caller commits once, after the last
    step (all or nothing)."""
    plan = session.get(Plan, plan_id)
    # Loaded together, with what the task services and their listeners read.
    loaded = {
        task.id: task
        for task in session.scalars(
            select(Task)
            .where(Task.id.in_([update.task_id for update in result.updates]))
            .options(selectinload(Task.collaborators), selectinload(Task.partners))
        )
    }
    for update in result.updates:
        task = loaded[update.task_id]
        values = dict(update.values)
        collaborators = values.pop("collaborators", None)
        partners = values.pop("partners", None)
        if values:
            editing.update_task(
                session, actor=actor, task=task, changes=values, version=None, now=now, via="import"
            )
        if collaborators is not None:
            editing.set_collaborators(
                session, actor=actor, task=task, user_ids=collaborators, version=None, now=now
            )
        if partners is not None:
            # A sheet names partners only: those kept keep their contact e-mail.
            labels = {p.name: p.label for p in task.partners}
            names = [labels.get(name, name) for name in partners]
            editing.set_partners(session, actor=actor, task=task, names=names, version=None, now=now)
        done.updated += 1
        if done.updated % step == 0:
            session.flush()
            yield done.updated
    builder = PlanBuilder(session, plan=plan, actor=actor, now=now, history=History(actions="created:import"))
    for start in range(0, len(result.creations), step):
        batch = result.creations[start : start + step]
        done.created += len(builder.add_actions([(c.objective_id, _action(c.values)) for c in batch]))
        yield done.updated + done.created
    if result.updates and not result.creations and done.updated % step:
        session.flush()
        yield done.updated


def _action(values: dict[str, Any]) -> ActionSpec:
    """A previewed new row as an action for the builder."""
    return ActionSpec(
        title=values["title"],
        description=values.get("description") or "",
        status=values.get("status") or TaskStatus.TODO.value,
        blocked_reason=values.get("blocked_reason") or "",
        owner_id=values.get("owner_id"),
        collaborator_ids=list(values.get("collaborators") or []),
        partners=list(values.get("partners") or []),
        horizon=values.get("horizon"),
        level=values.get("level"),
        **{key: values.get(key) for key in DATE_KEYS},
    )
