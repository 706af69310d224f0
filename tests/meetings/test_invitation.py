"""The meeting in the participants' calendars: the invitation sent when it is
prepared, the update when the region's slot moves, and the calendar feed.

The clock stands on Wednesday 25 November 2026, 10:00 in Montréal; the
region meets on Thursdays at 08:00 until its coordinator moves the slot."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from tasking.extensions import db
from tasking.models import Meeting, Organisation, OutboxMessage
from tests.meetings.conftest import Region2

BASE = "/regions/mrc-test/meetings"
SETTINGS = "/admin/regions/mrc-test/settings"
MONTREAL = ZoneInfo("America/Montreal")
INVITED = {"mrc@mrc-test.ca", "admin@ville-a.ca", "admin@ville-b.ca"}


def _prepare(client) -> int:
    response = client.post(BASE)
    assert response.status_code == 303
    return int(re.search(r"/meetings/(\d+)$", response.headers["Location"]).group(1))


def _invitation(message) -> icalendar.Calendar:
    """The text/calendar part of an e-mail, parsed."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    return icalendar.Calendar.from_ical(part.get_content())


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def test_prepared_meeting_invites_the_participants(two: Region2, web, smtp_server):
    meeting_id = _prepare(web(two.coordinator))
    # The region's coordinator and the municipalities' admins, not their members.
    assert {m["To"] for m in smtp_server.messages} == INVITED
    message = smtp_server.by_recipient("admin@ville-b.ca")[0]
    subject = "Invitation\u00a0: statutaire hebdomadaire de la MRC de Test, 26 nov. 2026"
    assert message["Subject"].startswith(subject)
    assert "a lieu le 26 nov. 2026, 08 h 00" in message.get_body(("plain",)).get_content()
    calendar = _invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["UID"]) == f"meeting-{meeting_id}@retablir.test"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Statutaire hebdomadaire de la MRC de Test"
    # In the region's time zone, with its VTIMEZONE.
    assert event["DTSTART"].params["TZID"] == "America/Montreal"
    assert event.decoded("DTSTART") == datetime(2026, 11, 26, 8, 0, tzinfo=MONTREAL)
    assert event.decoded("DTEND") == datetime(2026, 11, 26, 9, 30, tzinfo=MONTREAL)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Montreal"]
    assert str(event["ATTENDEE"]) == "mailto:admin@ville-b.ca"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert f"{BASE}/{meeting_id}" in str(event["URL"])
    # Preparing again sends nothing more.
    _prepare(web(two.coordinator))
    assert len(smtp_server.messages) == 3


def test_a_moved_slot_moves_the_meeting_and_updates_the_invitation(two: Region2, web, smtp_server):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    first_uid = str(_event(_invitation(smtp_server.by_recipient("admin@ville-a.ca")[0]))["UID"])
    smtp_server.messages.clear()
    # Friday at 09:30 from now on.
    response = coordinator.post(SETTINGS, data={"digest_weekday": "4", "digest_time": "09:30"})
    assert response.status_code == 303
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.week, meeting.sequence) == ("2026-W48", 1)
    assert meeting.starts_at == datetime(2026, 11, 27, 14, 30)  # 09:30 in Montréal, as UTC
    assert {m["To"] for m in smtp_server.messages} == INVITED
    message = smtp_server.by_recipient("admin@ville-a.ca")[0]
    moved = "Déplacée\u00a0: statutaire hebdomadaire de la MRC de Test, 27 nov. 2026"
    assert message["Subject"].startswith(moved)
    event = _event(_invitation(message))
    assert str(event["UID"]) == first_uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2026, 11, 27, 9, 30, tzinfo=MONTREAL)
    # The region's own organisation follows the slot (its check-in is timed on it).
    staff = db.session.query(Organisation).filter_by(staff_of_region_id=two.region.id).one()
    assert (staff.digest_weekday, staff.digest_time) == (4, "09:30")
    # Saving the same slot again moves nothing and sends nothing.
    coordinator.post(SETTINGS, data={"digest_weekday": "4", "digest_time": "09:30"})
    assert len(smtp_server.messages) == 3
    assert db.session.query(OutboxMessage).filter_by(kind="meeting_invitation").count() == 6


def test_a_slot_earlier_in_a_week_already_past_moves_to_next_week(two: Region2, web, smtp_server):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    # Monday of this week is past: the meeting goes to next Monday.
    coordinator.post(SETTINGS, data={"digest_weekday": "0", "digest_time": "08:00"})
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.week, meeting.sequence) == ("2026-W49", 1)
    assert meeting.starts_at == datetime(2026, 11, 30, 13, 0)
    # The meetings page shows the same meeting as the next one.
    page = coordinator.get(BASE).get_data(as_text=True)
    assert f"{BASE}/{meeting_id}" in page


def test_a_held_meeting_does_not_move(two: Region2, web, smtp_server, mail_app):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    coordinator.post(f"{BASE}/{meeting_id}/close")
    smtp_server.messages.clear()
    coordinator.post(SETTINGS, data={"digest_weekday": "4", "digest_time": "09:30"})
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.starts_at, meeting.sequence) == (datetime(2026, 11, 26, 13, 0), 0)
    assert smtp_server.messages == []


def _feed(web, mail_app, user) -> list[icalendar.Event]:
    """The events of ``user``'s calendar feed, fetched as a calendar app does (not signed in)."""
    web(user).post("/account/calendar", data={"action": "create"})
    db.session.refresh(user)
    response = mail_app.test_client().get(f"/calendar/{user.calendar_token}.ics")
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.data).walk("VEVENT")


def test_the_meeting_is_in_the_participants_calendar_feed(two: Region2, web, mail_app):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    coordinator.post(SETTINGS, data={"digest_weekday": "4", "digest_time": "09:30"})
    [event] = [e for e in _feed(web, mail_app, two.admin_b) if str(e["UID"]).startswith("meeting-")]
    assert str(event["UID"]) == f"meeting-{meeting_id}@retablir.test"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["SUMMARY"]) == "Statutaire hebdomadaire de la MRC de Test"
    assert event.decoded("DTSTART") == datetime(2026, 11, 27, 9, 30, tzinfo=MONTREAL)
    # A member of a municipality is no participant: not in their feed.
    events = _feed(web, mail_app, two.member_b)
    assert [str(e["SUMMARY"]) for e in events] == ["Banque alimentaire"]
