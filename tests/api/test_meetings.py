"""The region's meetings through the API: its coordinators and its
municipalities' admins read them; a drafted item's specifics stay with those
who may read that municipality."""

from __future__ import annotations

from tasking.extensions import db
from tasking.meetings.closing import close_meeting
from tasking.meetings.services import prepare_meeting
from tasking.models import MeetingItem
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import app_now


def _region(world):  # noqa: ANN001, ANN202
    region = factories.region(db.session, slug="mrc-demo", name="MRC de Démo")
    world.org.region_id = region.id
    neighbour = factories.organisation(db.session, name="Ville Voisine", region=region)
    neighbour_admin = factories.user(db.session, neighbour, role="admin")
    coordinator = factories.user(db.session, world.org, role="viewer", regional_region=region)
    meeting = prepare_meeting(db.session, region=region, actor=coordinator, now=app_now())
    item = MeetingItem(
        meeting_id=meeting.id,
        position=99,
        kind="other",
        title="Halte-chaleur",
        detail="Détails de la Ville de Démo",
        organisation_id=world.org.id,
        note="On ouvre lundi.",
        created_at=app_now(),
    )
    db.session.add(item)
    close_meeting(db.session, meeting=meeting, actor=coordinator, now=app_now())
    db.session.commit()
    return meeting, neighbour_admin, coordinator


def test_coordinators_and_admins_read_the_meetings(client, world):
    meeting, neighbour_admin, coordinator = _region(world)
    for person in (coordinator, world.admin, neighbour_admin):
        secret = world.token(person, scope="read")
        listed = client.get("/api/v1/regions/mrc-demo/meetings", headers=bearer(secret))
        assert listed.status_code == 200
        assert [m["id"] for m in listed.json] == [meeting.id]
        assert listed.json[0]["closed_at"] is not None
        detail = client.get(f"/api/v1/regions/mrc-demo/meetings/{meeting.id}", headers=bearer(secret)).json
        item = next(i for i in detail["items"] if i["title"] == "Halte-chaleur")
        assert item["note"] == "On ouvre lundi."
        expected = "" if person is neighbour_admin else "Détails de la Ville de Démo"
        assert item["detail"] == expected, person.name
        assert {a["name"] for a in detail["attendance"]} >= {"Ville de Démo", "Ville Voisine"}


def test_members_do_not_see_the_meetings(client, world):
    meeting, _admin, _coordinator = _region(world)
    secret = world.token(world.owner)
    assert client.get("/api/v1/regions/mrc-demo/meetings", headers=bearer(secret)).status_code == 404
    answer = client.get(f"/api/v1/regions/mrc-demo/meetings/{meeting.id}", headers=bearer(secret))
    assert answer.status_code == 404


def test_the_regions_week_in_figures(client, world):
    _meeting, neighbour_admin, _coordinator = _region(world)
    answer = client.get("/api/v1/regions/mrc-demo/summary", headers=bearer(world.token(neighbour_admin)))
    assert answer.status_code == 200
    rows = {row["name"]: row for row in answer.json["municipalities"]}
    assert set(rows) == {"Ville de Démo", "Ville Voisine"}
    demo = rows["Ville de Démo"]
    assert (demo["actions"], demo["overdue"], demo["blocked"], demo["progress"]) == (5, 1, 1, 20)
    assert answer.json["url"].endswith("/regions/mrc-demo/dashboard")
    assert client.get("/api/v1/regions/mrc-demo/summary", headers=bearer(world.secret)).status_code == 404
