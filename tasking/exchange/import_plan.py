"""Deciding what importing the task sheet (xlsx or csv) into its plan would do.

:func:`preview` compares the file's rows with the plan and says what would be
created and changed, writing nothing (:mod:`tasking.exchange.import_write`
then does it). Rows are matched by the ID column; a row without an ID creates
an action under the theme and objective it names (both must exist in the
plan). Rows left out of the file are left alone: an import never deletes. The
theme sheets of the workbook are for reading; only the task sheet is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.permissions import may_be_assigned
from tasking.core.templating import STATUS_LABELS
from tasking.exchange.merge import ConflictField, RowConflict, exported_values, merge
from tasking.exchange.parse_rows import RowReader, row_values
from tasking.exchange.parse_sheet import MAX_ERRORS, ImportFailed, read_sheet
from tasking.exchange.tasksheet import DATE_KEYS, fold
from tasking.models import Membership, OperationalObjective, Task, TaskStatus, User
from tasking.plans.services import load_plan_layout
from tasking.tasks.dates import WINDOW_FIELDS, due_date_warning
from tasking.tasks.editing import ReasonRequired, check_blocked_reason

# The fields an import may change, in the order the preview lists them.
FIELDS = (
    "title",
    "description",
    "status",
    "blocked_reason",
    "owner_id",
    "collaborators",
    "partners",
    "horizon",
    "level",
    *DATE_KEYS,
)


def _blocked_without_reason() -> str:
    return _("the action is blocked without a reason; say what blocks it in this column.")


FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "blocked_reason": _l("Reason for blocking"),
    "owner_id": _l("Responsible"),
    "collaborators": _l("Collaborators"),
    "partners": _l("Partners"),
    "horizon": _l("Horizon"),
    "level": _l("Level"),
    "short_start": _l("Short and medium term from"),
    "short_end": _l("Short and medium term to"),
    "long_start": _l("Long term from"),
    "long_end": _l("Long term to"),
    "due_date": _l("Due date"),
}


@dataclass
class FieldChange:
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


@dataclass
class TaskUpdate:
    row: int
    task_id: int
    title: str
    changes: list[FieldChange]
    values: dict[str, Any]


@dataclass
class TaskCreation:
    row: int
    theme: str
    objective: str
    objective_id: int
    title: str
    values: dict[str, Any]


@dataclass
class Preview:
    rows: int = 0
    unchanged: int = 0
    updates: list[TaskUpdate] = field(default_factory=list)
    creations: list[TaskCreation] = field(default_factory=list)
    # Things the import will not do, said before it runs.
    warnings: list[str] = field(default_factory=list)
    # Rows changed both in the file and in the application since the export:
    # refused, the others applied.
    conflicts: list[RowConflict] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.updates or self.creations)


def _members(session: Session, organisation_id: int) -> dict[str, tuple[User, str]]:
    """E-mail (lower case) → (user, role) for the organisation's people."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
    )
    return {user.email.lower(): (user, role) for user, role in rows}


def _differs(old: Any, new: Any) -> bool:
    """Whether a value really changed (text compared without the spaces and
    line endings a spreadsheet adds or trims)."""
    if isinstance(old, str) or isinstance(new, str):
        return (old or "").replace("\r\n", "\n").strip() != (new or "").strip()
    return old != new


def _display(field_name: str, value: Any, users: dict[int, User], statuses: dict[str, str]) -> str:
    if value in (None, "", [], ()):
        return "—"
    if field_name == "owner_id":
        user = users.get(value)
        return f"{user.name} <{user.email}>" if user else str(value)
    if field_name == "collaborators":
        return ", ".join(sorted(users[uid].email for uid in value if uid in users))
    if field_name == "partners":
        return "; ".join(value)
    if field_name == "status":
        return statuses.get(value, value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class _StaleRow:
    """A row whose task changed in the application since the file's version."""

    row: int
    task: Task
    version: int
    changed: dict[str, Any]


@dataclass
class _Plan:
    """What the preview compares the rows with."""

    current: dict[int, Task]
    objectives: dict[tuple[str, str], OperationalObjective]
    members: dict[str, tuple[User, str]]
    users: dict[int, User]
    statuses: dict[str, str]
    # Rows exported from an older version of their task, merged after the read.
    stale: list[_StaleRow] = field(default_factory=list)


def _plan_state(session: Session, plan_id: int) -> _Plan:
    plan = load_plan_layout(session, plan_id)
    members = _members(session, plan.organisation_id)
    return _Plan(
        current={
            task.id: task
            for theme in plan.themes
            for objective in theme.objectives
            for task in objective.tasks
            if task.archived_at is None
        },
        objectives={
            (fold(theme.title), fold(objective.title)): objective
            for theme in plan.themes
            if theme.archived_at is None
            for objective in theme.objectives
            if objective.archived_at is None
        },
        members=members,
        users={user.id: user for user, _role in members.values()},
        statuses={key: str(label) for key, label in STATUS_LABELS.items()},
    )


def preview(session: Session, *, plan_id: int, content: bytes, kind: str) -> Preview:
    """What importing ``content`` into the plan would do; writes nothing.
    Raises :class:`ImportFailed` listing every problem found."""
    sheet = read_sheet(content, kind)
    reader = RowReader(sheet)
    state = _plan_state(session, plan_id)
    result = Preview(rows=len(sheet.rows))
    if sheet.others:
        result.warnings.append(
            _(
                "Only the sheet %(sheet)s is read: changes made in the other sheets "
                "(%(others)s) are not imported.",
                sheet=sheet.name,
                others=", ".join(sheet.others),
            )
        )
    seen_ids: set[int] = set()
    for row, values in sheet.rows:
        new = row_values(reader, row, values)
        task_id = reader.integer(row, values, "id")
        if task_id is None and reader.text(values, "id"):
            continue
        if task_id is None:
            _new_row(state, reader, result, row, values, new)
        elif task_id in seen_ids:
            reader.problem(row, "id", _("task %(id)d appears twice in the file.", id=task_id))
        elif task_id not in state.current:
            reader.problem(row, "id", _("there is no task %(id)d in this plan.", id=task_id))
        else:
            seen_ids.add(task_id)
            _known_row(state, reader, result, row, values, new, state.current[task_id])
    _merge_stale(session, state, reader, result)
    if reader.problems:
        raise ImportFailed(reader.problems)
    return result


def _old_values(task: Task) -> dict[str, Any]:
    """The task's fields as the file shows them, to compare with a row."""
    return {
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "blocked_reason": task.blocked_reason,
        "owner_id": task.owner_id,
        "collaborators": sorted(u.id for u in task.collaborators),
        "partners": [p.name for p in task.partners],
        "horizon": task.horizon,
        "level": task.level,
        **{key: getattr(task, key) for key in DATE_KEYS},
    }


def _warn(result: Preview, warning: str) -> None:
    """Things the import will not do as the file might suggest, said before it runs."""
    if len(result.warnings) < MAX_ERRORS:
        result.warnings.append(warning)


def _warn_dates(reader: RowReader, result: Preview, row: int, values: dict[str, Any]) -> None:
    """A due date outside the action's period: imported, and said (as the task page says it)."""
    warning = due_date_warning(values)
    if warning:
        _warn(
            result,
            _("Sheet %(sheet)s, row %(row)d: %(message)s", sheet=reader.sheet.name, row=row, message=warning),
        )


def _warn_if_moved(reader: RowReader, result: Preview, row: int, values: list[Any], task: Task) -> None:
    """A row that puts the task under another theme or objective: said, not done."""
    moved = any(
        reader.has(key) and fold(reader.text(values, key)) != fold(title)
        for key, title in (("theme", task.objective.theme.title), ("objective", task.objective.title))
    )
    if moved:
        _warn(
            result,
            _(
                "Sheet %(sheet)s, row %(row)d: the theme or objective differs from the plan's; "
                "an import does not move actions (move it in the application).",
                sheet=reader.sheet.name,
                row=row,
            ),
        )


def _known_row(
    state: _Plan,
    reader: RowReader,
    result: Preview,
    row: int,
    values: list[Any],
    new: dict[str, Any],
    task: Task,
) -> None:
    """A row naming an existing task: the fields it changes, if any."""
    _warn_if_moved(reader, result, row, values, task)
    _resolve_people(reader, row, new, state.members, task)
    if "title" in new and not new["title"]:
        reader.problem(row, "title", _("the title cannot be empty."))
        return
    old = _old_values(task)
    changed = {k: v for k, v in new.items() if k in old and _differs(old[k], v)}
    if not changed:
        result.unchanged += 1
        return
    try:
        check_blocked_reason(task, changed)
    except ReasonRequired:
        reader.problem(row, "blocked_reason", _blocked_without_reason())
        return
    version = reader.integer(row, values, "version") if reader.has("version") else None
    if version is not None and version < task.version:
        state.stale.append(_StaleRow(row, task, version, changed))
        return
    _update(state, reader, result, row, task, changed)


def _update(
    state: _Plan, reader: RowReader, result: Preview, row: int, task: Task, changed: dict[str, Any]
) -> None:
    """A row's changes to a task, as the preview lists them."""
    old = _old_values(task)
    if WINDOW_FIELDS & changed.keys():
        _warn_dates(reader, result, row, old | changed)
    shown = [
        FieldChange(
            k,
            _display(k, old[k], state.users, state.statuses),
            _display(k, changed[k], state.users, state.statuses),
        )
        for k in FIELDS
        if k in changed
    ]
    result.updates.append(
        TaskUpdate(row=row, task_id=task.id, title=task.title, changes=shown, values=changed)
    )


def _merge_stale(session: Session, state: _Plan, reader: RowReader, result: Preview) -> None:
    """Rows exported before their task changed in the application: the
    fields changed on one side only are applied, a row changed on both sides
    is refused and shown side by side (file / application)."""
    exported = exported_values(session, {s.task.id: s.version for s in state.stale}, FIELDS)
    for stale in state.stale:
        task = stale.task
        apply, conflicts = merge(stale.changed, exported[task.id], task.status, state.users)
        if conflicts:
            old = _old_values(task)
            result.conflicts.append(
                RowConflict(
                    row=stale.row,
                    task_id=task.id,
                    title=task.title,
                    fields=[
                        ConflictField(
                            k,
                            str(FIELD_LABELS[k]),
                            _display(k, stale.changed[k], state.users, state.statuses),
                            _display(k, old[k], state.users, state.statuses),
                        )
                        for k in FIELDS
                        if k in conflicts
                    ],
                )
            )
        elif not apply:
            result.unchanged += 1
        else:
            try:
                check_blocked_reason(task, apply)
            except ReasonRequired:
                reader.problem(stale.row, "blocked_reason", _blocked_without_reason())
                continue
            _update(state, reader, result, stale.row, task, apply)
    result.updates.sort(key=lambda update: update.row)


def _new_row(
    state: _Plan, reader: RowReader, result: Preview, row: int, values: list[Any], new: dict[str, Any]
) -> None:
    """A row without an ID: a new action under an existing theme and objective."""
    theme_title = reader.text(values, "theme")
    objective_title = reader.text(values, "objective")
    objective = state.objectives.get((fold(theme_title), fold(objective_title)))
    if objective is None:
        reader.problem(
            row,
            "objective",
            _(
                "no objective “%(objective)s” under the theme “%(theme)s” in this plan "
                "(a new row must name an existing theme and objective).",
                objective=objective_title,
                theme=theme_title,
            ),
        )
        return
    _resolve_people(reader, row, new, state.members, None)
    if not new.get("title"):
        reader.problem(row, "title", _("a new action needs a title."))
        return
    if new.get("status") == TaskStatus.BLOCKED.value and not (new.get("blocked_reason") or "").strip():
        reader.problem(row, "blocked_reason", _blocked_without_reason())
        return
    # Importing the same edited file twice creates its new rows twice:
    # said before it happens (two actions of one title may be wanted).
    existing = {fold(t.title) for t in objective.tasks if t.archived_at is None}
    if fold(new["title"]) in existing:
        _warn(
            result,
            _(
                "Sheet %(sheet)s, row %(row)d: an action “%(title)s” already exists under this "
                "objective. It will be created a second time.",
                sheet=reader.sheet.name,
                row=row,
                title=new["title"],
            ),
        )
    _warn_dates(reader, result, row, new)
    result.creations.append(
        TaskCreation(
            row=row,
            theme=objective.theme.title,
            objective=objective.title,
            objective_id=objective.id,
            title=new["title"],
            values=new,
        )
    )


def _resolve_people(
    reader: RowReader, row: int, new: dict[str, Any], members: dict[str, tuple[User, str]], task: Task | None
) -> None:
    """E-mail addresses → user ids. A person already on the task stays
    accepted (even if they became an observer since); a newcomer must be an
    active admin or member of the organisation."""
    if "owner_email" in new:
        email = new.pop("owner_email")
        if task is not None and task.owner is not None and email == task.owner.email.lower():
            new["owner_id"] = task.owner_id
        else:
            new["owner_id"] = _assignable(reader, row, "owner_email", email, members) if email else None
    if "collaborator_emails" in new:
        emails = new.pop("collaborator_emails")
        existing = {u.email.lower(): u.id for u in task.collaborators} if task is not None else {}
        ids = set()
        for email in emails:
            user_id = existing.get(email) or _assignable(reader, row, "collaborators", email, members)
            if user_id:
                ids.add(user_id)
        new["collaborators"] = sorted(ids)


def _assignable(
    reader: RowReader, row: int, key: str, email: str, members: dict[str, tuple[User, str]]
) -> int | None:
    found = members.get(email)
    if found is None:
        reader.problem(row, key, _("“%(email)s” is not a member of the organisation.", email=email))
        return None
    user, role = found
    if not user.active:
        reader.problem(row, key, _("“%(email)s” is a deactivated account.", email=email))
        return None
    if not may_be_assigned(role):
        reader.problem(
            row, key, _("“%(email)s” is an observer and cannot take part in an action.", email=email)
        )
        return None
    return user.id
