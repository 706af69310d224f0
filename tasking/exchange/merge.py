"""Merging a row of an older export with a task changed in the application
since that export.

The file's Version column says which version of the task it was exported
from; the task's history lines written on that version or later are what the
application changed since (``Activity.task_version``). A field the application
changed keeps the application's value when the file still shows the exported
value; a field changed on both sides (to different values) is a conflict, and
the whole row is refused. Fields changed only in the file are applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.models import Activity, TaskStatus, User

# A partner's history text names its contact (« CIUSSS <a@b.ca> »); the sheet does not.
_CONTACT = re.compile(r"\s*<[^<>]*>")


@dataclass
class ConflictField:
    """A field changed both in the file and in the application."""

    field: str
    label: str
    file: str
    app: str


@dataclass
class RowConflict:
    """A refused row: its task and its conflicting fields, side by side."""

    row: int
    task_id: int
    title: str
    fields: list[ConflictField]


def exported_values(
    session: Session, stale: dict[int, int], fields: Iterable[str]
) -> dict[int, dict[str, str]]:
    """Task id → {field: its value as exported} for the fields the application
    changed since the file's version (``stale``: task id → that version)."""
    if not stale:
        return {}
    lines = session.execute(
        select(Activity.task_id, Activity.field, Activity.old_value, Activity.task_version)
        .where(
            Activity.task_id.in_(stale),
            Activity.field.in_(tuple(fields)),
            Activity.task_version.is_not(None),
        )
        .order_by(Activity.id)
    )
    exported: dict[int, dict[str, str]] = {task_id: {} for task_id in stale}
    for task_id, field, old_value, task_version in lines:
        if task_version >= stale[task_id]:
            # The first change since the export holds the exported value.
            exported[task_id].setdefault(field, _normal(field, old_value or ""))
    return exported


def as_text(field: str, value: Any, users: dict[int, User]) -> str:
    """A row's value written as the history writes it, to compare the two."""
    if value in (None, "", [], ()):
        return ""
    if field == "collaborators":
        return ", ".join(sorted(users[uid].name for uid in value if uid in users))
    if field == "partners":
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return _normal(field, str(value))


def _normal(field: str, text: str) -> str:
    if field == "partners":
        text = _CONTACT.sub("", text)
    return text.replace("\r\n", "\n").strip()


def merge(
    changed: dict[str, Any], exported: dict[str, str], current_status: str, users: dict[int, User]
) -> tuple[dict[str, Any], list[str]]:
    """What of a stale row's changes to apply, and the fields in conflict.
    ``changed``: the row's values that differ from the task's; ``exported``:
    the exported values of the fields the application changed since."""
    apply: dict[str, Any] = {}
    conflicts: list[str] = []
    for field, value in changed.items():
        if field not in exported:
            apply[field] = value
        elif as_text(field, value, users) != exported[field]:
            conflicts.append(field)
    # A status changed in the application cleared its reason without a line:
    # an old reason in the file means nothing for an action no longer blocked.
    if (
        "status" in exported
        and "blocked_reason" in apply
        and apply.get("status", current_status) != TaskStatus.BLOCKED.value
    ):
        del apply["blocked_reason"]
    return apply, conflicts
