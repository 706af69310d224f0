"""When a check-in round opens, sends its late reminder and closes.

The meeting slot is the region's weekly slot (``Region.digest_weekday`` and
``digest_time``, the regional digest that goes out before the *statutaire
hebdomadaire*); an organisation without a region uses the region defaults
(Thursday 08:00). Days are counted in the organisation's time zone with the
scheduling calendar: weekends and Québec holidays are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tasking.core.calendar import (
    ON_TIME,
    in_working_hours,
    is_working_day,
    iso_week,
    local,
    next_working_day,
    parse_hhmm,
)
from tasking.core.clock import zone
from tasking.models import Organisation

DEFAULT_MEETING_WEEKDAY = 3
DEFAULT_MEETING_TIME = time(8, 0)
DEFAULT_CLOSE_TIME = time(17, 0)


@dataclass(frozen=True)
class RoundTimes:
    """A round's instants as naive UTC, and its week (the meeting's ISO week)."""

    week: str
    opens_at: datetime
    remind_at: datetime
    closes_at: datetime


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def meeting_slot(organisation: Organisation) -> tuple[int, time]:
    # A region's own organisation (the regional plan) follows its region's slot.
    region = organisation.region or organisation.staff_of_region
    if region is None:
        return DEFAULT_MEETING_WEEKDAY, DEFAULT_MEETING_TIME
    return region.digest_weekday, parse_hhmm(region.digest_time, DEFAULT_MEETING_TIME)


def round_times(organisation: Organisation, monday: date) -> RoundTimes:
    """The round of the meeting in the week starting ``monday``: it opens
    N working days before the meeting at the meeting's time, closes at the
    closing time of the working day before the meeting (never before it
    opened: then at the meeting itself), reminds after the grace period."""
    weekday, at = meeting_slot(organisation)
    tzinfo = zone(organisation.timezone)
    nominal = monday + timedelta(days=weekday % 7)
    meeting_day = next_working_day(nominal)
    opens = datetime.combine(working_days_before(meeting_day, organisation.checkin_days_before), at, tzinfo)
    close_time = parse_hhmm(organisation.checkin_close_time, DEFAULT_CLOSE_TIME)
    closes = datetime.combine(working_days_before(meeting_day, 1), close_time, tzinfo)
    meeting = datetime.combine(meeting_day, at, tzinfo)
    if closes <= opens:
        closes = meeting
    reminds = opens + timedelta(hours=organisation.checkin_grace_hours)
    return RoundTimes(
        week=iso_week(nominal),
        opens_at=_utc(opens),
        remind_at=_utc(reminds),
        closes_at=_utc(closes),
    )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def due_round(organisation: Organisation, now: datetime) -> RoundTimes | None:
    """The round that should be open at ``now``, if any: from its opening
    (on time for an hour, then caught up during working hours only, so a
    restarted scheduler never e-mails at night) until it closes. A round that
    opened before the organisation existed was never missed."""
    if not organisation.checkin_enabled:
        return None
    today = local(now, organisation.timezone).date()
    monday = today - timedelta(days=today.weekday())
    # The meeting of this week or of the next (N working days may span a weekend).
    for weeks_ahead in (0, 1):
        times = round_times(organisation, monday + timedelta(weeks=weeks_ahead))
        if organisation.created_at and times.opens_at < organisation.created_at:
            continue
        if not times.opens_at <= now < times.closes_at:
            continue
        if now < times.opens_at + ON_TIME or in_working_hours(now, organisation.timezone):
            return times
    return None
