"""The words the update form repeats for every action, translated once per
page: asking Flask-Babel for the same label sixty times cost more than the
rest of the page (see bench/checkins.py)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _

from tasking.core.templating import HEALTH_LABELS, STATUS_LABELS


class FormText:
    """Translated labels of the update form, and memoised due dates."""

    def __init__(self):
        self.health = {key: str(label) for key, label in HEALTH_LABELS.items()}
        self.status = {key: str(label) for key, label in STATUS_LABELS.items()}
        self.overdue = _("Overdue")
        self.nothing_new = _("Nothing new")
        self.where_stands = _("Where does it stand?")
        self.where_are_we = _("Where are we?")
        self.due_date = _("Due date")
        self.why_moves = _("Why does the date move?")
        self._due = _("Due %(date)s")
        self._last_said = _("Last said (%(when)s, %(who)s):")
        self._locale = get_locale()
        self._dates: dict[date, str] = {}

    def due(self, day: date) -> str:
        if day not in self._dates:
            # As the qc_date filter formats it, without Flask-Babel's per-call lookups.
            self._dates[day] = self._due % {"date": format_date(day, "medium", locale=self._locale)}
        return self._dates[day]

    def last_said(self, when: str, who: str) -> str:
        return self._last_said % {"when": when, "who": who}
