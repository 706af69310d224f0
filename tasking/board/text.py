"""The words and links every card repeats, prepared once per request.

A board renders hundreds of cards; asking Flask-Babel for the same label,
date format or URL on each of them cost more than everything else the card
needs, so the board's templates read them from one ``CardText``, and each
card's own words from its ``CardWords`` (attributes: a Jinja method call
costs several times an attribute read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from babel.dates import format_date
from flask import request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tasking.board.services import Card, Filters
from tasking.core.templating import HEALTH_LABELS, STATUS_LABELS


@dataclass(slots=True)
class CardWords:
    """One card's links and words, escaped once here: the card's markup prints
    them without escaping each again (a card printed some forty escaped values)."""

    title: Markup
    theme_title: Markup
    colour: Markup
    initials: Markup
    url: str
    move_url: str
    card_url: str
    due: str
    due_iso: str
    responsible: str
    collaborators: str
    comments: str
    short_title: str
    column_of: str
    theme: str
    theme_name: str


class CardText:
    """Translated labels, formatted dates and card URLs, memoised."""

    def __init__(self, filters: Filters):
        self.status = {key: str(label) for key, label in STATUS_LABELS.items()}
        # Escaped once: the card prints them without escaping.
        self.move = escape(_("Move"))
        self.confirm = escape(_("Confirm"))
        self.overdue = escape(_("overdue"))
        self.due_soon = escape(_("due soon"))
        self.target_progress = _("Target progress")
        self.health = {key: str(label) for key, label in HEALTH_LABELS.items()}
        self.health_title = _("Last check-in")
        self.stale = _("To update")
        self.stale_title = _("No update for three check-in rounds")
        self.csrf = escape(generate_csrf())
        self.query = "?" + urlencode(filters.query_args()) if filters.query_args() else ""
        self.root = request.script_root
        self._responsible = _("Responsible: %(name)s")
        self._theme_number = _("Theme %(number)s")
        self._theme_named = _("Theme %(number)s: %(title)s")
        self._themes: dict[tuple[int | None, str], tuple[str, str]] = {}
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

    def dress(self, cards: Iterable[Card]) -> None:
        """Give each card its ``CardWords``."""
        root, query = self.root, self.query
        shared: dict[tuple[str, object], Markup] = {}

        def once(kind: str, value: object, words: Callable[[], str]) -> Markup:
            # Owners, counts, dates and themes repeat from card to card.
            key = (kind, value)
            if key not in shared:
                shared[key] = escape(words())
            return shared[key]

        for card in cards:
            task = f"{root}/tasks/{card.id}"
            due, owner, theme = card.due_date, card.owner_name, (card.theme_number, card.theme_title)
            helpers, comments = card.collaborators, card.comments
            card.text = CardWords(
                escape(card.title),
                once("theme title", card.theme_title, lambda c=card: c.theme_title),
                once("colour", card.theme_colour, lambda c=card: c.theme_colour),
                once("initials", card.owner_initials, lambda c=card: c.owner_initials),
                escape(task),
                escape(f"{task}/move{query}"),
                escape(f"{task}/card{query}"),
                once("due", due, lambda d=due: self.date(d)) if due else "",
                due.isoformat() if due else "",
                once("owner", owner, lambda o=owner: self.responsible(o)) if owner else "",
                once("helpers", helpers, lambda n=helpers: self.collaborators(n)) if helpers else "",
                once("comments", comments, lambda n=comments: self.comments(n)) if comments else "",
                escape(self.short_title(card.title)),
                escape(self.column_of(card.title)),
                once("theme", theme, lambda t=theme: self.theme(*t)[0]),
                once("theme name", theme, lambda t=theme: self.theme(*t)[1]),
            )

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
    def short_title(title: str, length: int = 60) -> str:
        return title if len(title) <= length else title[: length - 3] + "…"

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
