"""Where a form may send the browser back to."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(value: str | None, default: str) -> str:
    """A path on this site, or ``default``. Browsers drop tabs and newlines
    and read a backslash as a slash, so "/\\t/evil.example" would leave the
    site: any of those, like another host, gives ``default``."""
    if not value or not value.startswith("/") or "\\" in value or any(ord(c) < 32 for c in value):
        return default
    if value.startswith("//") or urlsplit(value).netloc:
        return default
    return value
