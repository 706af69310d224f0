"""The My tasks page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, current_app, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from tasking.core import clock
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


class LineText:
    """Words every line repeats, translated and formatted once per request
    (Flask-Babel's lookups cost more than the rest of a line); each distinct
    date once (``dress``), read by the template from dictionaries (a method
    call from a template costs several times a lookup)."""

    def __init__(self):
        # Escaped once: the lines print them without escaping.
        self.status = {key: escape(label) for key, label in STATUS_LABELS.items()}
        self.collaborator = escape(_("Collaborator"))
        self.no_date = escape(_("No due date"))
        self._due_label = _("Due %(date)s")
        self._done_label = _("Done on %(date)s")
        self._locale = str(get_locale())
        self._timezone = current_app.config["APP_TIMEZONE"]
        # date → « Échéance … » and its ISO form; instant → « Terminée le … ».
        self.due: dict[date, str] = {}
        self.iso: dict[date, str] = {}
        self.done: dict[datetime, str] = {}

    def dress(self, mine: services.MyTasks) -> LineText:
        for group in mine.groups:
            for item in group.items:
                due, completed = item.due_date, item.completed_at
                if due is not None and due not in self.due:
                    shown = formatted_date(due, "medium", self._locale)
                    self.due[due], self.iso[due] = escape(self._due_label % {"date": shown}), due.isoformat()
                if completed is not None and completed not in self.done:
                    shown = formatted_instant(completed, "medium", self._timezone, self._locale)
                    self.done[completed] = escape(self._done_label % {"date": shown})
        return self


def _timezone() -> str:
    """The time zone of the person's (first) organisation: "today" is theirs."""
    return home_timezone(db.session, current_user) or current_app.config["APP_TIMEZONE"]


@bp.route("/me/tasks")
@login_required
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
