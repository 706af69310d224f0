"""Changing tasks. Every change checks permissions, refuses a stale version,
writes one history line per field (old → new) and sends a domain event.

Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tasking.core import events
from tasking.core.clock import local_today
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.permissions import (
    ASSIGNABLE_ROLES,
    CONTRIBUTOR_FIELDS,
    can_contribute,
    can_edit_task,
    can_measure,
)
from tasking.core.templating import qc_date
from tasking.core.validation import clean_text, clean_title, parse_number
from tasking.models import (
    Activity,
    Comment,
    Measurement,
    Membership,
    OperationalObjective,
    Organisation,
    Plan,
    Target,
    Task,
    TaskPartner,
    TaskStatus,
    Theme,
    User,
)
from tasking.models.plan import HORIZONS
from tasking.models.task import LEVELS

STATUSES = tuple(s.value for s in TaskStatus)
# Fields a collaborator may change; the rest needs the owner or an admin.
DATE_FIELDS = ("short_start", "short_end", "long_start", "long_end", "due_date")
EDITABLE_FIELDS = {
    "title",
    "description",
    "owner_id",
    "status",
    "blocked_reason",
    "horizon",
    "level",
    *DATE_FIELDS,
}
# Fields that may be empty or one of a few values, with the refusal's sentence.
OPTIONAL_CHOICES = {
    "horizon": (HORIZONS, _l("Unknown horizon.")),
    "level": (LEVELS, _l("The level is O, G or E.")),
}
MAX_COMMENT = 10_000
EARLIEST_MEASUREMENT = date(2000, 1, 1)
# @handle, or @whole.address@domain.ca when two people share a handle.
MENTION_RE = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9._+-]*[A-Za-z0-9_+-](?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def organisation_id_of(session: Session, task: Task) -> int:
    return session.scalar(select(Plan.organisation_id).where(Plan.id == task.plan_id))


def check_version(task: Task, version: int | None) -> None:
    """Refuse an edit made on an older version than the stored one."""
    if version is not None and int(version) != task.version:
        raise ConflictError(
            _("Someone else changed this task meanwhile. Review their change, then apply yours again."),
            current=task,
        )


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


def assignable_user_ids(session: Session, organisation_id: int) -> set[int]:
    """Active admins and members of the organisation (viewers only read)."""
    return set(
        session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role.in_(ASSIGNABLE_ROLES),
                User.active.is_(True),
            )
        )
    )


def _clean(session: Session, organisation_id: int, field: str, value: Any) -> Any:
    """Validate and normalise one field's new value; ServiceError names the field."""
    if field == "title":
        return clean_title(value, field)
    if field in ("description", "blocked_reason"):
        return clean_text(value, field)
    if field == "owner_id":
        if value in (None, ""):
            return None
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("Unknown person."), field) from exc
        if value not in assignable_user_ids(session, organisation_id):
            raise ServiceError(_("This person cannot be responsible for an action here."), field)
        return value
    if field == "status":
        if value not in STATUSES:
            raise ServiceError(_("Unknown status."), field)
        return value
    if field in OPTIONAL_CHOICES:
        choices, message = OPTIONAL_CHOICES[field]
        if value in (None, ""):
            return None
        if value not in choices:
            raise ServiceError(str(message), field)
        return value
    if field in DATE_FIELDS:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise ServiceError(_("“%(value)s” is not a date.", value=value), field) from exc
    raise ServiceError(_("This field cannot be changed."), field)


def _check_ranges(task: Task) -> None:
    for start, end in (("short_start", "short_end"), ("long_start", "long_end")):
        first, last = getattr(task, start), getattr(task, end)
        if first and last and first > last:
            raise ServiceError(_("The end date comes before the start date."), end)


def update_task(
    session: Session,
    *,
    actor: User,
    task: Task,
    changes: dict[str, Any],
    version: int | None,
    now: datetime,
    via: str = "web",
    board_position: float | None = None,
) -> list[Change]:
    """Apply field changes; returns what actually changed (maybe nothing).
    A status change puts the card at the top of its new column, or at
    ``board_position`` when the caller (a move) already chose its place."""
    organisation_id = organisation_id_of(session, task)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(_("This field cannot be changed."), sorted(unknown)[0])
    allowed = (
        can_contribute(session, actor, task, organisation_id)
        if set(changes) <= CONTRIBUTOR_FIELDS
        else can_edit_task(session, actor, task, organisation_id)
    )
    if not allowed:
        raise ServiceError(_("You may not change this task."))
    check_version(task, version)

    applied: list[Change] = []
    for field, raw in changes.items():
        new = _clean(session, organisation_id, field, raw)
        old = getattr(task, field)
        if new != old:
            setattr(task, field, new)
            applied.append(Change(field, old, new))
    _check_ranges(task)
    if not applied:
        return []

    status_change = next((c for c in applied if c.field == "status"), None)
    if status_change:
        task.completed_at = now if status_change.new == TaskStatus.DONE.value else None
        if status_change.new != TaskStatus.BLOCKED.value and "blocked_reason" not in changes:
            task.blocked_reason = ""
        # At the top, a card that changes column is on the board's first page
        # (a long column shows only its first cards), where its mover looks.
        if board_position is None:
            with session.no_autoflush:
                board_position = _column_start(session, task.plan_id, status_change.new) - 1.0
        task.board_position = board_position
    task.updated_at = now
    for change in applied:
        record(
            session,
            task=task,
            plan_id=task.plan_id,
            organisation_id=organisation_id,
            actor=actor,
            kind="field" if via == "web" else f"field:{via}",
            now=now,
            field=change.field,
            old=change.old,
            new=change.new,
        )
    session.flush()
    events.task_changed.send(None, session=session, actor=actor, now=now, task=task, changes=applied)
    return applied


def _column_start(session: Session, plan_id: int, status: str) -> float:
    return (
        session.scalar(
            select(func.min(Task.board_position)).where(Task.plan_id == plan_id, Task.status == status)
        )
        or 0.0
    )


def move_task(
    session: Session,
    *,
    actor: User,
    task: Task,
    status: str,
    version: int,
    now: datetime,
    after_id: int | None = None,
    before_id: int | None = None,
) -> list[Change]:
    """Put the card in column ``status``, after card ``after_id`` or before
    ``before_id`` (neither: at the top of another column, or where it is).
    Writes only this one row, except when positions need spreading out again."""
    organisation_id = organisation_id_of(session, task)
    if not can_contribute(session, actor, task, organisation_id):
        raise ServiceError(_("You may not change this task."))
    if not isinstance(version, int):
        # Without the version it was shown at, a move could undo someone's change unseen.
        raise ServiceError(_("The form is damaged. Reload the page and try again."))
    check_version(task, version)
    if status not in STATUSES:
        raise ServiceError(_("Unknown status."), "status")

    def neighbour(task_id: int | None) -> Task | None:
        if not task_id:
            return None
        other = session.get(Task, int(task_id))
        if other is None or other.plan_id != task.plan_id or other.status != status or other.id == task.id:
            return None
        return other

    after, before = neighbour(after_id), neighbour(before_id)
    if after is not None and before is None:
        before = session.scalar(
            select(Task)
            .where(
                Task.plan_id == task.plan_id,
                Task.status == status,
                Task.board_position > after.board_position,
                Task.id != task.id,
            )
            .order_by(Task.board_position)
            .limit(1)
        )
    if before is not None and after is None:
        after = session.scalar(
            select(Task)
            .where(
                Task.plan_id == task.plan_id,
                Task.status == status,
                Task.board_position < before.board_position,
                Task.id != task.id,
            )
            .order_by(Task.board_position.desc())
            .limit(1)
        )
    if after is None and before is None:
        if task.status == status:
            return []
        position = _column_start(session, task.plan_id, status) - 1.0
    elif after is None:
        position = before.board_position - 1.0
    elif before is None:
        position = after.board_position + 1.0
    else:
        if before.board_position - after.board_position < 1e-6:
            _respace(session, task.plan_id, status)
        position = (after.board_position + before.board_position) / 2

    if task.status != status:
        # One UPDATE of the row: the status, its history and the new place together.
        return update_task(
            session,
            actor=actor,
            task=task,
            changes={"status": status},
            version=None,
            now=now,
            board_position=position,
        )
    task.board_position = position
    task.updated_at = now
    session.flush()
    return []


def _respace(session: Session, plan_id: int, status: str) -> None:
    """Spread a column's positions out again (rare: after many bisections)."""
    tasks = session.scalars(
        select(Task).where(Task.plan_id == plan_id, Task.status == status).order_by(Task.board_position)
    ).all()
    for index, task in enumerate(tasks, start=1):
        task.board_position = float(index)
    session.flush()


def set_collaborators(
    session: Session, *, actor: User, task: Task, user_ids: list[int], version: int | None, now: datetime
) -> list[Change]:
    organisation_id = organisation_id_of(session, task)
    if not can_edit_task(session, actor, task, organisation_id):
        raise ServiceError(_("You may not change this task."))
    check_version(task, version)
    wanted = {int(uid) for uid in user_ids}
    allowed = assignable_user_ids(session, organisation_id)
    if not wanted <= allowed:
        raise ServiceError(_("Only members of the organisation can collaborate."), "collaborators")
    old = sorted(u.id for u in task.collaborators)
    if sorted(wanted) == old:
        return []
    task.collaborators = list(session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []
    names_old = ", ".join(sorted(u.name for u in session.scalars(select(User).where(User.id.in_(old)))))
    names_new = ", ".join(sorted(u.name for u in task.collaborators))
    change = Change("collaborators", old, sorted(wanted))
    return _list_changed(session, actor, task, organisation_id, now, change, names_old, names_new)


def set_partners(
    session: Session, *, actor: User, task: Task, names: list[str], version: int | None, now: datetime
) -> list[Change]:
    organisation_id = organisation_id_of(session, task)
    if not can_edit_task(session, actor, task, organisation_id):
        raise ServiceError(_("You may not change this task."))
    check_version(task, version)
    cleaned: list[str] = []
    for name in names:
        name = " ".join((name or "").split())[:200]
        if name and name not in cleaned:
            cleaned.append(name)
    old = [p.name for p in task.partners]
    if old == cleaned:
        return []
    task.partners = [TaskPartner(name=name) for name in cleaned]
    change = Change("partners", old, cleaned)
    return _list_changed(
        session, actor, task, organisation_id, now, change, ", ".join(old), ", ".join(cleaned)
    )


def _list_changed(
    session: Session,
    actor: User,
    task: Task,
    organisation_id: int,
    now: datetime,
    change: Change,
    old_text: str,
    new_text: str,
) -> list[Change]:
    """History line (names, not ids) and event for a changed list of people or partners."""
    task.updated_at = now
    # A list changes no column of the task, and ``now`` may equal the stored
    # instant: marked changed all the same, so the version moves on.
    flag_modified(task, "updated_at")
    record(
        session,
        task=task,
        plan_id=task.plan_id,
        organisation_id=organisation_id,
        actor=actor,
        kind="field",
        now=now,
        field=change.field,
        old=old_text,
        new=new_text,
    )
    session.flush()
    events.task_changed.send(None, session=session, actor=actor, now=now, task=task, changes=[change])
    return [change]


def mention_handles(users: Iterable[User]) -> dict[str, User]:
    """Each person's @handle: their e-mail's local part, or the whole address
    when someone else of the organisation has the same local part (a bare
    shared handle would tell the wrong person)."""
    by_local: dict[str, list[User]] = {}
    for user in users:
        by_local.setdefault(user.email.split("@")[0].lower(), []).append(user)
    handles = {}
    for local, people in by_local.items():
        if len(people) == 1:
            handles[local] = people[0]
        else:
            handles.update((person.email.lower(), person) for person in people)
    return handles


def mentioned_users(session: Session, organisation_id: int, body: str) -> list[User]:
    """Users of the organisation named by their @handle in ``body``. A handle
    several members share is refused with the addresses to write instead:
    silently telling nobody would leave the author waiting for an answer."""
    named = {h.lower() for h in MENTION_RE.findall(body or "")}
    if not named:
        return []
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
    ).all()
    handles = mention_handles(members)
    for handle in sorted(named - handles.keys()):
        shared = sorted(f"@{u.email.lower()}" for u in members if u.email.split("@")[0].lower() == handle)
        if len(shared) > 1:
            raise ServiceError(
                _(
                    "“@%(handle)s” names several people: write %(choices)s.",
                    handle=handle,
                    choices=_(" or ").join(shared),
                ),
                "body",
            )
    return [handles[handle] for handle in sorted(named) if handle in handles]


def add_comment(session: Session, *, actor: User, task: Task, body: str, now: datetime) -> Comment:
    organisation_id = organisation_id_of(session, task)
    if not can_contribute(session, actor, task, organisation_id):
        raise ServiceError(_("You may not comment on this task."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("The comment is empty."), "body")
    if len(body) > MAX_COMMENT:
        raise ServiceError(_("The comment is too long (10,000 characters at most)."), "body")
    mentioned = [u for u in mentioned_users(session, organisation_id, body) if u.id != actor.id]
    comment = Comment(task=task, author=actor, body=body, created_at=now)
    session.add(comment)
    session.flush()
    record(
        session,
        task=task,
        plan_id=task.plan_id,
        organisation_id=organisation_id,
        actor=actor,
        kind="comment",
        now=now,
        new=str(comment.id),
    )
    events.comment_posted.send(
        None, session=session, actor=actor, now=now, task=task, comment=comment, mentioned=mentioned
    )
    return comment


def organisation_of_target(session: Session, target: Target) -> Organisation:
    """The organisation whose plan holds the target (through its objective and theme)."""
    return session.scalars(
        select(Organisation)
        .join(Plan, Plan.organisation_id == Organisation.id)
        .join(Theme, Theme.plan_id == Plan.id)
        .join(OperationalObjective, OperationalObjective.theme_id == Theme.id)
        .where(OperationalObjective.id == target.objective_id)
    ).one()


def add_measurement(
    session: Session,
    *,
    actor: User,
    target: Target,
    value: float | str,
    measured_on: date | str,
    now: datetime,
    note: str = "",
) -> Measurement:
    if not can_measure(session, actor, target):
        raise ServiceError(_("You may not add a measurement to this target."))
    number = parse_number(value, "value")
    if number is None:
        raise ServiceError(_("Enter the measured value."), "value")
    if not isinstance(measured_on, date):
        if not str(measured_on or "").strip():
            raise ServiceError(_("Enter the date of the measurement."), "measured_on")
        try:
            measured_on = date.fromisoformat(str(measured_on).strip())
        except ValueError as exc:
            raise ServiceError(_("“%(value)s” is not a date.", value=measured_on), "measured_on") from exc
    timezone = organisation_of_target(session, target).timezone
    if measured_on > local_today(now, timezone):
        raise ServiceError(_("A measurement cannot be dated in the future."), "measured_on")
    if measured_on < EARLIEST_MEASUREMENT:
        raise ServiceError(
            _("A measurement cannot be dated before %(date)s.", date=qc_date(EARLIEST_MEASUREMENT)),
            "measured_on",
        )
    measurement = Measurement(
        target=target,
        value=number,
        measured_on=measured_on,
        note=(note or "").strip()[:2000],
        author=actor,
        created_at=now,
    )
    session.add(measurement)
    session.flush()
    objective = session.get(OperationalObjective, target.objective_id)
    plan = session.get(Plan, session.get(Theme, objective.theme_id).plan_id)
    record(
        session,
        task=None,
        plan_id=plan.id,
        organisation_id=plan.organisation_id,
        actor=actor,
        kind="measurement",
        now=now,
        field=f"target:{target.id}",
        new=number,
    )
    events.measurement_added.send(
        None, session=session, actor=actor, now=now, target=target, measurement=measurement
    )
    return measurement


def load_task_page(session: Session, task_id: int) -> Task:
    """The task with everything its page shows, in a fixed number of queries."""
    from sqlalchemy.orm import selectinload

    return session.scalars(
        select(Task)
        .where(Task.id == task_id)
        .options(
            selectinload(Task.owner),
            selectinload(Task.collaborators),
            selectinload(Task.partners),
            selectinload(Task.comments).selectinload(Comment.author),
            selectinload(Task.plan),
            selectinload(Task.objective).options(
                selectinload(OperationalObjective.theme),
                selectinload(OperationalObjective.targets)
                .selectinload(Target.measurements)
                .selectinload(Measurement.author),
            ),
        )
        .execution_options(populate_existing=True)
    ).one()


def task_history(session: Session, task_id: int, limit: int = 200) -> list[Activity]:
    """The task's history lines, newest first, with their authors."""
    from sqlalchemy.orm import selectinload

    return list(
        session.scalars(
            select(Activity)
            .where(Activity.task_id == task_id)
            .options(selectinload(Activity.actor))
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
NOT_CHANGES = ("comment", "reminder")


def changes_since(session: Session, task_id: int, version: int, limit: int = 50) -> list[Activity]:
    """Every change a form built on task ``version`` has not seen, newest
    first, with their authors (to explain a conflict)."""
    from sqlalchemy.orm import selectinload

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
