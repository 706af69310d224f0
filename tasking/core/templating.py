"""Filters and globals shared by every template: Québec dates, labels."""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tasking.core.clock import to_local
from tasking.core.markdown import markdown_excerpt
from tasking.models import Target

STATUS_LABELS = {
    "todo": _l("To do"),
    "in_progress": _l("In progress"),
    "blocked": _l("Blocked"),
    "done": _l("Done"),
}
# An action's health (the weekly check-in) is feminine in French (« Bloquée »)
# where a task's status is not: the context "health" keeps them apart.
HEALTH_LABELS = {
    "on_track": _lp("health", "On track"),
    "at_risk": _lp("health", "At risk"),
    "late": _lp("health", "Late"),
    "blocked": _lp("health", "Blocked"),
    "done": _lp("health", "Done"),
}
HORIZON_LABELS = {"short_medium": _l("Short and medium term"), "long": _l("Long term")}
ROLE_LABELS = {"admin": _l("Administrator"), "member": _l("Member"), "viewer": _l("Viewer")}
LEVEL_LABELS = {"O": _l("Organisational (O)"), "G": _l("Managers (G)"), "E": _l("Employees (E)")}
CATEGORY_LABELS = {
    "social": _l("Social issues"),
    "economic": _l("Economic issues"),
    "transversal": _l("Cross-cutting issues"),
    "urban_security": _l("Urban security issues"),
}


def health_label(value: str | None) -> str:
    """An action's health in the reader's language; « — » when none was given."""
    return str(HEALTH_LABELS.get(value or "", "—"))


def qc_date(value: date | None, style: str = "medium", locale: str | None = None) -> str:
    """« 25 nov. 2026 » in French, « Nov 25, 2026 » in English."""
    if value is None:
        return ""
    return formatted_date(value, style, locale or str(get_locale()))


def week_of(week: str) -> str:
    """« 2026-W50 » as people say it: « semaine du 7 décembre » (its Monday;
    « 1er » for the first of the month), « week of December 7 »."""
    year, _w, number = week.partition("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    if str(get_locale()).startswith("fr"):
        day = "1er" if monday.day == 1 else str(monday.day)
        return _("week of %(date)s", date=f"{day} {format_date(monday, 'MMMM')}")
    return _("week of %(date)s", date=format_date(monday, "MMMM d"))


#: French articles of the words a region's or a municipality's name may start
#: with (« MRC de la Démo » → « de la MRC de la Démo »); a name that starts
#: otherwise is a place's own name (« de Saint-Exemple »).
_FRENCH_ARTICLES = {
    "mrc": "la",
    "ville": "la",
    "municipalité": "la",
    "communauté": "la",
    "région": "la",
    "paroisse": "la",
    "cité": "la",
    "agglomération": "l’",
    "canton": "le",
    "village": "le",
}


def of_place(name: str) -> str:
    """« of MRC de Test » in English; in French, « de » with the name's
    article: « de la MRC de Test », « de l’Agglomération de … », « du Canton
    de … », « de Saint-Exemple »."""
    if not str(get_locale()).startswith("fr"):
        return _("of %(name)s", name=name)
    article = _FRENCH_ARTICLES.get(name.split(" ", 1)[0].lower())
    if article == "la":
        return f"de la {name}"
    if article == "l’":
        return f"de l’{name}"
    if article == "le":
        return f"du {name}"
    return f"d’{name}" if name[:1].lower() in "aeiouyéèêàâîôû" else f"de {name}"


def qc_datetime(
    value: datetime | None, style: str = "medium", timezone: str | None = None, locale: str | None = None
) -> str:
    """A stored naive-UTC instant in ``timezone`` (else the app's), without seconds."""
    if value is None:
        return ""
    return formatted_instant(
        value, style, timezone or current_app.config["APP_TIMEZONE"], locale or str(get_locale())
    )


def qc_number(value: float | None, locale: str | None = None) -> str:
    """65.0 → « 65 », 12.5 → « 12,5 » in French."""
    if value is None:
        return ""
    if not math.isfinite(value) or abs(value) >= 1e15:
        # Older rows may hold what input checks now refuse: show it, never fail.
        return f"{value:.3g}"
    return _formatted_number(value, locale or str(get_locale()))


#: The template context's names for the render's language and for where
#: the app is mounted (see ``register``).
LOCALE = "_qc_locale"
ROOT = "_qc_root"


class ProgressBar(NamedTuple):
    """What a measurable target's progress bar shows (plans/_target_progress.html)."""

    #: Share of the way from the baseline to the target, in whole percent.
    width: int
    #: The latest value as written, or « — ».
    shown: str
    #: The target value as written.
    goal: str
    #: The bar's tooltip: « Latest value: … ».
    title: Markup


#: The template holding the progress bar's markup.
PROGRESS_TEMPLATE = "plans/_target_progress.html"


@pass_context
def progress(context: Context, target: object, latest: float | None, title: Markup | None = None) -> Markup:
    """The progress bar of ``target`` at ``latest``; ``title``, a « %(value)s »
    to fill in, else the usual words. A bar depends only on its figures and
    the language (the render's, as the filters read it), and the same ones
    recur on a page and from page to page: each is drawn once for the
    process, where calling the template's macro for each target cost about
    12 µs (its arguments and context, its escaping, the figures)."""
    return _progress(
        target.target_value,
        target.baseline,
        target.direction,
        target.unit,
        latest,
        title,
        context.get(LOCALE) or str(get_locale()),
    )


@lru_cache(maxsize=4096)
def _progress(
    target_value: float,
    baseline: float | None,
    direction: str,
    unit: str | None,
    latest: float | None,
    title: Markup | None,
    locale: str,
) -> Markup:
    figures = SimpleNamespace(target_value=target_value, baseline=baseline, direction=direction)
    share = Target.progress(figures, latest)
    shown = qc_number(latest, locale) if latest is not None else "—"
    # As Jinja's ``_()`` fills a template's words in: escaped into the markup.
    words = title if title else Markup(_("Latest value: %(value)s"))
    width = int(round((share or 0) * 100, 0))
    bar = ProgressBar(width, shown, qc_number(target_value, locale), words % {"value": shown})
    return current_app.jinja_env.get_template(PROGRESS_TEMPLATE).module.progress(bar, unit)


@pass_context
def app_url(context: Context, endpoint: str, **values: object) -> str:
    """``url_for`` for the links every page repeats (assets, menu, top bar).
    A link to one of the app's own pages or files (never external) depends
    only on its endpoint, its values and where the app is mounted: each is
    built once for the process, not some 20 times per page (6 µs each)."""
    return _app_url(context.get(ROOT), endpoint, tuple(values.items()))


@lru_cache(maxsize=1024)
def _app_url(root: str | None, endpoint: str, values: tuple[tuple[str, object], ...]) -> str:
    return url_for(endpoint, **dict(values))


#: What the top bar, the menu and the bell of every page show: their words
#: (Babel's, translated once per language) and their links (built once per
#: mount point). Read as ``chrome.words.skip``, ``chrome.urls.home``: some 30
#: calls of ``_()`` and ``app_url`` a page, each through the template's context.
CHROME_WORDS = {
    "skip": _l("Skip to content"),
    "main_menu": _l("Main menu"),
    "sign_out": _l("Sign out"),
    "privacy": _l("Privacy and personal information"),
    "dashboard": _l("Dashboard"),
    "my_tasks": _l("My tasks"),
    "my_updates": _l("My updates"),
    "plans": _l("Plans"),
    "meetings": _l("Meetings"),
    "members": _l("Members"),
    "outbox": _l("Outbox"),
    "notifications": _l("Notifications"),
}
CHROME_URLS = {
    "favicon": ("static", {"filename": "favicon.svg"}),
    "css": ("static", {"filename": "css/app.css"}),
    "print_css": ("static", {"filename": "css/print.css"}),
    "htmx": ("static", {"filename": "vendor/htmx-2.0.11/htmx.min.js"}),
    "app_js": ("static", {"filename": "js/app.js"}),
    "task_js": ("static", {"filename": "js/task.js"}),
    "home": ("plans.home", {}),
    "bell": ("notifications.bell", {}),
    "notifications": ("notifications.index", {}),
    "language": ("auth.set_language", {}),
    "account": ("auth.account", {}),
    "logout": ("auth.logout", {}),
    "notice": ("notice.notice", {}),
    "my_tasks": ("me.tasks", {}),
    "my_updates": ("checkins.mine", {}),
    "plans": ("plans.index", {}),
    "members": ("admin.index", {}),
    "outbox": ("outbox.outbox_home", {}),
}


@lru_cache(maxsize=64)
def _chrome(root: str | None, locale: str) -> SimpleNamespace:
    """The words are safe as ``_()`` gives them to a template."""
    return SimpleNamespace(
        words=SimpleNamespace(**{name: Markup(str(word)) for name, word in CHROME_WORDS.items()}),
        urls=SimpleNamespace(
            **{name: url_for(endpoint, **values) for name, (endpoint, values) in CHROME_URLS.items()}
        ),
    )


@pass_context
def _date_filter(context: Context, value: date | None, style: str = "medium") -> str:
    return qc_date(value, style, context.get(LOCALE))


@pass_context
def _datetime_filter(
    context: Context, value: datetime | None, style: str = "medium", timezone: str | None = None
) -> str:
    return qc_datetime(value, style, timezone, context.get(LOCALE))


@pass_context
def _number_filter(context: Context, value: float | None) -> str:
    return qc_number(value, context.get(LOCALE))


# Babel parses its patterns and locale data on every call (50–90 µs each);
# the same dates and figures recur on a page and across pages. Each result
# depends only on its arguments and the reader's language (``locale``, the
# key: the formatters read the same language from Flask-Babel).


@lru_cache(maxsize=4096)
def formatted_date(value: date, style: str, locale: str) -> str:
    return format_date(value, style)


@lru_cache(maxsize=4096)
def formatted_instant(value: datetime, style: str, timezone: str, locale: str) -> str:
    local = to_local(value, timezone).replace(tzinfo=None)
    pattern = "d MMM y, HH 'h' mm" if locale.startswith("fr") else "MMM d, y, h:mm a"
    return format_datetime(local, pattern if style == "medium" else style, rebase=False)


@lru_cache(maxsize=4096)
def _formatted_number(value: float, locale: str) -> str:
    return format_decimal(value, format="#,##0.##")


def nl2br(text: str | None) -> Markup:
    return Markup("<br>").join(escape(line) for line in (text or "").splitlines())


def compile_templates(app: Flask) -> int:
    """Compile every template now, and say how many: a gunicorn worker
    otherwise compiles a page's templates at its first request for it (all
    of them take about a second), which the first people it serves wait for."""
    environment = app.jinja_env
    names = environment.list_templates()
    for name in names:
        environment.get_template(name)
    return len(names)


def register(app: Flask) -> None:
    # The filters read the render's language from its context (asking
    # Flask-Babel costs 3–10 µs; the task page formats some 25 values);
    # a template rendered without ``render_template`` still asks Flask-Babel.
    app.jinja_env.filters["qc_date"] = _date_filter
    app.jinja_env.filters["qc_datetime"] = _datetime_filter
    app.jinja_env.filters["week_of"] = week_of
    app.jinja_env.filters["of_place"] = of_place
    app.jinja_env.filters["nl2br"] = nl2br
    app.jinja_env.filters["qc_number"] = _number_filter
    app.jinja_env.filters["markdown_excerpt"] = markdown_excerpt
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        HEALTH_LABELS=HEALTH_LABELS,
        HORIZON_LABELS=HORIZON_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        LEVEL_LABELS=LEVEL_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        get_locale=get_locale,
        app_url=app_url,
        progress=progress,
    )

    @app.context_processor
    def inject_user():
        # The person, not the proxy: a page reads it some 25 times, each a
        # context-local lookup; the language and the app's root, read once.
        in_request = has_request_context()
        locale, root = str(get_locale()), request.script_root if in_request else None
        return {
            "current_user": current_user._get_current_object(),
            LOCALE: locale,
            ROOT: root,
            # Its links need a request (``url_for``).
            "chrome": _chrome(root, locale) if in_request else None,
        }
