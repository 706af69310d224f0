"""The personal calendar feed: a secret, revocable link to an iCalendar file."""

from __future__ import annotations

import re
from datetime import date, datetime

import icalendar

from tasking.extensions import db
from tasking.tasks import editing

from .conftest import first_tasks


def feed_url(page: str) -> str:
    match = re.search(r'value="http://retablir\.test(/calendar/[A-Za-z0-9_-]+\.ics)"', page)
    assert match, page
    return match.group(1)


def test_a_member_subscribes_to_their_due_dates(client, make_client, town, progress):
    first, second, third = progress
    fourth = first_tasks(town.plan, 4)[3]
    editing.update_task(
        db.session,
        actor=town.admin,
        task=fourth,
        changes={"owner_id": town.other_member.id, "due_date": date(2027, 2, 1)},
        version=None,
        now=datetime(2026, 11, 20),
    )
    editing.set_collaborators(
        db.session,
        actor=town.admin,
        task=fourth,
        user_ids=[town.member.id],
        version=None,
        now=datetime(2026, 11, 20),
    )
    db.session.commit()

    client.login(town.member.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Créer mon lien de calendrier" in page
    response = client.post("/account/calendar", data={"action": "create"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.startswith('<section id="calendar-feed"')
    assert "Votre lien de calendrier est prêt." in fragment
    url = feed_url(fragment)
    assert url == feed_url(client.get("/account").get_data(as_text=True))

    # Calendar apps do not sign in: the token is the key.
    anonymous = make_client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Rétablir – Rémi Responsable"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Montreal"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Montreal"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # Owned (first, third), collaborating (fourth); the done one (second) is left out.
    assert set(events) == {f"task-{t.id}@retablir.test" for t in (first, third, fourth)}
    event = events[f"task-{first.id}@retablir.test"]
    assert str(event["SUMMARY"]) == first.title
    assert event["DTSTART"].dt == date(2026, 12, 15)  # all day
    assert event["DTEND"].dt == date(2026, 12, 16)
    assert event["URL"] == f"http://retablir.test/tasks/{first.id}"
    description = str(event["DESCRIPTION"])
    assert "Plan : Plan de rétablissement" in description
    assert "Enjeu : Enjeux sociaux" in description
    assert "Statut : En cours" in description
    assert "Rôle : Responsable" in description
    assert event["LAST-MODIFIED"].dt.replace(tzinfo=None) == datetime(2026, 11, 20, 15, 0)
    assert "Rôle : Collaborateur" in str(events[f"task-{fourth.id}@retablir.test"]["DESCRIPTION"])
    assert "DTSTAMP" in event

    # The UID of a task is stable from one fetch to the next.
    again = icalendar.Calendar.from_ical(anonymous.get(url).data)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)


def test_regenerate_and_revoke(client, make_client, town):
    client.login(town.member.email)
    response = client.post("/account/calendar", data={"action": "create"})
    assert response.status_code == 303
    old = feed_url(client.get("/account").get_data(as_text=True))
    anonymous = make_client()
    assert anonymous.get(old).status_code == 200
    client.post("/account/calendar", data={"action": "create"})
    new = feed_url(client.get("/account").get_data(as_text=True))
    assert new != old
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    response = client.post("/account/calendar", data={"action": "revoke"}, headers={"HX-Request": "true"})
    assert "Votre lien de calendrier a été révoqué." in response.get_data(as_text=True)
    assert anonymous.get(new).status_code == 404
    assert "/calendar/" not in client.get("/account").get_data(as_text=True)
    assert anonymous.get("/calendar/pas-un-jeton.ics").status_code == 404
    assert client.post("/account/calendar", data={"action": "autre"}).status_code == 400


def test_a_deactivated_person_has_no_feed(client, make_client, town):
    client.login(town.member.email)
    client.post("/account/calendar", data={"action": "create"})
    url = feed_url(client.get("/account").get_data(as_text=True))
    town.member.active = False
    db.session.commit()
    assert make_client().get(url).status_code == 404


def test_feed_changes_need_the_csrf_token(client, town):
    client.login(town.member.email)
    response = client.post("/account/calendar", data={"action": "create"}, with_csrf=False)
    assert response.status_code == 400
    db.session.refresh(town.member)
    assert town.member.calendar_token is None


def test_the_feed_reads_in_a_fixed_number_of_queries(client, make_client, town, progress, count_queries):
    client.login(town.member.email)
    client.post("/account/calendar", data={"action": "create"})
    url = feed_url(client.get("/account").get_data(as_text=True))
    anonymous = make_client()
    anonymous.get(url)
    with count_queries() as counter:
        assert anonymous.get(url).status_code == 200
    assert counter.count <= 6
