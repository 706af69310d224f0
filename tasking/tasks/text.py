"""The words, dates and links the task page repeats, prepared once.

Asking Flask-Babel for the nine field names on each of the eight parts of
the task, formatting each date through the filter and building each edit
link through ``url_for`` cost more than reading the task (bench/task_page.py).
Field names, the labels of values (status, health…) and the page's words
are translated once per language for the process (catalogues do not change
while it runs); dates and links once per request. A word read as
``text.words.edit`` costs an attribute lookup where ``_("Edit")`` costs a
call through the template's context (the page has some 40).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from tasking.core.templating import (
    HEALTH_LABELS,
    HORIZON_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    qc_date,
    qc_datetime,
)

FIELD_TITLES = {
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "owner": _l("Responsible"),
    "collaborators": _l("Collaborators"),
    "partners": _l("External partners"),
    "horizon": _l("Horizon and level"),
    "dates": _l("When"),
    "region_help": _l("Needs the region"),
}
#: Safe as ``_()`` gives them to a template; « % » escapes what it fills in.
WORDS = {
    "edit": _l("Edit"),
    "overdue": _l("Overdue"),
    "add_measurement": _l("Add a measurement"),
    "latest_value": _l("Latest value: %(value)s"),
    "where": _l("Where this action sits in the plan"),
    "board": _l("Board"),
    "edit_plan": _l("Edit the plan"),
    "essentials": _l("Essentials"),
    "details": _l("Details"),
    "no_description": _l("No description."),
    "region_help_requested": _l("Regional help requested"),
    "not_asked": _l("Not asked."),
    "nobody_yet": _l("Nobody yet"),
    "none": _l("None"),
    "revoked": _l("revoked"),
    "no_horizon": _l("No horizon"),
    "level": _l("Level:"),
    "due_date": _l("Due date"),
    "short_term": _l("Short and medium term"),
    "long_term": _l("Long term"),
    "from_to": _l("From %(start)s to %(end)s"),
    "status": _l("Status"),
    "new_status": _l("New status"),
    "blockage": _l("Reason for the blockage"),
    "when_blocked": _l("(when blocked)"),
    "change_status": _l("Change the status"),
    "latest_comment": _l("Latest comment"),
    "no_comment": _l("No comment yet."),
    "targets": _l("Targets of the objective"),
    "no_target": _l("This objective has no target."),
    "comments": _l("Comments"),
    "earlier_comments": _l("Earlier comments"),
    "add_comment": _l("Add a comment"),
    "comment_hint": _l("Markdown accepted. Type @ and a name to mention someone."),
    "post_comment": _l("Post the comment"),
    "last_checkin": _l("Last check-in"),
    "nothing_new": _l("Nothing new"),
    "no_checkin": _l("No check-in yet."),
    "partner_opinions": _l("Partners' opinion"),
    "partner": _l("%(name)s (partner)"),
    "history": _l("History"),
    "show_history": _l("Show the history"),
}
#: The labels of the values the page shows, as ``text.labels.status["todo"]``.
LABELS = {"status": STATUS_LABELS, "health": HEALTH_LABELS, "horizon": HORIZON_LABELS, "level": LEVEL_LABELS}
_translated: dict[str, tuple[dict[str, str], SimpleNamespace, SimpleNamespace]] = {}


class Memo(dict):
    """What ``make`` gives for each key, made once: a template reads it as
    ``memo[key]``, a lookup, where a method call goes through its context."""

    def __init__(self, make: Callable[[Any], str]):
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> str:
        value = self[key] = self._make(key)
        return value


class PageText:
    """Field names and labels in the reader's language; dates, instants and
    the task's links, each made once (``text.dates[value]``)."""

    def __init__(self, task_id: int):
        key = str(get_locale())
        if key not in _translated:
            _translated[key] = (
                {group: str(title) for group, title in FIELD_TITLES.items()},
                SimpleNamespace(**{name: Markup(str(word)) for name, word in WORDS.items()}),
                SimpleNamespace(
                    **{
                        kind: {value: str(label) for value, label in labels.items()}
                        for kind, labels in LABELS.items()
                    }
                ),
            )
        self.titles, self.words, self.labels = _translated[key]
        self.task_url = task_url = url_for("tasks.show", task_id=task_id)
        self.comments_url = f"{task_url}/comments"
        self.mentions_url = f"{task_url}/mentions"
        self.history_url = f"{task_url}/history"
        timezone = current_app.config["APP_TIMEZONE"]
        #: As the ``qc_date`` filter writes them, kept for the process (Babel
        #: takes 9 µs a date: the task's dates, each target's latest); none is "".
        self.dates = Memo(lambda value: qc_date(value, locale=key))
        #: As the ``qc_datetime`` filter writes them.
        self.instants = Memo(lambda value: qc_datetime(value, timezone=timezone, locale=key))
        #: For ``<time datetime>`` (stored instants are naive UTC: the template adds « Z »).
        self.stamps = Memo(lambda value: value.isoformat())
        self.edit_urls = Memo(lambda group: f"{task_url}/edit/{group}")
        self.measurements_urls = Memo(lambda target_id: f"{task_url}/targets/{target_id}/measurements")

    def older_comments_url(self, before: int) -> str:
        return f"{self.comments_url}?before={before}"
