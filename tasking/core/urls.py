"""Addresses: where a form may send the browser back to, and the absolute
links that leave the site (e-mails, the calendar feed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute address of a page, on ``APP_BASE_URL`` (what people use,
    whatever host the request or job runs on). Built from the URL map, not
    ``url_for``: the scheduler and the CLI have no request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["APP_BASE_URL"] + path


def safe_next(value: str | None, default: str) -> str:
    """A path on this site, or ``default``. Browsers drop tabs and newlines
    and read a backslash as a slash, so "/\\t/evil.example" would leave the
    site: any of those, like another host, gives ``default``."""
    if not value or not value.startswith("/") or "\\" in value or any(ord(c) < 32 for c in value):
        return default
    if value.startswith("//") or urlsplit(value).netloc:
        return default
    return value
