"""The My tasks page."""

from __future__ import annotations

import functools
from datetime import date, datetime

from flask import Blueprint, current_app, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from tasking.core import clock
from tasking.core.batches import reads_first
from tasking.core.clock import local_today
from tasking.core.htmx import render
from tasking.core.permissions import home_timezone
from tasking.core.templating import STATUS_LABELS, formatted_date, formatted_instant
from tasking.extensions import db
from tasking.me import services
from tasking.me.home import Destination, start_of

bp = Blueprint("me", __name__)


#: How long the menu trusts the dashboard it found (seconds): the task page
#: and the board then read nothing for it; a new plan shows within this time.
MENU_KEPT = 600


@bp.app_template_global("dashboard_of")
def _dashboard_of(user) -> Destination | None:  # noqa: ANN001
    """For the menu: the dashboard the person's role works from, if any; kept
    in the session cookie for a few minutes, so most pages spend no statement on it."""
    if not user.is_authenticated:
        return None
    stamp = int(clock.now().timestamp())
    kept = session.get("menu_dashboard")
    if isinstance(kept, dict) and kept.get("user") == user.id and 0 <= stamp - kept.get("at", 0) < MENU_KEPT:
        return Destination(kept["endpoint"], kept["values"]) if kept.get("endpoint") else None
    dashboard = start_of(db.session, user).dashboard
    session["menu_dashboard"] = {
        "user": user.id,
        "at": stamp,
        "endpoint": dashboard.endpoint if dashboard else None,
        "values": dashboard.values if dashboard else {},
    }
    return dashboard


@functools.cache
def _words(locale: str) -> tuple[dict[str, Markup], Markup, Markup, str, str]:
    """The words every line repeats, translated once per language (``locale``
    is the request's; the catalogue does not change while the app runs) and
    escaped once: the lines print them without escaping."""
    return (
        {key: escape(label) for key, label in STATUS_LABELS.items()},
        escape(_("No due date")),
        escape(_("Collaborator")),
        _("Due %(date)s"),
        _("Done on %(date)s"),
    )


class LineText:
    """The lines of each group, ready to print: the words every line repeats
    translated once per language (Flask-Babel's lookups cost more than the
    rest of a line), each distinct date formatted and each distinct plan,
    theme and colour escaped once per request."""

    def __init__(self):
        self._locale = str(get_locale())
        words = _words(self._locale)
        self._status, self._no_date, self.collaborator, self._due_label, self._done_label = words
        self._timezone = current_app.config["APP_TIMEZONE"]
        # Each distinct date, instant and plan or theme title or colour once.
        self._due: dict[date, tuple[str, str]] = {}  # date → (ISO form, « Échéance … »)
        self._done_on: dict[datetime, str] = {}  # instant → « Terminée le … »
        self._escaped: dict[str, str] = {}
        # group key → its lines, in the group's order: (id, status, status
        # word, title, colour, plan id, plan title, theme title, owned, due
        # date's ISO form or "", « Échéance … », « Terminée le … » (done) or
        # « Aucune échéance »), all escaped. Tuples, so that the template
        # unpacks them into names: each attribute read through Jinja is a call.
        self.lines: dict[str, list[tuple]] = {}

    def dress(self, mine: services.MyTasks) -> LineText:
        status, no_date, escaped = self._status, self._no_date, self._escaped
        due, done_on = self._due, self._done_on
        for group in mine.groups:
            lines = self.lines[group.key] = []
            done = group.key == "done"
            for row in group.items:
                id_, title, state, due_date, completed_at, plan_id, plan, theme, colour, owned = row[:10]
                if done:
                    iso, when = "", done_on.get(completed_at) or self._done_on_text(completed_at)
                elif due_date is None:
                    iso, when = "", no_date
                else:
                    iso, when = due.get(due_date) or self._due_text(due_date)
                lines.append(
                    (
                        id_,
                        state,
                        status[state],
                        escape(title),
                        escaped.get(colour) or escaped.setdefault(colour, escape(colour)),
                        plan_id,
                        escaped.get(plan) or escaped.setdefault(plan, escape(plan)),
                        escaped.get(theme) or escaped.setdefault(theme, escape(theme)),
                        owned,
                        iso,
                        when,
                    )
                )
        return self

    def _due_text(self, due_date: date) -> tuple[str, str]:
        shown = formatted_date(due_date, "medium", self._locale)
        found = self._due[due_date] = due_date.isoformat(), escape(self._due_label % {"date": shown})
        return found

    def _done_on_text(self, completed_at: datetime) -> str:
        shown = formatted_instant(completed_at, "medium", self._timezone, self._locale)
        found = self._done_on[completed_at] = escape(self._done_label % {"date": shown})
        return found


def _timezone() -> str:
    """The time zone of the person's (first) organisation: "today" is theirs."""
    return home_timezone(db.session, current_user) or current_app.config["APP_TIMEZONE"]


@bp.route("/me/tasks")
@login_required
@reads_first(lambda reader_id: [services.my_tasks_read(db.session, reader_id, clock.now())])
def tasks():
    now = clock.now()
    expand = request.args.get("all")
    mine = services.my_tasks(
        db.session,
        user=current_user,
        today=local_today(now, _timezone()),
        now=now,
        expand=expand if expand in services.GROUPS else None,
    )
    return render("me/tasks.html", "me/_tasks.html", mine=mine, expand=expand, w=LineText().dress(mine))
