"""Importing the task sheet (xlsx or csv) back into its plan.

Two steps: :func:`preview` reads the file and says what would be created and
changed, writing nothing; :func:`apply` does it in the caller's transaction,
through the task services so that every change leaves a history line. Rows
are matched by the ID column; a row without an ID creates an action under the
theme and objective it names (both must exist in the plan). Rows left out of
the file are left alone: an import never deletes. The theme sheets of the
workbook are for reading; only the task sheet is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tasking.core.errors import ServiceError
from tasking.core.permissions import may_be_assigned
from tasking.core.templating import STATUS_LABELS
from tasking.core.validation import MAX_TITLE
from tasking.exchange.files import CSV, XLSX, decode_text
from tasking.exchange.tasksheet import (
    COLUMNS,
    DATE_KEYS,
    HEADERS,
    REQUIRED,
    TASK_SHEET,
    fold,
    horizon_lookup,
    status_lookup,
    unneutralise,
)
from tasking.models import Membership, Plan, Task, TaskPartner, TaskStatus, User
from tasking.models.task import LEVELS
from tasking.plans.services import load_plan_layout
from tasking.tasks import services as tasks

MAX_ROWS = 10_000
MAX_COLUMNS = 60
MAX_ERRORS = 30
MAX_CELL = 20_000
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
# A date cell before this year is a number typed into a date cell, not a date.
EARLIEST_YEAR = 2000
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class ImportFailed(ServiceError):
    """The file cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems


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

    @property
    def has_changes(self) -> bool:
        return bool(self.updates or self.creations)


# Reading the file ---------------------------------------------------------------


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    # The workbook's other sheets, which the import does not read.
    others: list[str] = field(default_factory=list)


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        return unneutralise(value.strip())
    return value


def read_xlsx(content: bytes) -> Sheet:
    """The task sheet of a workbook, its formulas left unevaluated."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFailed([_("The workbook is damaged: it cannot be opened.")]) from exc
    try:
        return _read_task_sheet(workbook)
    except ImportFailed:
        raise
    except Exception as exc:  # a sheet is parsed lazily, row by row: damage shows up here
        raise ImportFailed([_("The workbook is damaged: it cannot be opened.")]) from exc
    finally:
        workbook.close()


def _read_task_sheet(workbook: Any) -> Sheet:
    names = {fold(name): name for name in workbook.sheetnames}
    name = names.get(fold(TASK_SHEET)) or (workbook.sheetnames[0] if len(names) == 1 else None)
    if name is None:
        raise ImportFailed([_("The workbook has no sheet named “%(name)s”.", name=TASK_SHEET)])
    rows: list[tuple[int, list[Any]]] = []
    headers: list[str] | None = None
    problems: list[str] = []
    # Bounded reads: a sheet may declare a huge size it does not fill.
    cells_by_row = workbook[name].iter_rows(max_col=MAX_COLUMNS, max_row=MAX_ROWS * 2)
    for number, cells in enumerate(cells_by_row, start=1):
        values = []
        for column, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                header = headers[column] if headers and column < len(headers) else str(column + 1)
                problems.append(
                    _(
                        "Sheet %(sheet)s, row %(row)d, column %(column)s: formulas are not accepted.",
                        sheet=name,
                        row=number,
                        column=header,
                    )
                )
                values.append("")
                continue
            values.append(_cell_text(cell.value))
        if headers is None:
            headers = [str(v or "").strip() for v in values]
            continue
        if any(v not in (None, "") for v in values):
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([_("The file has more than %(max)d rows.", max=MAX_ROWS)])
    if problems:
        raise ImportFailed(problems[:MAX_ERRORS])
    others = [other for other in workbook.sheetnames if other != name]
    return Sheet(name, headers or [], rows, others)


def read_csv(content: bytes) -> Sheet:
    """A CSV file with ";" or "," between fields (whichever the header uses)."""
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        # Numbered by record, as a spreadsheet shows it: a cell written over
        # several lines is still one row.
        for number, values in enumerate(reader, start=1):
            if headers is None:
                headers = [v.strip() for v in values]
                continue
            if any(v.strip() for v in values):
                rows.append((number, [_cell_text(v) for v in values]))
                if len(rows) > MAX_ROWS:
                    raise ImportFailed([_("The file has more than %(max)d rows.", max=MAX_ROWS)])
    except csv.Error as exc:
        raise ImportFailed([_("The CSV file cannot be read: %(error)s", error=str(exc))]) from exc
    return Sheet(TASK_SHEET, headers or [], rows)


def read_sheet(content: bytes, kind: str) -> Sheet:
    """The task sheet of an xlsx or csv file."""
    if kind == XLSX:
        return read_xlsx(content)
    if kind == CSV:
        return read_csv(content)
    raise ImportFailed([_("Import an Excel (.xlsx) or CSV file exported from this plan.")])


# Comparing with the plan --------------------------------------------------------


class _Rows:
    """Turns a sheet row into clean values, collecting problems that name the
    sheet, the row and the column."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.problems: list[str] = []
        by_header = {fold(c.header): c.key for c in COLUMNS} | {fold(c.key): c.key for c in COLUMNS}
        self.index: dict[str, int] = {}
        for position, header in enumerate(sheet.headers):
            key = by_header.get(fold(header))
            if key and key not in self.index:
                self.index[key] = position
        missing = [HEADERS[key] for key in REQUIRED if key not in self.index]
        if missing:
            raise ImportFailed(
                [
                    _("Sheet %(sheet)s: the column “%(column)s” is missing.", sheet=sheet.name, column=name)
                    for name in missing
                ]
            )
        self.statuses = status_lookup()
        self.horizons = horizon_lookup()

    def has(self, key: str) -> bool:
        return key in self.index

    def problem(self, row: int, key: str | None, message: str) -> None:
        if key:
            text = _(
                "Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s",
                sheet=self.sheet.name,
                row=row,
                column=HEADERS[key],
                message=message,
            )
        else:
            text = _(
                "Sheet %(sheet)s, row %(row)d: %(message)s", sheet=self.sheet.name, row=row, message=message
            )
        self.problems.append(text)
        if len(self.problems) >= MAX_ERRORS:
            raise ImportFailed(self.problems)

    def raw(self, values: list[Any], key: str) -> Any:
        position = self.index.get(key)
        if position is None or position >= len(values):
            return None
        return values[position]

    def text(self, values: list[Any], key: str) -> str:
        value = self.raw(values, key)
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).replace("\r\n", "\n").strip()[:MAX_CELL]

    def date(self, row: int, values: list[Any], key: str) -> date | None:
        value = self.raw(values, key)
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            # Excel keeps a date as a day number: a number typed into a date
            # cell comes back as a date-time, with a time of day (12345.5) or
            # in a year no plan has (12345 → 1933).
            if value.time() != time() or value.year < EARLIEST_YEAR:
                self.problem(row, key, _not_a_number_date(to_excel(value)))
                return None
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.problem(row, key, _not_a_number_date(value))
            return None
        text = str(value).strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else _dmy(text)
        except ValueError:
            self.problem(row, key, _("“%(value)s” is not a date.", value=text))
            return None

    def integer(self, row: int, values: list[Any], key: str) -> int | None:
        value = self.raw(values, key)
        if value in (None, ""):
            return None
        try:
            number = float(str(value).strip())
            if not number.is_integer():
                raise ValueError
            return int(number)
        except ValueError:
            self.problem(row, key, _("“%(value)s” is not a whole number.", value=value))
            return None


def _not_a_number_date(number: float) -> str:
    shown = int(number) if float(number).is_integer() else number
    return _("“%(value)s” is a number, not a date (write the date as 2026-12-31).", value=shown)


def _dmy(text: str) -> date:
    """« 31/12/2026 » (day first, as people write it in Québec)."""
    match = _DMY.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


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


def preview(session: Session, *, plan_id: int, content: bytes, kind: str) -> Preview:
    """What importing ``content`` into the plan would do; writes nothing.
    Raises :class:`ImportFailed` listing every problem found."""
    sheet = read_sheet(content, kind)
    reader = _Rows(sheet)
    plan = load_plan_layout(session, plan_id)
    current = {
        task.id: task
        for theme in plan.themes
        for objective in theme.objectives
        for task in objective.tasks
        if task.archived_at is None
    }
    objectives = {
        (fold(theme.title), fold(objective.title)): objective
        for theme in plan.themes
        if theme.archived_at is None
        for objective in theme.objectives
        if objective.archived_at is None
    }
    members = _members(session, plan.organisation_id)
    users = {user.id: user for user, _role in members.values()}
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
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
        new = _row_values(reader, row, values, members)
        task_id = reader.integer(row, values, "id")
        if task_id is None and reader.text(values, "id"):
            continue
        if task_id is not None:
            task = current.get(task_id)
            if task is None:
                reader.problem(row, "id", _("there is no task %(id)d in this plan.", id=task_id))
                continue
            if task_id in seen_ids:
                reader.problem(row, "id", _("task %(id)d appears twice in the file.", id=task_id))
                continue
            seen_ids.add(task_id)
            moved = any(
                reader.has(key) and fold(reader.text(values, key)) != fold(title)
                for key, title in (("theme", task.objective.theme.title), ("objective", task.objective.title))
            )
            if moved and len(result.warnings) < MAX_ERRORS:
                result.warnings.append(
                    _(
                        "Sheet %(sheet)s, row %(row)d: the theme or objective differs from the plan's; "
                        "an import does not move actions (move it in the application).",
                        sheet=sheet.name,
                        row=row,
                    )
                )
            _resolve_people(reader, row, new, members, task)
            if "title" in new and not new["title"]:
                reader.problem(row, "title", _("the title cannot be empty."))
                continue
            old = {
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
            changed = {k: v for k, v in new.items() if k in old and _differs(old[k], v)}
            if not changed:
                result.unchanged += 1
                continue
            version = reader.integer(row, values, "version") if reader.has("version") else None
            if version is not None and version != task.version:
                reader.problem(
                    row,
                    None,
                    _(
                        "task %(id)d was changed in the application since this file was exported; "
                        "export the plan again and redo this row's changes.",
                        id=task_id,
                    ),
                )
                continue
            result.updates.append(
                TaskUpdate(
                    row=row,
                    task_id=task_id,
                    title=task.title,
                    changes=[
                        FieldChange(
                            k,
                            _display(k, old[k], users, statuses),
                            _display(k, changed[k], users, statuses),
                        )
                        for k in FIELDS
                        if k in changed
                    ],
                    values=changed,
                )
            )
        else:
            theme_title = reader.text(values, "theme")
            objective_title = reader.text(values, "objective")
            objective = objectives.get((fold(theme_title), fold(objective_title)))
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
                continue
            _resolve_people(reader, row, new, members, None)
            if not new.get("title"):
                reader.problem(row, "title", _("a new action needs a title."))
                continue
            # Importing the same edited file twice creates its new rows twice:
            # said before it happens (two actions of one title may be wanted).
            existing = {fold(t.title) for t in objective.tasks if t.archived_at is None}
            if fold(new["title"]) in existing and len(result.warnings) < MAX_ERRORS:
                result.warnings.append(
                    _(
                        "Sheet %(sheet)s, row %(row)d: an action “%(title)s” already exists under this "
                        "objective. It will be created a second time.",
                        sheet=sheet.name,
                        row=row,
                        title=new["title"],
                    )
                )
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
    if reader.problems:
        raise ImportFailed(reader.problems)
    return result


def _row_values(
    reader: _Rows, row: int, values: list[Any], members: dict[str, tuple[User, str]]
) -> dict[str, Any]:
    """The row's fields, for the columns the file has."""
    new: dict[str, Any] = {}
    if reader.has("title"):
        new["title"] = reader.text(values, "title")
        if len(new["title"]) > MAX_TITLE:
            reader.problem(
                row, "title", _("the title is too long (%(num)d characters at most).", num=MAX_TITLE)
            )
    if reader.has("description"):
        new["description"] = reader.text(values, "description")
    if reader.has("status"):
        text = reader.text(values, "status")
        status = reader.statuses.get(fold(text)) if text else TaskStatus.TODO.value
        if status is None:
            reader.problem(row, "status", _("“%(value)s” is not a known status.", value=text))
        else:
            new["status"] = status
    if reader.has("blocked_reason"):
        new["blocked_reason"] = reader.text(values, "blocked_reason")
    if reader.has("owner_email"):
        new["owner_email"] = reader.text(values, "owner_email").lower()
    if reader.has("collaborators"):
        emails = re.split(r"[,;\s]+", reader.text(values, "collaborators").lower())
        new["collaborator_emails"] = sorted({email for email in emails if email})
    if reader.has("partners"):
        names: list[str] = []
        for name in reader.text(values, "partners").split(";"):
            name = " ".join(name.split())[:200]
            if name and name not in names:
                names.append(name)
        new["partners"] = names
    if reader.has("horizon"):
        text = reader.text(values, "horizon")
        horizon = reader.horizons.get(fold(text)) if text else None
        if text and horizon is None:
            reader.problem(row, "horizon", _("“%(value)s” is not a known horizon.", value=text))
        else:
            new["horizon"] = horizon
    if reader.has("level"):
        level = reader.text(values, "level").upper() or None
        if level and level not in LEVELS:
            reader.problem(row, "level", _("the level is O, G or E."))
        else:
            new["level"] = level
    for key in DATE_KEYS:
        if reader.has(key):
            new[key] = reader.date(row, values, key)
    for start, end in (("short_start", "short_end"), ("long_start", "long_end")):
        if new.get(start) and new.get(end) and new[start] > new[end]:
            reader.problem(row, end, _("the end date comes before the start date."))
    return new


def _resolve_people(
    reader: _Rows, row: int, new: dict[str, Any], members: dict[str, tuple[User, str]], task: Task | None
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
    reader: _Rows, row: int, key: str, email: str, members: dict[str, tuple[User, str]]
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


# Applying -----------------------------------------------------------------------


@dataclass
class Applied:
    updated: int = 0
    created: int = 0


def apply_in_steps(
    session: Session,
    *,
    actor: User,
    plan_id: int,
    result: Preview,
    now: datetime,
    done: Applied,
    step: int = 250,
) -> Iterator[int]:
    """Carry out a preview, yielding the number of rows written so far after
    each flush of `step` rows, so that a page can show the progress of a long
    import. Counts go into `done`; the caller commits once, after the last
    step (all or nothing)."""
    plan = session.get(Plan, plan_id)
    # Loaded together, with what the task services and their listeners read.
    loaded = {
        task.id: task
        for task in session.scalars(
            select(Task)
            .where(Task.id.in_([update.task_id for update in result.updates]))
            .options(selectinload(Task.collaborators), selectinload(Task.partners))
        )
    }
    for update in result.updates:
        task = loaded[update.task_id]
        values = dict(update.values)
        collaborators = values.pop("collaborators", None)
        partners = values.pop("partners", None)
        if values:
            tasks.update_task(
                session, actor=actor, task=task, changes=values, version=None, now=now, via="import"
            )
        if collaborators is not None:
            tasks.set_collaborators(
                session, actor=actor, task=task, user_ids=collaborators, version=None, now=now
            )
        if partners is not None:
            tasks.set_partners(session, actor=actor, task=task, names=partners, version=None, now=now)
        done.updated += 1
        if done.updated % step == 0:
            session.flush()
            yield done.updated
    for start in range(0, len(result.creations), step):
        batch = result.creations[start : start + step]
        done.created += len(_create_all(session, actor=actor, plan=plan, creations=batch, now=now))
        yield done.updated + done.created
    if result.updates and not result.creations and done.updated % step:
        session.flush()
        yield done.updated


def _create_all(
    session: Session, *, actor: User, plan: Plan, creations: list[TaskCreation], now: datetime
) -> list[Task]:
    """New actions at the end of their objective and of their board column,
    inserted together (a few thousand rows stay a few statements)."""
    positions = dict(
        session.execute(
            select(Task.objective_id, func.max(Task.plan_position))
            .where(Task.plan_id == plan.id)
            .group_by(Task.objective_id)
        ).all()
    )
    column_ends = dict(
        session.execute(
            select(Task.status, func.max(Task.board_position))
            .where(Task.plan_id == plan.id)
            .group_by(Task.status)
        ).all()
    )
    wanted = {uid for c in creations for uid in c.values.get("collaborators") or []}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    created: list[Task] = []
    for creation in creations:
        values = creation.values
        status = values.get("status") or TaskStatus.TODO.value
        positions[creation.objective_id] = positions.get(creation.objective_id, -1) + 1
        column_ends[status] = (column_ends.get(status) or 0.0) + 1.0
        task = Task(
            plan_id=plan.id,
            objective_id=creation.objective_id,
            title=values["title"],
            description=values.get("description") or "",
            status=status,
            blocked_reason=values.get("blocked_reason") or "",
            owner_id=values.get("owner_id"),
            horizon=values.get("horizon"),
            level=values.get("level"),
            plan_position=positions[creation.objective_id],
            board_position=column_ends[status],
            created_at=now,
            updated_at=now,
            completed_at=now if status == TaskStatus.DONE.value else None,
            **{key: values.get(key) for key in DATE_KEYS},
        )
        task.collaborators = [users[uid] for uid in values.get("collaborators") or []]
        task.partners = [TaskPartner(name=name) for name in values.get("partners") or []]
        session.add(task)
        created.append(task)
    session.flush()
    for task in created:
        tasks.record(
            session,
            task=task,
            plan_id=plan.id,
            organisation_id=plan.organisation_id,
            actor=actor,
            kind="created:import",
            now=now,
            new=task.title,
        )
    return created
