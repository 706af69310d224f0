"""Logs: one line per request with a request id, plain or JSON.

The request id is the incoming ``X-Request-ID`` when it looks like one
(letters, digits and ``._:-``, at most 128: anything else could forge log
lines), else a fresh one; it goes back in the response's ``X-Request-ID``
and onto every log line written while the request runs.

``LOG_FORMAT=json`` writes each line as one JSON object. ``REQUEST_LOG=FILE``
sends the request lines to that file instead of stderr (scripts/run does, so
its terminal keeps the sign-in instructions readable).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_LOGGER = "tasking.requests"
INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Fields a request line carries besides its message (JSON keys as well).
REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms", "remote_addr")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id,
    the request fields when present, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update({name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def _ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_retablir", False)


def _install(logger: logging.Logger, handler: logging.Handler, fmt: logging.Formatter) -> None:
    # The factory runs more than once in a process (tests): replace, never pile up.
    for old in [h for h in logger.handlers if _ours(h)]:
        logger.removeHandler(old)
        old.close()
    handler._retablir = True
    handler.setFormatter(fmt)
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)


def configure(app: Flask) -> None:
    """Format the root logger's stderr lines, and route the request lines."""
    fmt = formatter(app.config["LOG_FORMAT"])
    root = logging.getLogger()
    # basicConfig's handler (create_app) gives way to ours, which adds the request id.
    for plain in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(plain)
    _install(root, logging.StreamHandler(sys.stderr), fmt)
    requests_log = _requests_log
    requests_log.setLevel(logging.INFO)
    # Alembic's logging.config.fileConfig (db upgrade in this process) disables existing loggers.
    requests_log.disabled = False
    if app.config["REQUEST_LOG"]:
        _install(requests_log, logging.FileHandler(app.config["REQUEST_LOG"], encoding="utf-8"), fmt)
        requests_log.propagate = False
    else:
        for old in [h for h in requests_log.handlers if _ours(h)]:
            requests_log.removeHandler(old)
        requests_log.propagate = True


#: Looked up once: ``getLogger`` takes the logging module's lock at each call.
_requests_log = logging.getLogger(REQUEST_LOGGER)


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    store = g._get_current_object()
    store.request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
    store.log_started = time.perf_counter()


def log_request(response: Response) -> Response:
    # The request and g once each: every read through their proxies is a context lookup.
    asked, store = request._get_current_object(), g._get_current_object()
    request_id = store.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    now = time.perf_counter()
    duration = round((now - store.get("log_started", now)) * 1000, 1)
    if not _requests_log.isEnabledFor(logging.INFO):
        return response
    rule = asked.url_rule
    fields = {
        "method": asked.method,
        "path": asked.path,
        "route": rule.rule if rule is not None else None,
        "status": response.status_code,
        "duration_ms": duration,
        "remote_addr": asked.remote_addr,
        "request_id": request_id,
    }
    _requests_log.info(
        "%s %s %s %.1fms", asked.method, asked.path, response.status_code, duration, extra=fields
    )
    return response


def register(app: Flask) -> None:
    configure(app)
    # Before every other hook, so a request another hook refuses still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request_funcs.setdefault(None, []).insert(0, log_request)
