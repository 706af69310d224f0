"""A person's update page: their open actions with what was last said, and
saving the whole form in one transaction.

Rules: a health is required (unless « Rien de nouveau »); a note is required
when the action is at risk, late or blocked; a moved due date needs a reason
and cannot be in the past; the action must be one of the person's, on the
version the form was built on (an edit made meanwhile is a conflict shown,
never overwritten). Any refused answer refuses the whole form.

« Bloquée » blocks the task with the note as its reason, « Terminée » marks
it done, another health on a blocked task unblocks it: through the task
services, so versions, history and notifications stay right. Every answer
writes one line in the task's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tasking.checkins.links import read_update_token
from tasking.checkins.rounds import current_round, late_first
from tasking.checkins.text import NEEDS_NOTE
from tasking.core import events
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import ASSIGNABLE_ROLES
from tasking.models import (
    Activity,
    CheckinAnswer,
    CheckinRound,
    Membership,
    Organisation,
    Plan,
    Task,
    TaskStatus,
    User,
)
from tasking.models.checkin import Health
from tasking.tasks.activity import record
from tasking.tasks.editing import update_task
from tasking.tasks.queries import changes_since

MAX_NOTE = 2000
HEALTHS = tuple(h.value for h in Health)


@dataclass
class Item:
    """One action on the page, with what was last said about it."""

    task: Task
    organisation: Organisation
    last: CheckinAnswer | None
    late: bool


@dataclass
class UpdatePage:
    person: User
    items: list[Item]
    # organisation id → its open round (answers are filed under it).
    rounds: dict[int, CheckinRound]

    def item(self, task_id: int) -> Item | None:
        return next((i for i in self.items if i.task.id == task_id), None)


@dataclass
class AnswerInput:
    """One action's part of the posted form, as typed."""

    task_id: int
    version: int | None
    health: str = ""
    note: str = ""
    due_date: str = ""
    reason: str = ""
    nothing_new: bool = False

    def is_blank(self, task: Task) -> bool:
        """Nothing typed (the due date field comes filled with the current date)."""
        current = task.due_date.isoformat() if task.due_date else ""
        moved = bool(self.due_date.strip()) and self.due_date.strip() != current
        return not (self.health or self.note.strip() or self.reason.strip() or self.nothing_new or moved)


class NotYourAction(ServiceError):
    """An action id the person may not answer for (someone else's)."""


class AnswersRefused(ServiceError):
    """At least one answer is refused: nothing is saved."""

    def __init__(self, errors: dict[int, dict[str, str]], conflicts: dict[int, list[Activity]]):
        super().__init__(_("Nothing was saved: correct the answers marked below and submit again."))
        self.errors = errors
        self.conflicts = conflicts


def latest_answers(session: Session, task_ids: list[int]) -> dict[int, CheckinAnswer]:
    """Each task's latest answer, with its author."""
    if not task_ids:
        return {}
    newest = (
        select(func.max(CheckinAnswer.id))
        # A partner's opinion is shown apart: what was last said is the owners'.
        .where(CheckinAnswer.task_id.in_(task_ids), CheckinAnswer.partner_contact_id.is_(None))
        .group_by(CheckinAnswer.task_id)
    )
    rows = session.scalars(
        select(CheckinAnswer).where(CheckinAnswer.id.in_(newest)).options(selectinload(CheckinAnswer.user))
    )
    return {answer.task_id: answer for answer in rows}


def update_page(
    session: Session, *, person: User, now: datetime, organisation_id: int | None = None
) -> UpdatePage:
    """The person's open actions (of one organisation, for an e-mailed link;
    of all theirs, signed in), late first, in a fixed number of queries."""
    query = (
        select(Task, Organisation)
        .join(Plan, Plan.id == Task.plan_id)
        .join(Organisation, Organisation.id == Plan.organisation_id)
        .join(
            Membership,
            (Membership.organisation_id == Organisation.id) & (Membership.user_id == person.id),
        )
        .where(
            Task.owner_id == person.id,
            Task.archived_at.is_(None),
            Task.status != TaskStatus.DONE.value,
            Plan.archived_at.is_(None),
            Membership.role.in_(ASSIGNABLE_ROLES),
        )
    )
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    rows = session.execute(query).all()
    organisations = {org.id: org for _task, org in rows}
    last = latest_answers(session, [task.id for task, _org in rows])
    today = {org_id: local_today(now, org.timezone) for org_id, org in organisations.items()}
    org_of = {task.id: org for task, org in rows}
    ordered = late_first([task for task, _org in rows], min(today.values(), default=now.date()))
    items = [
        Item(task, org_of[task.id], last.get(task.id), task.is_overdue(today[org_of[task.id].id]))
        for task in ordered
    ]
    rounds = {}
    for org_id in organisations:
        checkin = current_round(session, org_id, now)
        if checkin is not None:
            rounds[org_id] = checkin
    return UpdatePage(person, items, rounds)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _check(row: AnswerInput, item: Item, today: date, everything: bool) -> dict[str, str]:
    """The refusals of one answer, by field (empty: accepted)."""
    errors: dict[str, str] = {}
    if row.nothing_new and (row.health or row.note.strip() or row.reason.strip()):
        errors["nothing_new"] = _("Either « Nothing new » or an update, not both.")
        return errors
    if row.nothing_new or (everything and row.is_blank(item.task)):
        return errors
    if not row.health:
        errors["health"] = _("Choose where the action stands.")
    elif row.health not in HEALTHS:
        errors["health"] = _("Unknown health.")
    elif row.health in NEEDS_NOTE and not row.note.strip():
        errors["note"] = _(
            "Say where things stand: a note is required when the action is at risk, late or blocked."
        )
    if len(row.note) > MAX_NOTE or len(row.reason) > MAX_NOTE:
        errors["note"] = _("The note is too long (2,000 characters at most).")
    new_date = _parse_date(row.due_date)
    if row.due_date.strip() and new_date is None:
        errors["due_date"] = _("“%(value)s” is not a date.", value=row.due_date.strip())
    elif new_date is not None and new_date != item.task.due_date:
        if new_date < today:
            errors["due_date"] = _("The new due date cannot be in the past.")
        if not row.reason.strip():
            errors["reason"] = _("Say why the due date moves.")
    return errors


def check_answers(
    session: Session, page: UpdatePage, rows: list[AnswerInput], now: datetime, everything: bool
) -> list[AnswerInput]:
    """The answers to save (blank rows dropped), or AnswersRefused / NotYourAction."""
    errors: dict[int, dict[str, str]] = {}
    conflicts: dict[int, list[Activity]] = {}
    kept = []
    for row in rows:
        item = page.item(row.task_id)
        if item is None:
            raise NotYourAction(_("You may only update your own actions."))
        if row.is_blank(item.task) and not everything:
            continue
        refused = _check(row, item, local_today(now, item.organisation.timezone), everything)
        if refused:
            errors[row.task_id] = refused
        elif row.version != item.task.version:
            conflicts[row.task_id] = changes_since(session, row.task_id, row.version or 0)
        kept.append(row)
    if errors or conflicts:
        raise AnswersRefused(errors, conflicts)
    if not kept:
        raise ServiceError(_("Nothing to save: give an update or choose « Nothing new »."))
    return kept


def _status_changes(row: AnswerInput, task: Task, new_date: date | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if row.health == Health.BLOCKED.value:
        changes = {"status": TaskStatus.BLOCKED.value, "blocked_reason": row.note.strip()}
    elif row.health == Health.DONE.value:
        changes = {"status": TaskStatus.DONE.value}
    elif row.health and task.status == TaskStatus.BLOCKED.value:
        # Said to be under way again: the blockage is over.
        changes = {"status": TaskStatus.IN_PROGRESS.value}
    if new_date is not None and new_date != task.due_date:
        changes["due_date"] = new_date
    return changes


def save_answers(
    session: Session,
    *,
    person: User,
    page: UpdatePage,
    rows: list[AnswerInput],
    now: datetime,
    everything: bool = False,
) -> list[CheckinAnswer]:
    """Check every answer, then save them all (the caller commits once).
    ``everything``: « Nothing new for all » — blank rows count as nothing new."""
    saved = []
    for row in check_answers(session, page, rows, now, everything):
        item = page.item(row.task_id)
        task, previous = item.task, item.last
        nothing = row.nothing_new or row.is_blank(task)
        checkin = page.rounds.get(item.organisation.id)
        new_date = None if nothing else _parse_date(row.due_date)
        moved = new_date is not None and new_date != task.due_date
        answer = CheckinAnswer(
            round_id=checkin.id if checkin else None,
            task_id=task.id,
            user_id=person.id,
            health=(previous.health if previous else None) if nothing else row.health,
            note="" if nothing else row.note.strip(),
            new_due_date=new_date if moved else None,
            due_date_reason=row.reason.strip() if moved else "",
            nothing_new=nothing,
            task_version=task.version,
            created_at=now,
        )
        session.add(answer)
        record(
            session,
            task=task,
            plan_id=task.plan_id,
            organisation_id=item.organisation.id,
            actor=person,
            kind="checkin",
            now=now,
            field="health",
            old=previous.health if previous else None,
            new=answer.health,
        )
        changes = {} if nothing else _status_changes(row, task, new_date)
        if changes:
            update_task(
                session, actor=person, task=task, changes=changes, version=row.version, now=now, via="checkin"
            )
        saved.append(answer)
    session.flush()
    for answer in saved:
        events.checkin_answered.send(
            None, session=session, actor=person, now=now, task=answer.task, answer=answer
        )
    return saved


def resolve_link(session: Session, token: str, now: datetime) -> tuple[User, CheckinRound]:
    """The person and the round of an e-mailed link, if it may still be used;
    ServiceError with the sentence to show otherwise."""
    link = read_update_token(token)
    person = session.get(User, link.user_id)
    checkin = session.get(CheckinRound, link.round_id)
    if person is None or not person.active or checkin is None:
        raise ServiceError(_("This link is no longer valid."))
    if not checkin.is_open(now):
        raise ServiceError(_("This check-in round is closed. Sign in to Rétablir to update your actions."))
    return person, checkin
