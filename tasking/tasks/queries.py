"""Reading tasks for their pages: the task with what its page shows, its
history, the organisation's people, and the changes a stale form missed.

The page is read in a fixed, small number of statements (issue 15): the task
with its plan, organisation, objective, theme, owner and partners in one;
the organisation's people with the task's collaborators in one; the latest
comments in one; the targets with their latest measurement in one, the four
sent together (one round trip on PostgreSQL: ``core.batches``). History
and older comments are fragments of their own, loaded when scrolled to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import ColumnElement, Row, Select, Table, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tasking.core.batches import Query, read_together
from tasking.models import (
    Activity,
    CheckinAnswer,
    Comment,
    Measurement,
    Membership,
    Notification,
    OperationalObjective,
    Organisation,
    PartnerContact,
    Plan,
    Target,
    Task,
    TaskPartner,
    Theme,
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


class Read(SimpleNamespace):
    """A stored row copied for reading: its columns as attributes, and the
    relations the page reads as further copies. The page only reads, and
    full ORM entities cost several times their statement (issue 15)."""


class TaskRead(Read):
    """A task as its page reads it: every column, ``plan`` (with its
    ``organisation``), ``objective`` (with its ``theme``), ``owner``,
    ``partners`` (each with its ``contact``) and ``collaborators``."""

    is_overdue = Task.is_overdue


class OrganisationRead(Read):
    kind = Organisation.kind


class PartnerRead(Read):
    label = TaskPartner.label


class ContactRead(Read):
    active = PartnerContact.active


class TargetRead(Read):
    is_measurable = Target.is_measurable
    progress = Target.progress


@dataclass
class TaskHeader:
    """The task as its page opens, and the facts read with it."""

    task: TaskRead
    #: The reader has notifications about this task not yet read.
    unread: bool
    comment_count: int
    #: What the task's people last said at a check-in (``health``, ``note``,
    #: ``nothing_new``, ``created_at``, ``who``), if anything.
    last_checkin: Read | None = None
    #: Each partner's latest opinion, newest first: (partner's name, answer).
    partner_opinions: list[tuple[str, Read]] = field(default_factory=list)


@dataclass
class TargetLine:
    target: TargetRead
    #: The latest measurement's value and date, if any.
    latest_value: float | None
    latest_on: date | None


@dataclass
class HistoryPage:
    """History lines, newest first, and whether older ones exist."""

    #: Each line's columns and its ``actor`` (``id``, ``name``), if any.
    lines: list[Read] = field(default_factory=list)
    older: bool = False


@dataclass
class CommentPage:
    """Comments in the order they were written, and whether older ones exist."""

    comments: list[Row] = field(default_factory=list)
    older: bool = False


class _Part:
    """Where one read object's columns sit in a wide row, and its class."""

    def __init__(self, kind: type[Read], columns: list[ColumnElement], start: int):
        self.kind = kind
        self.names = tuple(column.key for column in columns)
        self.start, self.stop = start, start + len(columns)

    def read(self, row: Row) -> Read:
        return self.kind(**dict(zip(self.names, row[self.start : self.stop], strict=True)))


_TASK, _PLAN, _ORGANISATION = Task.__table__, Plan.__table__, Organisation.__table__
_OBJECTIVE, _THEME = OperationalObjective.__table__, Theme.__table__
_PARTNER, _CONTACT, _ANSWER = TaskPartner.__table__, PartnerContact.__table__, CheckinAnswer.__table__
_USER, _COMMENT = User.__table__, Comment.__table__.c


def _columns(table: Table, *names: str) -> list[ColumnElement]:
    return [table.c[name] for name in names]


def _header_statement() -> tuple[Select, dict[str, _Part]]:
    owner = _USER.alias("owner")
    last = _ANSWER.alias("last_checkin")
    last_author = _USER.alias("last_author")
    opinion = _ANSWER.alias("opinion")
    task_id = bindparam("task_id")
    notification = Notification.__table__.c
    unread = exists().where(
        notification.user_id == bindparam("reader_id"),
        notification.task_id == task_id,
        notification.read_at.is_(None),
    )
    comments = select(func.count(_COMMENT.id)).where(_COMMENT.task_id == task_id).scalar_subquery()
    # The task's people's latest answer, and each partner contact's (issue 15:
    # the page's « last check-in » box is read here, not in a statement of its own).
    own_latest = (
        select(func.max(_ANSWER.c.id))
        .where(_ANSWER.c.task_id == task_id, _ANSWER.c.partner_contact_id.is_(None))
        .scalar_subquery()
    )
    partner_latest = (
        select(func.max(_ANSWER.c.id))
        .where(_ANSWER.c.task_id == task_id, _ANSWER.c.partner_contact_id == _PARTNER.c.contact_id)
        .correlate(_PARTNER)
        .scalar_subquery()
    )
    said = ("id", "health", "note", "nothing_new", "created_at", "partner_contact_id")
    # Every column of the task (its forms show any of them); of the rest, what
    # the page, its rights and its breadcrumb read: on PostgreSQL each column
    # of a result costs the driver a description object, every time.
    groups: dict[str, tuple[type[Read], list[ColumnElement]]] = {
        "task": (TaskRead, list(_TASK.c)),
        "plan": (Read, _columns(_PLAN, "id", "organisation_id", "title", "archived_at")),
        "organisation": (
            OrganisationRead,
            _columns(_ORGANISATION, "id", "name", "region_id", "staff_of_region_id", "timezone"),
        ),
        "objective": (Read, _columns(_OBJECTIVE, "id", "theme_id", "title")),
        "theme": (Read, _columns(_THEME, "id", "title", "colour")),
        "owner": (Read, [owner.c.id, owner.c.name, owner.c.email, owner.c.active]),
        "partner": (PartnerRead, list(_PARTNER.c)),
        "contact": (ContactRead, _columns(_CONTACT, "id", "email", "name", "revoked_at")),
        "last": (Read, [*(last.c[name] for name in said), last_author.c.name.label("who")]),
        "opinion": (Read, [opinion.c[name] for name in said]),
    }
    parts, columns = {}, []
    for name, (kind, group) in groups.items():
        parts[name] = _Part(kind, group, len(columns))
        columns += [column.label(f"{name}_{column.key}") for column in group]
    statement = (
        select(*columns, unread.label("unread"), comments.label("comments"))
        .join(_PLAN, _PLAN.c.id == _TASK.c.plan_id)
        .join(_ORGANISATION, _ORGANISATION.c.id == _PLAN.c.organisation_id)
        .join(_OBJECTIVE, _OBJECTIVE.c.id == _TASK.c.objective_id)
        .join(_THEME, _THEME.c.id == _OBJECTIVE.c.theme_id)
        .outerjoin(owner, owner.c.id == _TASK.c.owner_id)
        .outerjoin(last, last.c.id == own_latest)
        .outerjoin(last_author, last_author.c.id == last.c.user_id)
        .outerjoin(_PARTNER, _PARTNER.c.task_id == _TASK.c.id)
        .outerjoin(_CONTACT, _CONTACT.c.id == _PARTNER.c.contact_id)
        .outerjoin(opinion, opinion.c.id == partner_latest)
        .where(_TASK.c.id == task_id)
        .order_by(_PARTNER.c.id)
    )
    return statement, parts


#: Built once: building this statement cost as much as running it.
_HEADER, _HEADER_PARTS = _header_statement()


def _header_of(rows: list[Row]) -> TaskHeader | None:
    """The task with its plan, organisation, objective, theme, owner and
    partners, whether the reader has unread notifications about it, how
    many comments it has and what its last check-in said, from the rows of
    ``_HEADER`` (one a partner), copied into read-only objects."""
    if not rows:
        return None
    part = _HEADER_PARTS
    first = rows[0]
    task = part["task"].read(first)
    task.plan = part["plan"].read(first)
    task.plan.organisation = part["organisation"].read(first)
    task.objective = part["objective"].read(first)
    task.objective.theme = part["theme"].read(first)
    task.owner = part["owner"].read(first) if task.owner_id is not None else None
    task.partners = []
    opinions = []
    for row in rows:
        if row[part["partner"].start] is None:
            continue
        partner = part["partner"].read(row)
        partner.contact = part["contact"].read(row) if partner.contact_id is not None else None
        task.partners.append(partner)
        if row[part["opinion"].start] is not None:
            opinions.append((partner.name, part["opinion"].read(row)))
    opinions.sort(key=lambda said: said[1].id, reverse=True)
    last = part["last"].read(first) if first[part["last"].start] is not None else None
    return TaskHeader(task, bool(first.unread), first.comments or 0, last, opinions)


#: The task's organisation, for statements that run beside the task's own (``read_together``).
_organisation_of_task = (
    select(_PLAN.c.organisation_id)
    .select_from(_TASK.join(_PLAN, _PLAN.c.id == _TASK.c.plan_id))
    .where(_TASK.c.id == bindparam("task_id"))
    .scalar_subquery()
)


def _people_statement() -> Select:
    collaborator, members = task_collaborators.c, Membership.__table__
    collaborating = select(collaborator.user_id).where(collaborator.task_id == bindparam("task_id"))
    is_collaborator = _USER.c.id.in_(collaborating)
    return (
        select(
            _USER.c.id,
            _USER.c.name,
            _USER.c.email,
            _USER.c.active,
            members.c.role,
            is_collaborator.label("collaborating"),
        )
        .select_from(
            _USER.outerjoin(
                members,
                and_(members.c.user_id == _USER.c.id, members.c.organisation_id == _organisation_of_task),
            )
        )
        .where(or_(members.c.user_id.is_not(None), is_collaborator))
        .order_by(_USER.c.name, _USER.c.id)
    )


_PEOPLE = _people_statement()


def task_and_people(session: Session, task_id: int, reader_id: int) -> tuple[TaskHeader | None, list[Row]]:
    """The task's header (``_header_of``; None if there is no such task) and
    the people of its organisation (``id``, ``name``, ``email``, ``active``,
    ``role``) with its collaborators among them, members or not
    (``collaborating``), by name: two statements, one round trip."""
    header_rows, people = _read(session, _header_read(task_id, reader_id), (_PEOPLE, {"task_id": task_id}))
    return _header_of(header_rows), people


def task_page(
    session: Session, task_id: int, reader_id: int
) -> tuple[TaskHeader | None, list[Row], CommentPage, list[TargetLine]]:
    """What the task page shows at first: the header and people (as
    ``task_and_people``), the latest comments (``latest_comments``) and the
    objective's targets, each with its latest measurement: four statements,
    one round trip."""
    header_rows, people, comments, targets = _read(session, *task_page_reads(reader_id, task_id))
    return _header_of(header_rows), people, _comment_page(comments, COMMENTS_SHOWN), _target_lines(targets)


def task_page_reads(reader_id: int, task_id: int) -> list[Query]:
    """``task_page``'s statements, which the page sends with its reader's."""
    return [
        _header_read(task_id, reader_id),
        (_PEOPLE, {"task_id": task_id}),
        (_COMMENTS, {"task_id": task_id, "limit": COMMENTS_SHOWN + 1}),
        (_TASK_TARGETS, {"task_id": task_id}),
    ]


def _header_read(task_id: int, reader_id: int) -> Query:
    return _HEADER, {"task_id": task_id, "reader_id": reader_id}


def _read(session: Session, *reads: Query) -> list[list[Row]]:
    # A plain select does not flush: what this session changed must show.
    session.flush()
    return read_together(session, reads)


#: A comment as its page shows it: ``id``, ``body``, ``created_at``, ``author_name``.
_COMMENTS = (
    select(_COMMENT.id, _COMMENT.body, _COMMENT.created_at, _USER.c.name.label("author_name"))
    .select_from(Comment.__table__)
    .outerjoin(_USER, _USER.c.id == _COMMENT.author_id)
    .where(_COMMENT.task_id == bindparam("task_id"))
    .order_by(_COMMENT.created_at.desc(), _COMMENT.id.desc())
    .limit(bindparam("limit"))
)
_COMMENTS_BEFORE = _COMMENTS.where(
    or_(
        _COMMENT.created_at < bindparam("before_at"),
        and_(_COMMENT.created_at == bindparam("before_at"), _COMMENT.id < bindparam("before_id")),
    )
)


def _keyset_page(
    session: Session,
    statements: tuple[Select, Select],
    task_id: int,
    before: Activity | Comment | None,
    limit: int,
) -> list[Row]:
    """``limit`` + 1 rows of a task's page (the extra one says whether more
    precede): the first page, or the one before the row ``before`` (by its
    ``created_at`` and ``id``)."""
    first, preceding = statements
    values = {"task_id": task_id, "limit": limit + 1}
    if before is None:
        return list(session.execute(first, values))
    values |= {"before_at": before.created_at, "before_id": before.id}
    return list(session.execute(preceding, values))


def latest_comments(
    session: Session, task_id: int, before: Comment | None = None, limit: int = COMMENTS_SHOWN
) -> CommentPage:
    """The ``limit`` latest comments (written before ``before`` if given),
    oldest first, as plain rows with their author's name; one statement."""
    return _comment_page(_keyset_page(session, (_COMMENTS, _COMMENTS_BEFORE), task_id, before, limit), limit)


def _comment_page(rows: list[Row], limit: int) -> CommentPage:
    return CommentPage(rows[:limit][::-1], older=len(rows) > limit)


def _targets_statement() -> tuple[Select, _Part]:
    target, measurement = Target.__table__, Measurement.__table__
    latest_id = (
        select(measurement.c.id)
        .where(measurement.c.target_id == target.c.id)
        .order_by(measurement.c.measured_on.desc(), measurement.c.id.desc())
        .limit(1)
        .correlate(target)
        .scalar_subquery()
    )
    task_id = bindparam("task_id")
    objective_of_task = select(_TASK.c.objective_id).where(_TASK.c.id == task_id).scalar_subquery()
    statement = (
        select(target, measurement.c.value, measurement.c.measured_on)
        .outerjoin(measurement, measurement.c.id == latest_id)
        .where(target.c.objective_id == objective_of_task)
        .order_by(target.c.position, target.c.id)
    )
    return statement, _Part(TargetRead, list(target.c), 0)


#: The targets of the task's objective, each with its latest measurement.
_TASK_TARGETS, _TARGET_PART = _targets_statement()


def _target_lines(rows: list[Row]) -> list[TargetLine]:
    part = _TARGET_PART
    return [TargetLine(part.read(row), row[part.stop], row[part.stop + 1]) for row in rows]


def target_with_measurements(session: Session, target_id: int) -> Target | None:
    """One target with all its measurements and their authors (its form is open)."""
    return session.scalars(
        select(Target)
        .where(Target.id == target_id)
        .options(selectinload(Target.measurements).joinedload(Measurement.author))
    ).first()


def _history_statements() -> tuple[Select, Select, _Part]:
    activity, actor = Activity.__table__, _USER.alias("actor")
    line, author = list(activity.c), [actor.c.id.label("actor_id_"), actor.c.name.label("actor_name")]
    latest = (
        select(*line, *author)
        .outerjoin(actor, actor.c.id == activity.c.actor_id)
        .where(activity.c.task_id == bindparam("task_id"))
        .order_by(activity.c.created_at.desc(), activity.c.id.desc())
        .limit(bindparam("limit"))
    )
    before = latest.where(
        or_(
            activity.c.created_at < bindparam("before_at"),
            and_(activity.c.created_at == bindparam("before_at"), activity.c.id < bindparam("before_id")),
        )
    )
    return latest, before, _Part(Read, line, 0)


#: The actor's id and name come last.
_HISTORY, _HISTORY_BEFORE, _LINE_PART = _history_statements()


def history_page(
    session: Session, task_id: int, before: Activity | None = None, limit: int = HISTORY_PAGE
) -> HistoryPage:
    """The ``limit`` latest history lines (made before ``before`` if given),
    newest first, each with its ``actor`` (``id``, ``name``) if any; one
    statement of plain rows copied into read-only objects."""
    rows = _keyset_page(session, (_HISTORY, _HISTORY_BEFORE), task_id, before, limit)
    lines = []
    for row in rows[:limit]:
        line, (actor_id, actor_name) = _LINE_PART.read(row), row[-2:]
        line.actor = Read(id=actor_id, name=actor_name) if actor_id is not None else None
        lines.append(line)
    return HistoryPage(lines, older=len(rows) > limit)


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
