"""Who may open what: a municipality's admins read their region's meetings
and minutes (aggregates of the others, plus what was said), never another
municipality's actions; only the regional coordinators run a meeting."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import Meeting, Plan
from tests.meetings.conftest import Region2
from tests.meetings.test_meeting_flow import BASE, _items, _prepare


def test_admin_of_another_municipality_sees_aggregates_and_what_was_said(two: Region2, web):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    help_item = _items(meeting_id)[0]
    coordinator.post(
        f"{BASE}/{meeting_id}/items/{help_item.id}/note", data={"note": "Le CISSS répond lundi."}
    )
    admin_b = web(two.admin_b)
    assert admin_b.get(BASE).status_code == 200
    page = admin_b.get(f"{BASE}/{meeting_id}").get_data(as_text=True)
    assert "Ville A\u00a0: 1 action demande l’aide de la région" in page
    assert "Le CISSS répond lundi." in page
    assert "Entente secrète" not in page
    assert admin_b.get(f"/tasks/{two.blocked.id}").status_code == 404
    assert coordinator.get(f"/tasks/{two.blocked.id}").status_code == 200
    # Ville A's own admin sees the detail of Ville A.
    assert "Entente secrète avec le CISSS" in web(two.admin_a).get(f"{BASE}/{meeting_id}").get_data(
        as_text=True
    )


def test_only_coordinators_run_the_meeting(two: Region2, web):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    admin_b = web(two.admin_b)
    assert admin_b.post(BASE).status_code == 404
    assert admin_b.post(f"{BASE}/{meeting_id}/items", data={"title": "Intrus"}).status_code == 404
    assert admin_b.post(f"{BASE}/{meeting_id}/close").status_code == 404
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id).closed_at is None
    page = admin_b.get(f"{BASE}/{meeting_id}").get_data(as_text=True)
    assert "Clore la rencontre" not in page and "Inscrire la décision" not in page


def test_members_and_other_regions_get_404(two: Region2, web, mk):
    _prepare(web(two.coordinator))
    assert web(two.member_b).get(BASE).status_code == 404
    other = mk.region("mrc-autre", "MRC Autre")
    outsider = mk.user(mk.org("ville-z", "Ville Z", other), "admin", email="admin@ville-z.ca")
    client = web(outsider)
    assert client.get(BASE).status_code == 404
    meeting = db.session.query(Meeting).one()
    assert client.get(f"{BASE}/{meeting.id}").status_code == 404
    assert client.get(f"/regions/mrc-autre/meetings/{meeting.id}").status_code == 404


def test_regional_plan_read_by_municipal_admins_edited_by_coordinators(two: Region2, web):
    coordinator = web(two.coordinator)
    _prepare(coordinator)
    plan = db.session.query(Plan).filter(Plan.organisation.has(staff_of_region_id=two.region.id)).one()
    assert [t.title for t in plan.themes][-1] == "Coordination régionale"
    assert web(two.admin_b).get(f"/plans/{plan.id}").status_code == 200
    assert web(two.admin_b).get(f"/plans/{plan.id}/edit").status_code == 403
    assert web(two.member_b).get(f"/plans/{plan.id}").status_code == 404
    assert coordinator.get(f"/plans/{plan.id}/edit").status_code == 200
