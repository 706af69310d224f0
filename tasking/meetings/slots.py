"""When a region meets: its weekly slot (``Region.digest_weekday`` and
``digest_time``, the slot the regional digest and the check-in rounds are
timed on), moved to the next working day when it falls on a holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tasking.core.calendar import iso_week, next_working_day, parse_hhmm
from tasking.core.clock import local_today, zone
from tasking.models import Region

DEFAULT_TIME = time(8, 0)


def slot_of_week(region: Region, monday: date) -> tuple[str, datetime]:
    """(ISO week, start as naive UTC) of the region's meeting in the week of ``monday``."""
    nominal = monday + timedelta(days=region.digest_weekday % 7)
    day = next_working_day(nominal)
    start = datetime.combine(day, parse_hhmm(region.digest_time, DEFAULT_TIME), zone(region.timezone))
    return iso_week(nominal), start.astimezone(UTC).replace(tzinfo=None)


def next_slot(region: Region, now: datetime) -> tuple[str, datetime]:
    """The region's next meeting: this week's until the end of its day, else next week's."""
    today = local_today(now, region.timezone)
    monday = today - timedelta(days=today.weekday())
    for weeks in (0, 1):
        week, start = slot_of_week(region, monday + timedelta(weeks=weeks))
        if local_today(start, region.timezone) >= today:
            return week, start
    return slot_of_week(region, monday + timedelta(weeks=2))


def monday_of(week: str) -> date:
    """ "2026-W48" → the Monday of that ISO week."""
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
