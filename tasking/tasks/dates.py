"""Whether an action's due date agrees with its periods: the template's « À
quel moment ? » gives each action a short-and-medium-term and a long-term
window (from–to). A due date outside the window of the action's horizon is
said, not refused: the task page shows it beside the saved dates, the import
preview lists it for the rows it reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from tasking.core.templating import qc_date
from tasking.models import Task

WINDOW_FIELDS = ("horizon", "short_start", "short_end", "long_start", "long_end", "due_date")
_WINDOWS = {"short_medium": ("short_start", "short_end"), "long": ("long_start", "long_end")}


def _inside(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _set(values: Mapping[str, Any], horizon: str) -> bool:
    start, end = _WINDOWS[horizon]
    return values.get(start) is not None or values.get(end) is not None


def due_date_warning(values: Mapping[str, Any]) -> str | None:
    """A sentence when the due date falls outside the window of the action's
    horizon (without a horizon: outside every window it has); None when the
    dates agree or say too little to tell. ``values``: the task's fields
    (``horizon``, ``short_start`` … ``due_date``)."""
    due = values.get("due_date")
    if due is None:
        return None
    horizon = values.get("horizon")
    if horizon in _WINDOWS and _set(values, horizon):
        windows = [horizon]
    else:
        windows = [name for name in _WINDOWS if _set(values, name)]
    if not windows or any(_inside(due, *(values.get(f) for f in _WINDOWS[name])) for name in windows):
        return None
    if len(windows) == 2:
        return _(
            "The due date, %(due)s, falls outside both the action's short and medium term and its long term.",
            due=qc_date(due),
        )
    start, end = (values.get(f) for f in _WINDOWS[windows[0]])
    dates = {"due": qc_date(due), "start": qc_date(start) or "…", "end": qc_date(end) or "…"}
    if windows[0] == "short_medium":
        return _(
            "The due date, %(due)s, falls outside the action's short and medium term (%(start)s to %(end)s).",
            **dates,
        )
    return _("The due date, %(due)s, falls outside the action's long term (%(start)s to %(end)s).", **dates)


def task_due_date_warning(task: Task) -> str | None:
    """:func:`due_date_warning` of a task as stored."""
    return due_date_warning({field: getattr(task, field) for field in WINDOW_FIELDS})
