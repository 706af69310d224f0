"""Changing a task's fields, its people and partners, and its place on the
board. Every change checks permissions, refuses a stale version, writes one
history line per field (old → new) and sends a domain event.

Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Integer, String, bindparam, func, null, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tasking.core import events
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.permissions import (
    ASSIGNABLE_ROLES,
    CONTRIBUTOR_FIELDS,
    can_contribute,
    can_edit_task,
    plan_organisation_id,
)
from tasking.core.validation import clean_text, clean_title
from tasking.models import Membership, PartnerContact, Task, TaskPartner, TaskStatus, User
from tasking.models.plan import HORIZONS
from tasking.models.task import LEVELS
from tasking.tasks.activity import record_task

STATUSES = tuple(s.value for s in TaskStatus)
TASKS = Task.__table__
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
    "region_help",
    "region_help_reason",
    *DATE_FIELDS,
}
# Fields that may be empty or one of a few values, with the refusal's sentence.
OPTIONAL_CHOICES = {
    "horizon": (HORIZONS, _l("Unknown horizon.")),
    "level": (LEVELS, _l("The level is O, G or E.")),
}


class ReasonRequired(ServiceError):
    """An action marked blocked without saying why: every path (board, task
    page, e-mail links, imports, check-ins) asks for the reason then."""

    def __init__(self) -> None:
        super().__init__(_("Say what blocks the action: a blocked action needs a reason."), "blocked_reason")


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def organisation_id_of(session: Session, task: Task) -> int:
    return plan_organisation_id(session, task.plan_id)


def check_version(task: Task, version: int | None) -> None:
    """Refuse an edit made on an older version than the stored one."""
    if version is not None and int(version) != task.version:
        raise ConflictError(
            _("Someone else changed this task meanwhile. Review their change, then apply yours again."),
            current=task,
        )


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
    if field in ("description", "blocked_reason", "region_help_reason"):
        return clean_text(value, field)
    if field == "region_help":
        return value is True or str(value).lower() in ("1", "on", "true", "yes")
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


def check_blocked_reason(task: Task, changes: dict[str, Any]) -> None:
    """The one rule: an action becoming blocked, or staying blocked while its
    reason is cleared, needs a reason. (A task blocked without one before the
    rule existed may still have its other fields edited.)"""
    if "status" not in changes and "blocked_reason" not in changes:
        return
    status = changes.get("status", task.status)
    reason = changes.get("blocked_reason", task.blocked_reason) or ""
    if status != TaskStatus.BLOCKED.value or reason.strip():
        return
    becomes_blocked = task.status != TaskStatus.BLOCKED.value
    clears_reason = "blocked_reason" in changes and (task.blocked_reason or "").strip()
    if becomes_blocked or clears_reason:
        raise ReasonRequired()


def _check_consistency(task: Task) -> None:
    """Dates in order; a request for the region's help says what is needed."""
    if task.region_help and not task.region_help_reason.strip():
        raise ServiceError(_("Say what the region could help with."), "region_help_reason")
    if not task.region_help:
        task.region_help_reason = ""
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
    organisation_id: int | None = None,
    followers: list[tuple[User, str]] | None = None,
) -> list[Change]:
    """Apply field changes; returns what actually changed (maybe nothing).
    A status change puts the card at the top of its new column, or at
    ``board_position`` when the caller (a move) already chose its place.
    ``organisation_id``: the task's, and ``followers``: its owner and
    collaborators with their channel for "status"
    (``notifications.preferences.followers_read``), when the caller read
    them with the task."""
    if organisation_id is None:
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

    cleaned = {field: _clean(session, organisation_id, field, raw) for field, raw in changes.items()}
    check_blocked_reason(task, cleaned)
    applied: list[Change] = []
    for field, new in cleaned.items():
        old = getattr(task, field)
        if new != old:
            setattr(task, field, new)
            applied.append(Change(field, old, new))
    _check_consistency(task)
    if not applied:
        return []

    status_change = next((c for c in applied if c.field == "status"), None)
    if status_change:
        _status_changed(session, task, status_change.new, "blocked_reason" in changes, now, board_position)
    task.updated_at = now
    for change in applied:
        kind = "field" if via == "web" else f"field:{via}"
        record_task(
            session,
            task,
            organisation_id,
            actor,
            kind,
            now,
            field=change.field,
            old=change.old,
            new=change.new,
        )
    session.flush()
    events.task_changed.send(
        None, session=session, actor=actor, now=now, task=task, changes=applied, followers=followers
    )
    return applied


def _status_changed(
    session: Session, task: Task, status: str, reason_given: bool, now: datetime, board_position: float | None
) -> None:
    """What follows a new status: completion time, reason cleared, new place."""
    task.completed_at = now if status == TaskStatus.DONE.value else None
    if status != TaskStatus.BLOCKED.value and not reason_given:
        task.blocked_reason = ""
    # At the top, a card that changes column is on the board's first page
    # (a long column shows only its first cards), where its mover looks.
    if board_position is None:
        with session.no_autoflush:
            board_position = _column_start(session, task.plan_id, status) - 1.0
    task.board_position = board_position


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
    blocked_reason: str | None = None,
    organisation_id: int | None = None,
    near: Sequence[Any] | None = None,
    followers: list[tuple[User, str]] | None = None,
) -> list[Change]:
    """Put the card in column ``status``, after card ``after_id`` or before
    ``before_id`` (neither: at the top of another column, or where it is).
    Into « Bloqué », ``blocked_reason`` is required (ReasonRequired otherwise).
    Writes only this one row, except when positions need spreading out again.
    ``organisation_id``: the task's, ``near``: the row of ``neighbourhood``
    for this move, and ``followers`` (``update_task``), when the caller read
    them with the task."""
    if organisation_id is None:
        organisation_id = organisation_id_of(session, task)
    if not can_contribute(session, actor, task, organisation_id):
        raise ServiceError(_("You may not change this task."))
    if not isinstance(version, int):
        # Without the version it was shown at, a move could undo someone's change unseen.
        raise ServiceError(_("The form is damaged. Reload the page and try again."))
    check_version(task, version)
    if status not in STATUSES:
        raise ServiceError(_("Unknown status."), "status")

    position = _position(session, task, status, after_id, before_id, near)
    if position is None:
        return []

    if task.status != status:
        changes: dict[str, Any] = {"status": status}
        if status == TaskStatus.BLOCKED.value and blocked_reason is not None:
            changes["blocked_reason"] = blocked_reason
        # One UPDATE of the row: the status, its history and the new place together.
        return update_task(
            session,
            actor=actor,
            task=task,
            changes=changes,
            version=None,
            now=now,
            board_position=position,
            organisation_id=organisation_id,
            followers=followers,
        )
    task.board_position = position
    task.updated_at = now
    session.flush()
    return []


def _position(
    session: Session,
    task: Task,
    status: str,
    after_id: int | None,
    before_id: int | None,
    near: Sequence[Any] | None,
) -> float | None:
    """The card's new board position between its new neighbours in column
    ``status``; None when it stays where it is. A neighbour that is not
    another card of that column counts as none; a missing neighbour is the
    card next to the other one. One row (``near``, or one statement) holds
    all it may need."""
    if not after_id and not before_id and task.status == status:
        return None
    if near is None:
        columns, values = neighbourhood(status, after_id, before_id, task)
        near = session.execute(select(*columns), values).one()
    after_id, after, before_id, before, below_id, below, above_id, above, top = near
    if after is not None and before is None:
        before_id, before = below_id, below
    if before is not None and after is None:
        after_id, after = above_id, above
    if after is None and before is None:
        if task.status == status:
            return None
        return (top or 0.0) - 1.0
    if after is None:
        return before - 1.0
    if before is None:
        return after + 1.0
    if before - after < 1e-6:
        positions = _respace(session, task.plan_id, status)
        after, before = positions[after_id], positions[before_id]
    return (after + before) / 2


def neighbourhood(
    status: str, after_id: int | None, before_id: int | None, task: Task | None = None
) -> tuple[tuple[ColumnElement, ...], dict[str, Any]]:
    """The columns of one row about column ``status`` of the plan without
    the card, and their parameters' values: the chosen neighbours (id,
    position each), the card just below ``after_id`` and the one just above
    ``before_id`` (id, position each), the column's top position. For
    ``task``, or (None) for the task of a query of it that reads these too:
    a move reads them with the task, one round trip less."""
    values = {"near_status": status, "near_after": after_id, "near_before": before_id}
    if task is not None:
        values |= {"near_plan": task.plan_id, "near_task": task.id}
    return _neighbourhood(bool(after_id), bool(before_id), task is None), values


@functools.cache
def _neighbourhood(after_id: bool, before_id: bool, with_task: bool) -> tuple[ColumnElement, ...]:
    """``neighbourhood``'s columns, built once for each shape."""
    plan_id = Task.plan_id if with_task else bindparam("near_plan", type_=Integer)
    task_id = Task.id if with_task else bindparam("near_task", type_=Integer)
    status = bindparam("near_status", type_=String)

    def card(condition, order=None) -> tuple:  # noqa: ANN001
        """(id, position) of the column's other card meeting ``condition(card)``
        (the first in ``order(card)``)."""
        pair = []
        for value in ("id", "board_position"):
            # An alias of its own for every subquery: none is mistaken for
            # another's table, nor for the task of an enclosing query.
            alias = TASKS.alias()
            other = alias.c
            found = select(other[value]).where(
                other.plan_id == plan_id, other.status == status, other.id != task_id, condition(other)
            )
            if order is not None:
                found = found.order_by(order(other)).limit(1)
            # The task of an enclosing query, however deep: below and above
            # read a chosen card's position in a subquery of their own.
            pair.append(found.scalar_subquery().correlate_except(alias))
        return tuple(pair)

    nothing = (null(), null())
    after = card(lambda other: other.id == bindparam("near_after", type_=Integer)) if after_id else nothing
    before = card(lambda other: other.id == bindparam("near_before", type_=Integer)) if before_id else nothing
    below = (
        card(lambda other: other.board_position > after[1], lambda other: other.board_position)
        if after_id
        else nothing
    )
    above = (
        card(lambda other: other.board_position < before[1], lambda other: other.board_position.desc())
        if before_id
        else nothing
    )
    column = TASKS.alias().c
    top = (
        select(func.min(column.board_position))
        .where(column.plan_id == plan_id, column.status == status)
        .scalar_subquery()
    )
    return (*after, *before, *below, *above, top)


def _respace(session: Session, plan_id: int, status: str) -> dict[int, float]:
    """Spread a column's positions out again (rare: after many bisections);
    card id → its new position."""
    tasks = session.scalars(
        select(Task).where(Task.plan_id == plan_id, Task.status == status).order_by(Task.board_position)
    ).all()
    for index, task in enumerate(tasks, start=1):
        task.board_position = float(index)
    session.flush()
    return {task.id: task.board_position for task in tasks}


def _editable(session: Session, actor: User, task: Task, version: int | None) -> int:
    """Check that ``actor`` may edit the task at ``version``; its organisation's id."""
    organisation_id = organisation_id_of(session, task)
    if not can_edit_task(session, actor, task, organisation_id):
        raise ServiceError(_("You may not change this task."))
    check_version(task, version)
    return organisation_id


def set_collaborators(
    session: Session, *, actor: User, task: Task, user_ids: list[int], version: int | None, now: datetime
) -> list[Change]:
    organisation_id = _editable(session, actor, task, version)
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


PARTNER_LINE = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>\s]+)>\s*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_partner(line: str) -> tuple[str, str | None]:
    """« CIUSSS de l'Estrie <marie@ciusss.qc.ca> » → (name, e-mail); a bare name has no e-mail."""
    line = " ".join((line or "").split())
    found = PARTNER_LINE.match(line)
    if found is None:
        return line[:200], None
    email = found.group("email").lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ServiceError(_("“%(value)s” is not an e-mail address.", value=email), "partners")
    return (found.group("name") or email)[:200], email


def partner_contact(
    session: Session, organisation_id: int, name: str, email: str, now: datetime
) -> PartnerContact:
    """The organisation's contact of that address (made on first use);
    ServiceError for a contact an administrator revoked."""
    contact = session.scalar(
        select(PartnerContact).where(
            PartnerContact.organisation_id == organisation_id, PartnerContact.email == email
        )
    )
    if contact is None:
        contact = PartnerContact(organisation_id=organisation_id, email=email, name=name, created_at=now)
        session.add(contact)
    elif not contact.active:
        raise ServiceError(
            _("%(email)s was revoked by an administrator: it cannot be a partner contact.", email=email),
            "partners",
        )
    return contact


def set_partners(
    session: Session, *, actor: User, task: Task, names: list[str], version: int | None, now: datetime
) -> list[Change]:
    """The task's named partners, one a line, each optionally with a contact
    e-mail (« Name <e-mail> ») that gets the weekly check-in."""
    organisation_id = _editable(session, actor, task, version)
    cleaned: list[tuple[str, str | None]] = []
    for line in names:
        name, email = parse_partner(line)
        if name and name not in [n for n, _e in cleaned]:
            cleaned.append((name, email))
    old = [(p.name, p.contact.email if p.contact else None) for p in task.partners]
    if old == cleaned:
        return []
    task.partners = [
        TaskPartner(
            name=name, contact=partner_contact(session, organisation_id, name, email, now) if email else None
        )
        for name, email in cleaned
    ]
    old_text = ", ".join(n if not e else f"{n} <{e}>" for n, e in old)
    new_text = ", ".join(n if not e else f"{n} <{e}>" for n, e in cleaned)
    change = Change("partners", [n for n, _e in old], [n for n, _e in cleaned])
    return _list_changed(session, actor, task, organisation_id, now, change, old_text, new_text)


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
    # The list lives in other tables: make sure the task's own row is updated
    # (and its version bumped) even when ``updated_at`` already reads ``now``.
    flag_modified(task, "updated_at")
    record_task(
        session, task, organisation_id, actor, "field", now, field=change.field, old=old_text, new=new_text
    )
    session.flush()
    events.task_changed.send(None, session=session, actor=actor, now=now, task=task, changes=[change])
    return [change]
