"""Working days and weekly slots in an organisation's time zone.

Nothing lands on a weekend or a Québec statutory holiday, nor outside
working hours: what falls there waits for the next working morning.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta

import holidays

from tasking.core.clock import zone

WORK_START = time(8, 0)
WORK_END = time(18, 0)
#: How long after its instant a weekly slot counts as on time (outside working hours).
ON_TIME = timedelta(hours=1)


@functools.cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.CA(subdiv="QC", years=year)


def is_holiday(day: date) -> bool:
    """A Québec statutory holiday (Fête nationale, Journée nationale des patriotes…)."""
    return day in _holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def local(now: datetime, tz: str | None) -> datetime:
    """``now`` (naive UTC) as an aware datetime in ``tz``."""
    return now.replace(tzinfo=UTC).astimezone(zone(tz))


def in_working_hours(now: datetime, tz: str | None) -> bool:
    """Whether a reminder may land now: a working day, 08:00 to 18:00 local."""
    moment = local(now, tz)
    return is_working_day(moment.date()) and WORK_START <= moment.time() < WORK_END


def parse_hhmm(text: str | None, default: time) -> time:
    try:
        hours, minutes = (int(part) for part in (text or "").split(":"))
        return time(hours, minutes)
    except ValueError:
        return default


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def due_weekly_slot(
    now: datetime, tz: str | None, weekday: int, at: time, *, since: datetime | None = None
) -> tuple[str, datetime] | None:
    """The weekly slot due at ``now``: (ISO week of the slot, its instant as naive UTC).

    The slot of a week is ``weekday`` at ``at`` local time; on a holiday or a
    weekend it moves to the next working day, same time. A slot is due from
    its instant for an hour (the scheduler checks every 15 minutes); after
    that, a run missed while the scheduler was down is caught up during
    working hours until the end of that ISO week — never at night, never a
    week late. A slot before ``since`` (naive UTC: when the organisation or
    region was created) was never missed, so it is not caught up.
    """
    tzinfo = zone(tz)
    moment = local(now, tz)
    monday = moment.date() - timedelta(days=moment.weekday())
    for weeks_back in (0, 1):
        nominal = monday - timedelta(weeks=weeks_back) + timedelta(days=weekday % 7)
        day = next_working_day(nominal)
        slot = datetime.combine(day, at, tzinfo=tzinfo)
        same_week = slot.date().isocalendar()[:2] == moment.date().isocalendar()[:2]
        on_time = moment < slot + ON_TIME
        instant = slot.astimezone(UTC).replace(tzinfo=None)
        if since is not None and instant < since:
            continue
        if slot <= moment and same_week and (on_time or in_working_hours(now, tz)):
            return iso_week(nominal), instant
    return None
