"""Which language and time zone a page is rendered in."""

from __future__ import annotations

from flask import current_app, g, has_request_context, session
from flask_login import current_user

LOCALES = ("fr_CA", "en_CA")


def normalise_locale(value: str | None) -> str:
    """Map 'fr', 'en', 'en_CA'… to a locale we ship; French by default."""
    value = (value or "").replace("-", "_")
    if value.lower().startswith("en"):
        return "en_CA"
    return "fr_CA"


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # Chosen by the request itself (the API reads Accept-Language).
    if "locale" in g:
        return g.locale
    if current_user and current_user.is_authenticated:
        return normalise_locale(current_user.locale)
    return normalise_locale(session.get("locale"))


def select_timezone() -> str:
    return current_app.config["APP_TIMEZONE"]
