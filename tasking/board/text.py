"""The words and links every card repeats, prepared once per request.

A board renders hundreds of cards; asking Flask-Babel for the same label,
date format or URL on each of them cost more than everything else the card
needs, so the board's templates read them from one ``CardText``, and each
card's own words from its ``CardWords`` (attributes: a Jinja method call
costs several times an attribute read).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from flask import request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tasking.board.services import Card, Filters
from tasking.core.templating import HEALTH_LABELS, STATUS_LABELS, formatted_date


@dataclass(slots=True)
class CardWords:
    """One card's links and words, escaped once here: the card's markup prints
    them without escaping each again (a card printed some forty escaped values)."""

    title: Markup
    url: str
    move_url: str
    card_url: str
    # The short title and the label of the status list (movable cards only).
    short_title: str
    column_of: str
    # Its theme's and owner's words, shared by the cards of that theme and owner.
    theme_title: str
    colour: str
    theme: str
    theme_name: str
    initials: str
    responsible: str
    due: str
    due_iso: str
    collaborators: str
    comments: str
    # The objective's progress: the bar's width (a whole percentage) and its label.
    progress_width: int = 0
    progress_label: str = ""
    # The latest check-in's title: « Last check-in », and its note if any.
    health_title: str = ""


class Labels:
    """The words every card repeats in one language, escaped once: built for
    the first request in that language, then kept (``labels``)."""

    def __init__(self):
        self.status = {key: str(label) for key, label in STATUS_LABELS.items()}
        self.move = escape(_("Move"))
        self.confirm = escape(_("Confirm"))
        self.overdue = escape(_("overdue"))
        self.due_soon = escape(_("due soon"))
        self.objective = escape(_("Objective"))
        self.progress_title = escape(_("Progress of the objective’s targets, not of this action"))
        self.health = {key: escape(str(label)) for key, label in HEALTH_LABELS.items()}
        self.health_title = _("Last check-in")
        self.stale = escape(_("To update"))
        self.stale_title = escape(_("No update for three check-in rounds"))
        self._responsible = _("Responsible: %(name)s")
        self._theme_number = _("Theme %(number)s")
        self._theme_named = _("Theme %(number)s: %(title)s")
        # Escaped, to take a title escaped already (one escape a card, not two).
        self._column_of = str(escape(_("Column of “%(title)s”")))
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


@functools.lru_cache(maxsize=8)
def labels(locale: str) -> Labels:
    """The ``Labels`` of ``locale``, the request's language (they are
    translated with it)."""
    return Labels()


class CardText:
    """Translated labels, formatted dates and card URLs, memoised."""

    def __init__(self, filters: Filters):
        self._locale = str(get_locale())
        # The language's labels as this object's attributes (the templates read ``t.move``).
        self.__dict__.update(labels(self._locale).__dict__)
        self.csrf = escape(generate_csrf())
        self.query = "?" + urlencode(filters.query_args()) if filters.query_args() else ""
        self.root = request.script_root
        self._themes: dict[tuple[int | None, str], tuple[str, str]] = {}
        self._dates: dict[date, str] = {}
        self._plurals: dict[tuple[str, int], str] = {}

    def dress(self, cards: Iterable[Card]) -> None:
        """Give each card its ``CardWords``. Themes, owners, dates, counts and
        progress repeat from card to card: each distinct one is put in words
        and escaped once (``looks``, ``dates``, ``shared``)."""
        task_url = f"{escape(self.root)}/tasks/"
        query = escape(self.query)
        looks: dict[tuple, tuple[str, ...]] = {}
        dates: dict[date, tuple[str, str]] = {}
        shared: dict[tuple[str, object], str] = {}
        once = self._once
        for card in cards:
            url = f"{task_url}{card.id}"
            key = (card.theme_number, card.theme_title, card.theme_colour)
            key += (card.owner_name, card.owner_initials)
            look = looks.get(key) or looks.setdefault(key, self._look(*key))
            due = card.due_date
            dated = ("", "") if due is None else dates.get(due) or dates.setdefault(due, self._due(due))
            helpers, comments = card.collaborators, card.comments
            words = CardWords(
                escape(card.title),
                url,
                f"{url}/move{query}",
                f"{url}/card{query}",
                *self._titles(card.title) if card.movable else ("", ""),
                *look,
                *dated,
                once(shared, "helpers", helpers, self.collaborators) if helpers else "",
                once(shared, "comments", comments, self.comments) if comments else "",
            )
            if card.progress is not None:
                words.progress_width = round(card.progress * 100)
                words.progress_label = once(shared, "progress", card.progress_label, str)
            if card.checkin.health:
                note = card.checkin.note
                words.health_title = escape(f"{self.health_title} : {note}" if note else self.health_title)
            card.text = words

    @staticmethod
    def _once(shared: dict, kind: str, value: object, words: Callable[[object], str]) -> str:
        key = (kind, value)
        found = shared.get(key)
        if found is None:
            found = shared[key] = escape(words(value))
        return found

    def _look(
        self, number: int | None, title: str, colour: str, owner: str, initials: str
    ) -> tuple[str, str, str, str, str, str]:
        """A theme's title, colour, mark and name read out, an owner's initials and « Responsible: … »."""
        shown, named = self.theme(number, title)
        responsible = escape(self.responsible(owner)) if owner else ""
        return escape(title), escape(colour), escape(shown), escape(named), escape(initials), responsible

    def _due(self, due: date) -> tuple[str, str]:
        """A due date shown and machine-readable."""
        return escape(self.date(due)), due.isoformat()

    def _titles(self, title: str) -> tuple[str, str]:
        """The short title and the label of the status list (movable cards only)."""
        short = escape(self.short_title(title))
        return short, self._column_of % {"title": short}

    def theme(self, number: int | None, title: str) -> tuple[str, str]:
        """What a card shows of its theme (« Enjeu 3 », else the title's
        start: colour is never the only carrier) and how it is read out."""
        key = (number, title)
        if key not in self._themes:
            if number:
                named = {"number": number, "title": title}
                self._themes[key] = (self._theme_number % named, self._theme_named % named)
            else:
                self._themes[key] = (self.short_title(title, 18), title)
        return self._themes[key]

    def move_url(self, task_id: int) -> str:
        return f"{self.root}/tasks/{task_id}/move{self.query}"

    def card_url(self, task_id: int) -> str:
        return f"{self.root}/tasks/{task_id}/card{self.query}"

    def date(self, value: date) -> str:
        if value not in self._dates:
            # As the qc_date filter formats it (and kept with its results),
            # without Flask-Babel's per-call lookups.
            self._dates[value] = formatted_date(value, "medium", self._locale)
        return self._dates[value]

    def responsible(self, name: str) -> str:
        return self._responsible % {"name": name}

    @staticmethod
    def short_title(title: str, length: int = 60) -> str:
        return title if len(title) <= length else title[: length - 3] + "…"

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
