"""The one place that knows about htmx request headers.

A real htmx request gets the fragment; a boosted navigation or a history
restore gets the full page, so every URL in the address bar renders whole.
"""

from __future__ import annotations

import json

from flask import Response, current_app, make_response, redirect, render_template, request


def sent_by_htmx() -> bool:
    """Any request htmx sent, boosted or not (it would swap whatever comes back)."""
    return request.headers.get("HX-Request") == "true"


def is_htmx() -> bool:
    """A request that wants a fragment: htmx's own, not a boosted link or a history restore."""
    return (
        sent_by_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def fragment(body: str, status: int = 200) -> Response:
    """An answer whose markup depends on ``HX-Request``: caches must keep both."""
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render(page: str, fragment_name: str, status: int = 200, **context) -> Response:
    """Render ``page`` or, for htmx, ``fragment_name`` (which the page includes)."""
    template = fragment_name if is_htmx() else page
    return fragment(render_template(template, **context), status)


def go(target: str) -> Response:
    """Navigate: HX-Redirect for htmx (it drops headers on a 3xx), else 303."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


def sign_in_first(target: str) -> Response:
    """To the sign-in page. htmx would swap that page into a card: it gets a
    401 that sends the whole browser there instead."""
    if sent_by_htmx():
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def trigger(response: Response, event: str, detail: str | None = None) -> Response:
    """Ask the page to run an htmx event after the swap (toasts, refreshes)."""
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[event] = detail or ""
    response.headers["HX-Trigger"] = json.dumps(events)
    return response
