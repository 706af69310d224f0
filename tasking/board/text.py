"""The words and links every card repeats, prepared once per request.

A board renders a hundred cards or more; asking Flask-Babel for the same
label, date format or URL on each of them cost more than everything else the
card needs, so the board's templates read them from one ``CardText``.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from babel.dates import format_date
from flask import request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tasking.board.services import Filters
from tasking.core.templating import HEALTH_LABELS, STATUS_LABELS


class CardText:
    """Translated labels, formatted dates and card URLs, memoised."""

    def __init__(self, filters: Filters):
        self.status = {key: str(label) for key, label in STATUS_LABELS.items()}
        self.move = _("Move")
        self.confirm = _("Confirm")
        self.overdue = _("overdue")
        self.due_soon = _("due soon")
        self.target_progress = _("Target progress")
        self.health = {key: str(label) for key, label in HEALTH_LABELS.items()}
        self.health_title = _("Last check-in")
        self.stale = _("To update")
        self.stale_title = _("No update for three check-in rounds")
        self.csrf = generate_csrf()
        self.query = "?" + urlencode(filters.query_args()) if filters.query_args() else ""
        self.root = request.script_root
        self._responsible = _("Responsible: %(name)s")
        self._column_of = _("Column of “%(title)s”")
        # The options of a card's status list, one variant per selected status.
        self.options = {
            selected: Markup("").join(
                Markup('<option value="{}"{}>{}</option>').format(
                    value, Markup(" selected") if value == selected else "", label
                )
                for value, label in self.status.items()
            )
            for selected in self.status
        }
        self._dates: dict[date, str] = {}
        self._locale = get_locale()
        self._plurals: dict[tuple[str, int], str] = {}

    def task_url(self, task_id: int) -> str:
        return f"{self.root}/tasks/{task_id}"

    def move_url(self, task_id: int) -> str:
        return f"{self.root}/tasks/{task_id}/move{self.query}"

    def card_url(self, task_id: int) -> str:
        return f"{self.root}/tasks/{task_id}/card{self.query}"

    def date(self, value: date) -> str:
        if value not in self._dates:
            # As the qc_date filter formats it, without Flask-Babel's per-call lookups.
            self._dates[value] = format_date(value, "medium", locale=self._locale)
        return self._dates[value]

    def responsible(self, name: str) -> str:
        return self._responsible % {"name": name}

    @staticmethod
    def short_title(title: str) -> str:
        return title if len(title) <= 60 else title[:57] + "…"

    def column_of(self, title: str) -> str:
        return self._column_of % {"title": self.short_title(title)}

    def collaborators(self, count: int) -> str:
        key = ("collaborators", count)
        if key not in self._plurals:
            self._plurals[key] = ngettext("%(num)d collaborator", "%(num)d collaborators", count)
        return self._plurals[key]

    def tasks(self, count: int) -> str:
        key = ("tasks", count)
        if key not in self._plurals:
            self._plurals[key] = ngettext("%(num)d task", "%(num)d tasks", count)
        return self._plurals[key]

    def comments(self, count: int) -> str:
        key = ("comments", count)
        if key not in self._plurals:
            self._plurals[key] = ngettext("%(num)d comment", "%(num)d comments", count)
        return self._plurals[key]
