"""Reading tasks for their pages: the task with what its page shows, its
history, the organisation's people, and the changes a stale form missed.

The page is read in a fixed, small number of statements (issue 15): the task
with its plan, organisation, objective, theme, owner and partners in one;
the organisation's people with the task's collaborators in one; the latest
comments in one; the targets with their latest measurement in one. History
and older comments are fragments of their own, loaded when scrolled to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Row, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tasking.models import (
    Activity,
    Comment,
    Measurement,
    Membership,
    Notification,
    OperationalObjective,
    Plan,
    Target,
    Task,
    TaskPartner,
    User,
)
from tasking.models.task import task_collaborators

#: Comments the page shows at first.
COMMENTS_SHOWN = 5
#: Older comments, loaded when scrolled to, come in pages of this size.
OLDER_COMMENTS = 20
#: Every comment, on the page without JavaScript (a bound all the same).
MAX_COMMENTS = 2000


@dataclass
class TaskHeader:
    """The task as its page opens, and two facts read with it."""

    task: Task
    #: The reader has notifications about this task not yet read.
    unread: bool
    comment_count: int


@dataclass
class TargetLine:
    target: Target
    #: The latest measurement's value and date, if any.
    latest_value: float | None
    latest_on: date | None


@dataclass
class CommentPage:
    """Comments in the order they were written, and whether older ones exist."""

    comments: list[Comment] = field(default_factory=list)
    older: bool = False


def task_header(session: Session, task_id: int, reader_id: int) -> TaskHeader | None:
    """The task with its plan, organisation, objective, theme, owner and
    partners, whether ``reader_id`` has unread notifications about it, and
    how many comments it has: one statement."""
    unread = exists().where(
        Notification.user_id == reader_id, Notification.task_id == Task.id, Notification.read_at.is_(None)
    )
    comments = select(func.count(Comment.id)).where(Comment.task_id == Task.id).scalar_subquery()
    row = (
        session.execute(
            select(Task, unread.label("unread"), comments.label("comments"))
            .where(Task.id == task_id)
            .options(
                joinedload(Task.plan).joinedload(Plan.organisation),
                joinedload(Task.objective).joinedload(OperationalObjective.theme),
                joinedload(Task.owner),
                joinedload(Task.partners).joinedload(TaskPartner.contact),
            )
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    return TaskHeader(row[0], bool(row[1]), row[2] or 0)


def people_of_task(session: Session, task_id: int, organisation_id: int) -> list[Row]:
    """The organisation's people (``id``, ``name``, ``email``, ``active``,
    ``role``) and the task's collaborators among them, members or not
    (``collaborating``), by name: one statement of plain rows (the page
    needs no more of them than that)."""
    collaborating = select(task_collaborators.c.user_id).where(task_collaborators.c.task_id == task_id)
    is_collaborator = User.id.in_(collaborating)
    return list(
        session.execute(
            select(
                User.id,
                User.name,
                User.email,
                User.active,
                Membership.role,
                is_collaborator.label("collaborating"),
            )
            .outerjoin(
                Membership, and_(Membership.user_id == User.id, Membership.organisation_id == organisation_id)
            )
            .where(or_(Membership.user_id.is_not(None), is_collaborator))
            .order_by(User.name, User.id)
        )
    )


def latest_comments(
    session: Session, task_id: int, before: Comment | None = None, limit: int = COMMENTS_SHOWN
) -> CommentPage:
    """The ``limit`` latest comments (written before ``before`` if given),
    oldest first, with their authors; one statement."""
    query = select(Comment).where(Comment.task_id == task_id).options(joinedload(Comment.author))
    if before is not None:
        query = query.where(
            or_(
                Comment.created_at < before.created_at,
                and_(Comment.created_at == before.created_at, Comment.id < before.id),
            )
        )
    rows = list(
        session.scalars(query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit + 1))
    )
    return CommentPage(list(reversed(rows[:limit])), older=len(rows) > limit)


def target_lines(session: Session, objective_id: int) -> list[TargetLine]:
    """The objective's targets in order, each with its latest measurement; one statement."""
    latest_id = (
        select(Measurement.id)
        .where(Measurement.target_id == Target.id)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        .limit(1)
        .correlate(Target)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Target, Measurement.value, Measurement.measured_on)
        .outerjoin(Measurement, Measurement.id == latest_id)
        .where(Target.objective_id == objective_id)
        .order_by(Target.position, Target.id)
    ).all()
    return [TargetLine(*row) for row in rows]


def target_with_measurements(session: Session, target_id: int) -> Target | None:
    """One target with all its measurements and their authors (its form is open)."""
    return session.scalars(
        select(Target)
        .where(Target.id == target_id)
        .options(selectinload(Target.measurements).joinedload(Measurement.author))
    ).first()


def task_history(session: Session, task_id: int, limit: int = 200) -> list[Activity]:
    """The task's history lines, newest first, with their authors."""
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.task_id == task_id)
            .options(joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )


def organisation_people(session: Session, organisation_id: int) -> list[tuple[User, str]]:
    """Active people of the organisation with their role, by name."""
    return list(
        session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.name)
        )
    )


# History lines that leave the task itself as it was (a conflict does not list them).
NOT_CHANGES = ("comment", "reminder", "checkin")


def changes_since(session: Session, task_id: int, version: int, limit: int = 50) -> list[Activity]:
    """Every change a form built on task ``version`` has not seen, newest
    first, with their authors (to explain a conflict)."""
    return list(
        session.scalars(
            select(Activity)
            .where(
                Activity.task_id == task_id,
                Activity.task_version >= version,
                Activity.kind.not_in(NOT_CHANGES),
            )
            .options(selectinload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
