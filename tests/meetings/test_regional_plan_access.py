"""The regional plan in the plans index of those who may read it, and the
check-in round of the region's organisation, which reaches the owners of
follow-ups whatever their municipality."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import Organisation, Plan
from tests.conftest import Factory
from tests.meetings.conftest import Region2
from tests.meetings.test_meeting_flow import BASE, _items, _prepare
from tests.scheduling.conftest import cli, mk, outbox_rows  # noqa: F401

REGIONAL_PLAN = "Plan régional — MRC de Test"


def _follow_up(coordinator, meeting_id: int, title: str, owner_id: int) -> None:
    item = _items(meeting_id)[0]
    response = coordinator.post(
        f"{BASE}/{meeting_id}/items/{item.id}/follow-ups",
        data={"title": title, "owner_id": str(owner_id), "due_date": "2026-12-03"},
    )
    assert response.status_code == 200


def _regional_plan() -> Plan:
    staff = db.session.query(Organisation).filter(Organisation.staff_of_region_id.is_not(None)).one()
    return db.session.query(Plan).filter_by(organisation_id=staff.id).one()


def test_the_plans_index_lists_the_regional_plan_to_its_readers(two: Region2, web, mk: Factory):  # noqa: F811
    coordinator = web(two.coordinator)
    _prepare(coordinator)
    plan = _regional_plan()
    # A coordinator who joins after the region's organisation exists.
    later = mk.user(two.b, "viewer", email="adjointe@mrc-test.ca", name="Adèle Adjointe", regional=two.region)
    for user in (two.coordinator, later, two.admin_a, two.admin_b):
        client = web(user)
        assert REGIONAL_PLAN in client.get("/plans").get_data(as_text=True), user.email
        assert client.get(f"/plans/{plan.id}").status_code == 200, user.email
    # A municipality's member reads it once they own one of its follow-ups.
    member = web(two.member_b)
    assert REGIONAL_PLAN not in member.get("/plans").get_data(as_text=True)
    assert member.get(f"/plans/{plan.id}").status_code == 404
    _follow_up(coordinator, _prepare(coordinator), "Appeler le CISSS", two.member_b.id)
    assert REGIONAL_PLAN in member.get("/plans").get_data(as_text=True)
    # Another region's people do not.
    elsewhere = mk.region("mrc-autre", "MRC Autre")
    stranger = mk.user(mk.org("ville-c", "Ville C", elsewhere), "admin", email="admin@ville-c.ca")
    assert REGIONAL_PLAN not in web(stranger).get("/plans").get_data(as_text=True)
    assert web(stranger).get(f"/plans/{plan.id}").status_code == 404


def test_the_regional_check_in_reaches_follow_up_owners(two: Region2, web, mk: Factory, cli):  # noqa: F811
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    later = mk.user(two.b, "viewer", email="adjointe@mrc-test.ca", name="Adèle Adjointe", regional=two.region)
    _follow_up(coordinator, meeting_id, "Appeler le CISSS", two.member_b.id)
    _follow_up(coordinator, meeting_id, "Relancer la SOPFEU", later.id)
    # The region's organisation was created this week: its first round is
    # next week's, opening on Tuesday 1 December at 08:00 (meeting Thursday).
    result = cli("checkins", "open", "--now", "2026-12-01T08:00:00-05:00")
    assert result.exit_code == 0, result.output
    staff = _regional_plan().organisation_id
    rows = [r for r in outbox_rows() if r.kind == "checkin" and r.organisation_id == staff]
    assert {r.recipient for r in rows} == {"membre@ville-b.ca", "adjointe@mrc-test.ca"}
    [member_row] = [r for r in rows if r.recipient == "membre@ville-b.ca"]
    assert "Appeler le CISSS" in member_row.body_text
    assert "Relancer la SOPFEU" not in member_row.body_text
