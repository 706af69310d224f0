"""Tasks as the API answers them, read as plain rows and made JSON-ready in
one pass: a page of 200 costs three statements and no ORM object (the list
is the API's busiest answer; see bench/api.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tasking.core.urls import external_url
from tasking.models import Task, TaskPartner, User, task_collaborators

FIELDS = [
    "id",
    "plan_id",
    "objective_id",
    "title",
    "description",
    "status",
    "blocked_reason",
    "region_help",
    "region_help_reason",
    "due_date",
    "horizon",
    "level",
    "short_start",
    "short_end",
    "long_start",
    "long_end",
    "version",
    "created_at",
    "updated_at",
    "completed_at",
]


def _json(value: Any) -> Any:  # noqa: ANN401
    # Times are stored naive in UTC: said so, as the schemas' UtcDateTime does.
    if isinstance(value, datetime):
        return value.isoformat() + "+00:00"
    if isinstance(value, date):
        return value.isoformat()
    return value


def task_rows(
    session: Session, where: list[ColumnElement[bool]], limit: int | None = None
) -> list[dict[str, Any]]:
    """The tasks matching ``where`` in id order (at most ``limit``), as dicts
    in the shape of ``schemas.TaskSchema``."""
    owner = User.__table__.alias("owner")
    columns = [getattr(Task, name) for name in FIELDS]
    rows = session.execute(
        select(*columns, owner.c.name.label("owner_name"))
        .outerjoin(owner, owner.c.id == Task.owner_id)
        .add_columns(Task.owner_id)
        .where(*where)
        .order_by(Task.id)
        .limit(limit)
    ).all()
    ids = [row.id for row in rows]
    people: dict[int, list[dict]] = {}
    partners: dict[int, list[str]] = {}
    if ids:
        for task_id, user_id, name in session.execute(
            select(task_collaborators.c.task_id, User.id, User.name)
            .join(User, User.id == task_collaborators.c.user_id)
            .where(task_collaborators.c.task_id.in_(ids))
            .order_by(User.name)
        ):
            people.setdefault(task_id, []).append({"id": user_id, "name": name})
        for task_id, name in session.execute(
            select(TaskPartner.task_id, TaskPartner.name)
            .where(TaskPartner.task_id.in_(ids))
            .order_by(TaskPartner.id)
        ):
            partners.setdefault(task_id, []).append(name)
    # One address built, the others by their id: the URL map per row cost a tenth of the page.
    page = external_url("tasks.show", task_id=1)[: -len("1")]
    return [
        {
            **{name: _json(getattr(row, name)) for name in FIELDS},
            "owner": {"id": row.owner_id, "name": row.owner_name} if row.owner_id is not None else None,
            "collaborators": people.get(row.id, []),
            "partners": partners.get(row.id, []),
            "url": f"{page}{row.id}",
        }
        for row in rows
    ]


def task_row(session: Session, task_id: int) -> dict[str, Any]:
    return task_rows(session, [Task.id == task_id])[0]
