"""Time helpers. The database stores naive UTC; people see their own time zone.

Services never read the clock: callers pass ``now`` (naive UTC) so that the
CLI's ``--now`` and the tests can choose the instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    """The current instant as naive UTC, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


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
