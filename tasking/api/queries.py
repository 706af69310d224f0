"""The task list of a plan, filtered like the board and read page by page."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.api.task_rows import task_rows
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import roles_of
from tasking.models import OperationalObjective, Organisation, Plan, Role, Task, TaskStatus, User


@dataclass
class TaskFilters:
    statuses: list[str] = field(default_factory=list)
    theme_id: int | None = None
    owner: str | None = None
    overdue: bool | None = None
    updated_since: datetime | None = None
    cursor: str | None = None
    limit: int = 100


def encode_cursor(task_id: int) -> str:
    return base64.urlsafe_b64encode(f"t{task_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("t"):
            raise ValueError(text)
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ServiceError(_("This cursor is not one the API gave."), "cursor") from exc


def _owner_id(owner: str, user: User) -> int:
    if owner == "me":
        return user.id
    try:
        return int(owner)
    except ValueError as exc:
        raise ServiceError(_("The owner is a person's id, or « me »."), "owner") from exc


def plan_tasks(
    session: Session, *, user: User, plan: Plan, filters: TaskFilters, now: datetime
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the plan's live tasks in id order, and the cursor of the next page."""
    where = [Task.plan_id == plan.id, Task.archived_at.is_(None)]
    if filters.statuses:
        where.append(Task.status.in_(filters.statuses))
    if filters.theme_id is not None:
        objectives = select(OperationalObjective.id).where(OperationalObjective.theme_id == filters.theme_id)
        where.append(Task.objective_id.in_(objectives))
    if filters.owner:
        where.append(Task.owner_id == _owner_id(filters.owner, user))
    if filters.overdue is not None:
        today = local_today(now, session.get(Organisation, plan.organisation_id).timezone)
        late = (Task.due_date < today) & (Task.status != TaskStatus.DONE.value)
        where.append(late if filters.overdue else ~late | Task.due_date.is_(None))
    if filters.updated_since is not None:
        since = filters.updated_since
        if since.tzinfo is not None:
            since = since.astimezone(UTC).replace(tzinfo=None)
        where.append(Task.updated_at >= since)
    if filters.cursor:
        where.append(Task.id > decode_cursor(filters.cursor))
    tasks = task_rows(session, where, limit=filters.limit + 1)
    more = len(tasks) > filters.limit
    tasks = tasks[: filters.limit]
    return tasks, encode_cursor(tasks[-1]["id"]) if more else None


def visible_organisations(session: Session, user: User) -> list[tuple[Organisation, str | None]]:
    """The organisations the person reads, with their role in each (None: read as a regional coordinator)."""
    roles = roles_of(session, user)
    admin_of = [org_id for org_id, role in roles.items() if role == Role.ADMIN.value]
    # A municipality's admins also read their region's own plan (its organisation).
    admin_regions = select(Organisation.region_id).where(Organisation.id.in_(admin_of))
    which = Organisation.id.in_(roles) | Organisation.staff_of_region_id.in_(admin_regions)
    if user.regional_region_id is not None:
        which = which | (Organisation.region_id == user.regional_region_id)
    organisations = session.scalars(select(Organisation).where(which).order_by(Organisation.name)).all()
    return [(organisation, roles.get(organisation.id)) for organisation in organisations]
