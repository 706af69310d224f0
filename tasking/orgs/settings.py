"""The notification settings of an organisation and of a region.

The scheduler reads these columns as they are stored: ``reminder_days`` as
"7,1", ``digest_time`` as "HH:MM", ``digest_weekday`` with Monday = 0. Every
value is checked before any is written, so a refused form changes nothing.

Functions flush but never commit: the caller commits once.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.permissions import can_configure_region, is_org_admin
from tasking.models import Organisation, Region, User

# The zones of Canada an organisation may choose; the labels are for the select.
TIMEZONES = {
    "America/St_Johns": _l("Newfoundland (St. John's)"),
    "America/Halifax": _l("Atlantic (Halifax)"),
    "America/Moncton": _l("Atlantic (Moncton)"),
    "America/Blanc-Sablon": _l("Atlantic, no daylight saving time (Blanc-Sablon)"),
    "America/Montreal": _l("Eastern (Montréal)"),
    "America/Toronto": _l("Eastern (Toronto)"),
    "America/Iqaluit": _l("Eastern (Iqaluit)"),
    "America/Winnipeg": _l("Central (Winnipeg)"),
    "America/Regina": _l("Central, no daylight saving time (Regina)"),
    "America/Edmonton": _l("Mountain (Edmonton)"),
    "America/Vancouver": _l("Pacific (Vancouver)"),
    "America/Whitehorse": _l("Yukon (Whitehorse)"),
}
MAX_REMINDERS = 5
MAX_REMINDER_DAYS = 60
MAX_ESCALATION_DAYS = 90
# A digest never lands at night: its time is kept within these bounds.
EARLIEST_DIGEST = time(6, 0)
LATEST_DIGEST = time(20, 0)
HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


def _timezone(value: Any) -> str:
    zone = _text(value)
    if zone not in TIMEZONES:
        raise ServiceError(_("Time zone: choose one of the zones of the list."), "timezone")
    return zone


def _reminder_days(value: Any) -> str:
    parts = [part.strip() for part in _text(value).replace(";", ",").split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 1 <= int(part) <= MAX_REMINDER_DAYS for part in parts):
        raise ServiceError(
            _(
                "Reminders before the due date: give whole numbers of days from 1 to %(max)d, "
                "separated by commas (e.g. 7, 1).",
                max=MAX_REMINDER_DAYS,
            ),
            "reminder_days",
        )
    days = sorted({int(part) for part in parts}, reverse=True)
    if len(days) > MAX_REMINDERS:
        raise ServiceError(
            _("Reminders before the due date: %(max)d values at most.", max=MAX_REMINDERS),
            "reminder_days",
        )
    return ",".join(str(day) for day in days)


def _escalation_days(value: Any) -> int:
    text = _text(value)
    if not text.isdigit() or int(text) > MAX_ESCALATION_DAYS:
        raise ServiceError(
            _(
                "Escalation: give a whole number of days overdue from 0 (never) to %(max)d.",
                max=MAX_ESCALATION_DAYS,
            ),
            "escalation_days",
        )
    return int(text)


def _weekday(value: Any) -> int:
    text = _text(value)
    # Nothing goes out on a weekend: a Saturday slot would always wait for Monday.
    if not text.isdigit() or int(text) > 4:
        raise ServiceError(_("Digest day: choose a working day, Monday to Friday."), "digest_weekday")
    return int(text)


def _digest_time(value: Any) -> str:
    match = HHMM_RE.match(_text(value))
    hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if hours > 23 or minutes > 59 or not EARLIEST_DIGEST <= time(hours, minutes) <= LATEST_DIGEST:
        raise ServiceError(
            _(
                "Digest time: give a time written HH:MM between %(earliest)s and %(latest)s.",
                earliest=EARLIEST_DIGEST.strftime("%H:%M"),
                latest=LATEST_DIGEST.strftime("%H:%M"),
            ),
            "digest_time",
        )
    return f"{hours:02d}:{minutes:02d}"


MAX_CHECKIN_DAYS = 5
MAX_GRACE_HOURS = 120
EARLIEST_CLOSE = time(9, 0)


def _checkin_enabled(value: Any) -> bool:
    text = _text(value)
    if text not in ("0", "1"):
        raise ServiceError(_("Weekly check-in: choose on or off."), "checkin_enabled")
    return text == "1"


def _admins_need_2fa(value: Any, organisation: Organisation) -> bool:
    """Required or optional; left out of a submission, it stays as it is."""
    text = _text(value)
    if not text:
        return organisation.admins_need_2fa
    if text not in ("0", "1"):
        raise ServiceError(_("Two-factor sign-in: choose optional or required."), "admins_need_2fa")
    return text == "1"


def _whole_number(value: Any, field: str, low: int, high: int, message: str) -> int:
    text = _text(value)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ServiceError(message, field)
    return int(text)


def _close_time(value: Any) -> str:
    match = HHMM_RE.match(_text(value))
    hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if hours > 23 or minutes > 59 or not EARLIEST_CLOSE <= time(hours, minutes) <= LATEST_DIGEST:
        raise ServiceError(
            _(
                "Check-in closing time: give a time written HH:MM between %(earliest)s and %(latest)s.",
                earliest=EARLIEST_CLOSE.strftime("%H:%M"),
                latest=LATEST_DIGEST.strftime("%H:%M"),
            ),
            "checkin_close_time",
        )
    return f"{hours:02d}:{minutes:02d}"


def _checkin_values(values: dict[str, Any]) -> dict[str, Any]:
    """The weekly check-in's settings, checked."""
    return {
        "checkin_enabled": _checkin_enabled(values.get("checkin_enabled")),
        "checkin_days_before": _whole_number(
            values.get("checkin_days_before"),
            "checkin_days_before",
            1,
            MAX_CHECKIN_DAYS,
            _(
                "Check-in opening: give a whole number of working days from 1 to %(max)d.",
                max=MAX_CHECKIN_DAYS,
            ),
        ),
        "checkin_close_time": _close_time(values.get("checkin_close_time")),
        "checkin_grace_hours": _whole_number(
            values.get("checkin_grace_hours"),
            "checkin_grace_hours",
            1,
            MAX_GRACE_HOURS,
            _("Late reminder: give a whole number of hours from 1 to %(max)d.", max=MAX_GRACE_HOURS),
        ),
    }


def org_settings_values(organisation: Organisation) -> dict[str, Any]:
    """The stored settings as the form shows them ("7,1" reads "7, 1")."""
    return {
        "timezone": organisation.timezone,
        "reminder_days": (organisation.reminder_days or "").replace(",", ", "),
        "escalation_days": str(organisation.escalation_days),
        "digest_weekday": str(organisation.digest_weekday),
        "digest_time": organisation.digest_time,
        "checkin_enabled": "1" if organisation.checkin_enabled else "0",
        "checkin_days_before": str(organisation.checkin_days_before),
        "checkin_close_time": organisation.checkin_close_time,
        "checkin_grace_hours": str(organisation.checkin_grace_hours),
        "admins_need_2fa": "1" if organisation.admins_need_2fa else "0",
    }


def region_settings_values(region: Region) -> dict[str, Any]:
    return {"digest_weekday": str(region.digest_weekday), "digest_time": region.digest_time}


def update_org_settings(
    session: Session, *, actor: User, organisation: Organisation, values: dict[str, Any]
) -> None:
    """Time zone, reminder days, escalation, the weekly digest slot and the
    weekly check-in; admins only."""
    if not is_org_admin(session, actor, organisation.id):
        raise ServiceError(_("Only the administrators of the organisation can change its settings."))
    clean = {
        "timezone": _timezone(values.get("timezone")),
        "reminder_days": _reminder_days(values.get("reminder_days")),
        "escalation_days": _escalation_days(values.get("escalation_days")),
        "digest_weekday": _weekday(values.get("digest_weekday")),
        "digest_time": _digest_time(values.get("digest_time")),
        **_checkin_values(values),
        "admins_need_2fa": _admins_need_2fa(values.get("admins_need_2fa"), organisation),
    }
    for field, value in clean.items():
        setattr(organisation, field, value)
    session.flush()


def update_region_settings(session: Session, *, actor: User, region: Region, values: dict[str, Any]) -> None:
    """The regional digest and meeting slot; the region's coordinators only."""
    if not can_configure_region(actor, region.id):
        raise ServiceError(_("Only the regional coordination can change the region's settings."))
    clean = {
        "digest_weekday": _weekday(values.get("digest_weekday")),
        "digest_time": _digest_time(values.get("digest_time")),
    }
    for field, value in clean.items():
        setattr(region, field, value)
    # The region's own organisation keeps the region's slot: the check-in
    # round of the regional plan's follow-ups is timed on it.
    staff = session.scalar(select(Organisation).where(Organisation.staff_of_region_id == region.id))
    if staff is not None:
        for field, value in clean.items():
            setattr(staff, field, value)
    session.flush()
