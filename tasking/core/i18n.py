"""Which language and time zone a page is rendered in."""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.support import Translations
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LOCALES = ("fr_CA", "en_CA")


def normalise_locale(value: str | None) -> str:
    """Map 'fr', 'en', 'en_CA'… to a locale we ship; French by default."""
    value = (value or "").replace("-", "_")
    if value.lower().startswith("en"):
        return "en_CA"
    return "fr_CA"


#: Parsed once: Flask-Babel parses what the selector returns at every
#: request, and a ``Locale`` is returned as it is (a string costs 9 µs).
PARSED = {name: Locale.parse(name) for name in LOCALES}


def select_locale() -> str | Locale:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # Chosen by the request itself (the API reads Accept-Language).
    if "locale" in g:
        return g.locale
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        return PARSED[normalise_locale(user.locale)]
    return PARSED[normalise_locale(session.get("locale"))]


def select_timezone() -> str:
    return current_app.config["APP_TIMEZONE"]


#: The template context's name for the render's catalogue (see ``install_template_gettext``).
TRANSLATIONS = "_babel_translations"


def _translations(context: Context) -> Translations:
    found = context.get(TRANSLATIONS)
    return found if found is not None else get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return _translations(context).ugettext(string)


@pass_context
def _template_underscore(context: Context, string: str, **variables: Any) -> str:
    """``_()`` in one call where Jinja's i18n extension takes three (its alias
    of ``gettext``, the new-style wrapper, the callable): the same text, escaped alike."""
    text = _translations(context).ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if not variables and "%" not in text:
        # What « % {} » would give back: the same text, without Markup's escaping pass.
        return text
    return text % variables


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int) -> str:
    return _translations(context).ungettext(singular, plural, num)


@pass_context
def _pgettext(context: Context, message_context: str, string: str) -> str:
    return _translations(context).upgettext(message_context, string)


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, num: int) -> str:
    return _translations(context).unpgettext(message_context, singular, plural, num)


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_()`` and ``ngettext()`` read the catalogue once per
    render. Flask-Babel's own look it up for each string through nine
    context-local lookups (30–45 µs a string, 35 strings on the task page);
    the language cannot change while a template renders."""
    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    app.jinja_env.globals["_"] = _template_underscore

    @app.context_processor
    def catalogue() -> dict[str, Translations]:
        return {TRANSLATIONS: get_translations()}
