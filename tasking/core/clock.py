"""Time helpers. The database stores naive UTC; people see their own time zone.

Services never read the clock: callers pass ``now`` (naive UTC) so that the
CLI's ``--now`` and the tests can choose the instant. Routes, commands and
jobs ask the app's clock (``now()``), which reads ``config["CLOCK"]``: the
system clock in production, a clock the test sets in the tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app


def utcnow() -> datetime:
    """The current instant as naive UTC, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """The current instant (naive UTC) by the app's clock: what routes, CLI
    commands and scheduler jobs pass to services as ``now``."""
    return current_app.config["CLOCK"]()


class SetClock:
    """A clock that reads the instant it was set to, until set again or
    advanced: tests use it so that nothing depends on the machine's date."""

    def __init__(self, instant: datetime):
        self.instant = instant

    def __call__(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant

    def advance(self, **delta: float) -> datetime:
        self.instant += timedelta(**delta)
        return self.instant


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant for ``--now``; naive input is taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo, falling back to America/Montreal for an unknown name."""
    try:
        return ZoneInfo(name or "America/Montreal")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/Montreal")


def to_local(value: datetime, tz: str | None) -> datetime:
    """A stored naive-UTC datetime in the given zone."""
    return value.replace(tzinfo=UTC).astimezone(zone(tz))


def local_today(now: datetime, tz: str | None) -> date:
    """The calendar day it is at ``now`` (naive UTC) in the zone ``tz``."""
    return to_local(now, tz).date()


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
