"""Reading the update form: one set of fields per action, named
``<field>-<task id>``, and the list of action ids in ``task``."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from tasking.checkins.answers import AnswerInput
from tasking.core.errors import ServiceError
from tasking.core.validation import parse_id

MAX_ROWS = 500


def read_answers(form: MultiDict) -> list[AnswerInput]:
    """The posted answers as typed; ServiceError for a damaged form."""
    ids = form.getlist("task")
    if len(ids) > MAX_ROWS:
        raise ServiceError(_("The form is damaged. Reload the page and try again."))
    rows = []
    for raw in ids:
        task_id = parse_id(raw)
        if task_id is None:
            raise ServiceError(_("The form is damaged. Reload the page and try again."))
        version = parse_id(form.get(f"version-{task_id}"))
        rows.append(
            AnswerInput(
                task_id=task_id,
                version=version,
                health=form.get(f"health-{task_id}", "").strip(),
                note=form.get(f"note-{task_id}", ""),
                due_date=form.get(f"due-{task_id}", ""),
                reason=form.get(f"reason-{task_id}", ""),
                nothing_new=form.get(f"nothing-{task_id}") == "1",
            )
        )
    return rows
