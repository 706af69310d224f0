"""History lines (activity): one row per change to a plan or a task, written
in the same transaction as the change. Every capability that changes a plan
writes its history through :func:`record`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from tasking.models import Activity, Task, User


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def record(
    session: Session,
    *,
    task: Task | None,
    plan_id: int,
    organisation_id: int,
    actor: User | None,
    kind: str,
    now: datetime,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> Activity:
    """One line of history."""
    activity = Activity(
        organisation_id=organisation_id,
        plan_id=plan_id,
        task_id=task.id if task else None,
        actor_id=actor.id if actor else None,
        kind=kind,
        field=field,
        old_value=_as_text(old),
        new_value=_as_text(new),
        created_at=now,
        task_version=task.version if task else None,
    )
    session.add(activity)
    return activity


def record_task(
    session: Session,
    task: Task,
    organisation_id: int,
    actor: User | None,
    kind: str,
    now: datetime,
    **values: Any,
) -> Activity:
    """One line of a task's history (``values``: field, old, new)."""
    return record(
        session,
        task=task,
        plan_id=task.plan_id,
        organisation_id=organisation_id,
        actor=actor,
        kind=kind,
        now=now,
        **values,
    )
