"""The words, dates and links the task page repeats, prepared once.

Asking Flask-Babel for the nine field names on each of the eight parts of
the task, formatting each date through the filter and building each edit
link through ``url_for`` cost more than reading the task (bench/task_page.py).
Field names and the labels of values (status, health…) are translated once
per language for the process (catalogues do not change while it runs);
dates and links once per request.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from tasking.core.templating import (
    HEALTH_LABELS,
    HORIZON_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
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
WORDS = {
    "edit": _l("Edit"),
    "overdue": _l("Overdue"),
    "add_measurement": _l("Add a measurement"),
    "latest_value": _l("Latest value: %(value)s"),
}
#: The labels of the values the page shows, as ``text.labels["status"]["todo"]``.
LABELS = {"status": STATUS_LABELS, "health": HEALTH_LABELS, "horizon": HORIZON_LABELS, "level": LEVEL_LABELS}
_translated: dict[str, tuple[dict[str, str], dict[str, str], dict[str, dict[str, str]]]] = {}


class PageText:
    """Field names and labels in the reader's language, memoised dates, the task's links."""

    def __init__(self, task_id: int):
        locale = get_locale()
        key = str(locale)
        if key not in _translated:
            _translated[key] = (
                {group: str(title) for group, title in FIELD_TITLES.items()},
                {name: str(word) for name, word in WORDS.items()},
                {
                    kind: {value: str(label) for value, label in labels.items()}
                    for kind, labels in LABELS.items()
                },
            )
        self.titles, self.words, self.labels = _translated[key]
        self._locale = locale
        self._dates: dict[date, str] = {}
        self._instants: dict[datetime, str] = {}
        self.task_url = url_for("tasks.show", task_id=task_id)
        self.comments_url = f"{self.task_url}/comments"
        self.mentions_url = f"{self.task_url}/mentions"
        self.history_url = f"{self.task_url}/history"
        self._timezone = current_app.config["APP_TIMEZONE"]

    def date(self, value: date | None) -> str:
        """As the ``qc_date`` filter writes it."""
        if value is None:
            return ""
        if value not in self._dates:
            self._dates[value] = format_date(value, "medium", locale=self._locale)
        return self._dates[value]

    def instant(self, value: datetime) -> str:
        """As the ``qc_datetime`` filter writes it."""
        if value not in self._instants:
            self._instants[value] = qc_datetime(value, timezone=self._timezone)
        return self._instants[value]

    def edit_url(self, group: str) -> str:
        return f"{self.task_url}/edit/{group}"

    def older_comments_url(self, before: int) -> str:
        return f"{self.comments_url}?before={before}"

    def measurements_url(self, target_id: int) -> str:
        return f"{self.task_url}/targets/{target_id}/measurements"
