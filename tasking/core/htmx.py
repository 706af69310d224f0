"""The one place that knows about htmx request headers.

A real htmx request gets the fragment; a boosted navigation or a history
restore gets the full page, so every URL in the address bar renders whole.
"""

from __future__ import annotations

import json

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Render ``page`` or, for htmx, ``fragment`` (which the page includes)."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def trigger(response: Response, event: str, detail: str | None = None) -> Response:
    """Ask the page to run an htmx event after the swap (toasts, refreshes)."""
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[event] = detail or ""
    response.headers["HX-Trigger"] = json.dumps(events)
    return response
