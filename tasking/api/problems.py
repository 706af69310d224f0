"""Refusals as problem documents (RFC 9457), in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json
from flask_babel import lazy_gettext as _l

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Content too large"),
    415: _l("Unsupported media type"),
    422: _l("Refused"),
    429: _l("Too many requests"),
}


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """A problem document: ``title`` names the kind of refusal, ``detail`` says
    what to do about this one; ``extra`` members (``field``, ``errors``,
    ``current``) say more."""
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, _l("Error"))),
        "status": status,
        "detail": detail,
        **{key: value for key, value in extra.items() if value is not None},
    }
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers.update(headers or {})
    return response
