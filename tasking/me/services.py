"""My tasks: what a person owns or helps with, grouped by urgency.

Groups: overdue, this week (due within the next seven days), later (further
or no date) and recently done (the last fourteen days). Each group is one
query capped at a page, plus one query counting all groups, so the page costs
the same for ten tasks or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from tasking.models import Membership, OperationalObjective, Plan, Task, TaskStatus, Theme, User
from tasking.models.task import task_collaborators

GROUPS = ("overdue", "week", "later", "done")
WEEK_DAYS = 7
DONE_DAYS = 14
CAP = 25
FULL_CAP = 1000


@dataclass
class Item:
    """One line of My tasks."""

    id: int
    title: str
    status: str
    due_date: date | None
    completed_at: datetime | None
    plan_id: int
    plan_title: str
    theme_title: str
    theme_colour: str
    owned: bool


@dataclass
class Group:
    key: str
    items: list[Item] = field(default_factory=list)
    count: int = 0

    @property
    def hidden(self) -> int:
        return self.count - len(self.items)


@dataclass
class MyTasks:
    groups: list[Group]
    today: date
    week_end: date

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def _conditions(user: User, today: date, now: datetime) -> dict[str, ColumnElement[bool]]:
    not_done = Task.status != TaskStatus.DONE.value
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    return {
        "overdue": and_(not_done, Task.due_date < today),
        "week": and_(not_done, Task.due_date >= today, Task.due_date <= week_end),
        "later": and_(not_done, or_(Task.due_date.is_(None), Task.due_date > week_end)),
        "done": and_(
            Task.status == TaskStatus.DONE.value, Task.completed_at >= now - timedelta(days=DONE_DAYS)
        ),
    }


def _base_conditions(user: User) -> list[ColumnElement[bool]]:
    # Ids first, through the owner and collaborator indexes: an OR of the two
    # would make every group scan all the organisation's tasks.
    mine = union(
        select(Task.id).where(Task.owner_id == user.id),
        select(task_collaborators.c.task_id).where(task_collaborators.c.user_id == user.id),
    )
    # Only organisations the person still belongs to.
    member_of = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return [
        Task.id.in_(mine),
        Task.archived_at.is_(None),
        OperationalObjective.archived_at.is_(None),
        Theme.archived_at.is_(None),
        Plan.archived_at.is_(None),
        Plan.organisation_id.in_(member_of),
    ]


def _joined(stmt):  # noqa: ANN001, ANN202
    return (
        stmt.join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .join(Plan, Plan.id == Task.plan_id)
    )


def my_tasks(
    session: Session, *, user: User, today: date, now: datetime, expand: str | None = None
) -> MyTasks:
    """The person's tasks by group; ``expand`` names a group shown in full
    (up to FULL_CAP lines) instead of its first CAP."""
    base = _base_conditions(user)
    conditions = _conditions(user, today, now)
    counts_row = session.execute(
        _joined(
            select(*(func.sum(case((condition, 1), else_=0)) for condition in conditions.values()))
        ).where(*base)
    ).one()
    orders = {
        "overdue": (Task.due_date, Task.id),
        "week": (Task.due_date, Task.id),
        "later": (Task.due_date.is_(None), Task.due_date, Task.board_position, Task.id),
        "done": (Task.completed_at.desc(), Task.id),
    }
    groups = []
    for (key, condition), count in zip(conditions.items(), counts_row, strict=True):
        group = Group(key, count=int(count or 0))
        if group.count:
            rows = session.execute(
                _joined(
                    select(
                        Task.id,
                        Task.title,
                        Task.status,
                        Task.due_date,
                        Task.completed_at,
                        Task.owner_id,
                        Plan.id.label("plan_id"),
                        Plan.title.label("plan_title"),
                        Theme.title.label("theme_title"),
                        Theme.colour.label("theme_colour"),
                    )
                )
                .where(*base, condition)
                .order_by(*orders[key])
                .limit(FULL_CAP if expand == key else CAP)
            )
            group.items = [
                Item(
                    id=row.id,
                    title=row.title,
                    status=row.status,
                    due_date=row.due_date,
                    completed_at=row.completed_at,
                    plan_id=row.plan_id,
                    plan_title=row.plan_title,
                    theme_title=row.theme_title,
                    theme_colour=row.theme_colour,
                    owned=row.owner_id == user.id,
                )
                for row in rows
            ]
        groups.append(group)
    return MyTasks(groups=groups, today=today, week_end=today + timedelta(days=WEEK_DAYS - 1))
