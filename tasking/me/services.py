"""My tasks: what a person owns or helps with, grouped by urgency.

Groups: overdue, this week (due within the next seven days), later (further
or no date) and recently done (the last fourteen days). One query
whatever the number of tasks: the person's tasks with what a line shows,
sorted into groups here (each group capped).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter

from sqlalchemy import Row, Select, any_, bindparam, func, or_, select, union
from sqlalchemy.orm import Session

from tasking.core.batches import Query, read_together
from tasking.models import Membership, OperationalObjective, Plan, Task, TaskStatus, Theme, User
from tasking.models.task import task_collaborators

GROUPS = ("overdue", "week", "later", "done")
WEEK_DAYS = 7
DONE_DAYS = 14
CAP = 25
FULL_CAP = 1000


@dataclass
class Group:
    """``items``: the statement's rows, one a line (id, title, status,
    due_date, completed_at, plan_id, plan_title, theme_title, theme_colour,
    owned, board_position), read as they come: making an object of each
    cost more than reading it."""

    key: str
    items: list[Row] = field(default_factory=list)
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


@functools.cache
def _my_tasks_statement(postgresql: bool) -> Select:
    """Built once per database kind (building it cost about as much as running
    it); the person and the start of « recently done » are parameters."""
    user_id = bindparam("user_id")
    helps_on = select(task_collaborators.c.task_id).where(task_collaborators.c.user_id == user_id)
    # The person's tasks through the owner and collaborator indexes, never a
    # scan of all the organisation's tasks. PostgreSQL makes of ``IN (SELECT
    # …)`` a hash of every task of the organisation; the ids helped on as an
    # array feed one bitmap scan with the owner index instead. SQLite reads
    # the union's ids through both indexes, then each task by its key.
    if postgresql:
        mine = or_(Task.owner_id == user_id, Task.id == any_(func.array(helps_on.scalar_subquery())))
    else:
        mine = Task.id.in_(union(select(Task.id).where(Task.owner_id == user_id), helps_on))
    # Only organisations the person still belongs to.
    member_of = select(Membership.organisation_id).where(Membership.user_id == user_id)
    return (
        select(
            Task.id,
            Task.title,
            Task.status,
            Task.due_date,
            Task.completed_at,
            Plan.id.label("plan_id"),
            Plan.title.label("plan_title"),
            Theme.title.label("theme_title"),
            Theme.colour.label("theme_colour"),
            Task.owner_id.is_not_distinct_from(user_id).label("owned"),
            Task.board_position,
        )
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            mine,
            Task.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            Theme.archived_at.is_(None),
            Plan.archived_at.is_(None),
            Plan.organisation_id.in_(member_of),
            or_(Task.status != TaskStatus.DONE.value, Task.completed_at >= bindparam("done_since")),
        )
    )


def my_tasks_read(session: Session, user_id: int, now: datetime) -> Query:
    """``my_tasks``' statement, which the page sends with its reader's
    (``batches.reads_first``). « Recently done » starts at a whole minute:
    the reader's statement and the page, a moment apart, ask the same."""
    done_since = (now - timedelta(days=DONE_DAYS)).replace(second=0, microsecond=0)
    statement = _my_tasks_statement(session.get_bind().dialect.name == "postgresql")
    return statement, {"user_id": user_id, "done_since": done_since}


def my_tasks(
    session: Session, *, user: User, today: date, now: datetime, expand: str | None = None
) -> MyTasks:
    """The person's tasks by group; ``expand`` names a group shown in full
    (up to FULL_CAP lines) instead of its first CAP.

    One statement: every task the person may see in a group, found through
    the owner and collaborator indexes, with what its line shows. It grows
    with the person's own tasks only, never with the size of the plan; the
    groups are sorted and capped here (a second statement for the lines shown
    cost more, on PostgreSQL above all, than the lines not shown).
    """
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    # A plain select does not flush: what this session changed must show.
    session.flush()
    (rows,) = read_together(session, [my_tasks_read(session, user.id, now)])
    grouped: dict[str, list] = {key: [] for key in GROUPS}
    done = TaskStatus.DONE.value  # once: an enum member's value is a slow attribute
    for row in rows:
        due = row.due_date
        if row.status == done:
            grouped["done"].append(row)
        elif due is not None and due < today:
            grouped["overdue"].append(row)
        elif due is not None and due <= week_end:
            grouped["week"].append(row)
        else:
            grouped["later"].append(row)
    # Keys read in C (attrgetter) where no date may be missing.
    far = date.max
    grouped["overdue"].sort(key=attrgetter("due_date", "id"))
    grouped["week"].sort(key=attrgetter("due_date", "id"))
    grouped["later"].sort(key=lambda row: (row.due_date or far, row.board_position, row.id))
    # The latest first, by id when done at the same instant: sorted by id,
    # then (a stable sort, reversed or not) by instant.
    grouped["done"].sort(key=attrgetter("id"))
    grouped["done"].sort(key=attrgetter("completed_at"), reverse=True)
    groups = [
        Group(key, rows[: FULL_CAP if expand == key else CAP], len(rows)) for key, rows in grouped.items()
    ]
    return MyTasks(groups=groups, today=today, week_end=week_end)
