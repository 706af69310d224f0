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

from sqlalchemy import Row, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.util import identity_key

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
#: History lines come in pages of this size, newest first: the page loads the
#: first when it is scrolled to, each page the one before it when its end is.
HISTORY_PAGE = 50
#: The whole history, on the page without JavaScript (a bound all the same).
MAX_HISTORY = 2000


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
class HistoryPage:
    """History lines, newest first, and whether older ones exist."""

    lines: list[Activity] = field(default_factory=list)
    older: bool = False


@dataclass
class CommentPage:
    """Comments in the order they were written, and whether older ones exist."""

    comments: list[Row] = field(default_factory=list)
    older: bool = False


def _header_statement() -> Select:
    unread = exists().where(
        Notification.user_id == bindparam("reader_id"),
        Notification.task_id == Task.id,
        Notification.read_at.is_(None),
    )
    comments = select(func.count(Comment.id)).where(Comment.task_id == Task.id).scalar_subquery()
    return (
        select(Task, unread.label("unread"), comments.label("comments"))
        .where(Task.id == bindparam("task_id"))
        .options(
            joinedload(Task.plan).joinedload(Plan.organisation),
            joinedload(Task.objective).joinedload(OperationalObjective.theme),
            joinedload(Task.owner),
            joinedload(Task.partners).joinedload(TaskPartner.contact),
        )
    )


#: Built once: building this statement cost as much as running it.
_HEADER = _header_statement()
_HEADER_REFRESHED = _HEADER.execution_options(populate_existing=True)


def task_header(session: Session, task_id: int, reader_id: int) -> TaskHeader | None:
    """The task with its plan, organisation, objective, theme, owner and
    partners, whether ``reader_id`` has unread notifications about it, and
    how many comments it has: one statement."""
    # After a change in this session, what is stored wins over what is held;
    # a plain view holds nothing yet, and refreshing costs as much as the read.
    held = identity_key(Task, task_id) in session.identity_map
    statement = _HEADER_REFRESHED if held else _HEADER
    row = session.execute(statement, {"task_id": task_id, "reader_id": reader_id}).unique().first()
    if row is None:
        return None
    return TaskHeader(row[0], bool(row[1]), row[2] or 0)


def _people_statement() -> Select:
    collaborating = select(task_collaborators.c.user_id).where(
        task_collaborators.c.task_id == bindparam("task_id")
    )
    is_collaborator = User.id.in_(collaborating)
    return (
        select(
            User.id,
            User.name,
            User.email,
            User.active,
            Membership.role,
            is_collaborator.label("collaborating"),
        )
        .outerjoin(
            Membership,
            and_(Membership.user_id == User.id, Membership.organisation_id == bindparam("organisation_id")),
        )
        .where(or_(Membership.user_id.is_not(None), is_collaborator))
        .order_by(User.name, User.id)
    )


_PEOPLE = _people_statement()


def people_of_task(session: Session, task_id: int, organisation_id: int) -> list[Row]:
    """The organisation's people (``id``, ``name``, ``email``, ``active``,
    ``role``) and the task's collaborators among them, members or not
    (``collaborating``), by name: one statement of plain rows (the page
    needs no more of them than that)."""
    return list(session.execute(_PEOPLE, {"task_id": task_id, "organisation_id": organisation_id}))


#: A comment as its page shows it: ``id``, ``body``, ``created_at``, ``author_name``.
_COMMENTS = (
    select(Comment.id, Comment.body, Comment.created_at, User.name.label("author_name"))
    .outerjoin(User, User.id == Comment.author_id)
    .where(Comment.task_id == bindparam("task_id"))
    .order_by(Comment.created_at.desc(), Comment.id.desc())
    .limit(bindparam("limit"))
)
_COMMENTS_BEFORE = _COMMENTS.where(
    or_(
        Comment.created_at < bindparam("before_at"),
        and_(Comment.created_at == bindparam("before_at"), Comment.id < bindparam("before_id")),
    )
)


def latest_comments(
    session: Session, task_id: int, before: Comment | None = None, limit: int = COMMENTS_SHOWN
) -> CommentPage:
    """The ``limit`` latest comments (written before ``before`` if given),
    oldest first, as plain rows with their author's name; one statement."""
    values = {"task_id": task_id, "limit": limit + 1}
    if before is None:
        rows = list(session.execute(_COMMENTS, values))
    else:
        values |= {"before_at": before.created_at, "before_id": before.id}
        rows = list(session.execute(_COMMENTS_BEFORE, values))
    return CommentPage(list(reversed(rows[:limit])), older=len(rows) > limit)


def _targets_statement() -> Select:
    latest_id = (
        select(Measurement.id)
        .where(Measurement.target_id == Target.id)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        .limit(1)
        .correlate(Target)
        .scalar_subquery()
    )
    return (
        select(Target, Measurement.value, Measurement.measured_on)
        .outerjoin(Measurement, Measurement.id == latest_id)
        .where(Target.objective_id == bindparam("objective_id"))
        .order_by(Target.position, Target.id)
    )


_TARGETS = _targets_statement()


def target_lines(session: Session, objective_id: int) -> list[TargetLine]:
    """The objective's targets in order, each with its latest measurement; one statement."""
    return [TargetLine(*row) for row in session.execute(_TARGETS, {"objective_id": objective_id})]


def target_with_measurements(session: Session, target_id: int) -> Target | None:
    """One target with all its measurements and their authors (its form is open)."""
    return session.scalars(
        select(Target)
        .where(Target.id == target_id)
        .options(selectinload(Target.measurements).joinedload(Measurement.author))
    ).first()


def history_page(
    session: Session, task_id: int, before: Activity | None = None, limit: int = HISTORY_PAGE
) -> HistoryPage:
    """The ``limit`` latest history lines (made before ``before`` if given),
    newest first, with their authors; one statement."""
    query = select(Activity).where(Activity.task_id == task_id).options(joinedload(Activity.actor))
    if before is not None:
        query = query.where(
            or_(
                Activity.created_at < before.created_at,
                and_(Activity.created_at == before.created_at, Activity.id < before.id),
            )
        )
    rows = list(
        session.scalars(query.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit + 1))
    )
    return HistoryPage(rows[:limit], older=len(rows) > limit)


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
