"""Operations settings read from the environment.

They are applied with ``setdefault`` after the app's own configuration, so a
test's ``create_app({...})`` overrides win over the environment.
"""

from __future__ import annotations

import os


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def from_environment() -> dict:
    env = os.environ.get
    return {
        # /healthz answers 503 when the scheduler has not renewed its lease for
        # this long (seconds); 0 leaves the scheduler out (jobs run from cron).
        "SCHEDULER_MAX_SILENCE": _int(env("SCHEDULER_MAX_SILENCE"), 300),
        # Bearer token for /metrics; without one /metrics does not exist (404).
        "METRICS_TOKEN": (env("METRICS_TOKEN") or "").strip() or None,
        # "json": one JSON object per log line; anything else: plain text.
        "LOG_FORMAT": (env("LOG_FORMAT") or "text").strip().lower(),
        # A file for the one-line-per-request log instead of stderr (scripts/run uses it).
        "REQUEST_LOG": (env("REQUEST_LOG") or "").strip() or None,
    }
