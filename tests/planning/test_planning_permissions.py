"""Only the organisation's admins plan: other readers get 403 with a sentence,
everyone else 404; nothing of another plan can be reached through this one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Activity, Plan, Theme
from tests.conftest import app_now

ROLES = ("admin", "owner", "collaborator", "member", "viewer", "regional", "stranger")


def routes(world) -> list[tuple[str, str, dict]]:
    p, th, o, t, tg = world.plan.id, world.theme.id, world.objective.id, world.task.id, world.target.id
    theme = {"title": "T", "category": "social", "colour": "#000000"}
    return [
        ("GET", f"/plans/{p}/edit", {}),
        ("GET", f"/plans/{p}/edit/themes/new", {}),
        ("POST", f"/plans/{p}/edit/themes/new", theme),
        ("POST", f"/plans/{p}/edit/themes/{th}", theme),
        ("POST", f"/plans/{p}/edit/themes/{th}/objectives/new", {"title": "O"}),
        ("POST", f"/plans/{p}/edit/objectives/{o}", {"title": "O"}),
        ("POST", f"/plans/{p}/edit/objectives/{o}/actions/new", {"title": "A"}),
        ("POST", f"/plans/{p}/edit/objectives/{o}/targets/new", {"text": "C"}),
        ("POST", f"/plans/{p}/edit/targets/{tg}", {"text": "C"}),
        ("POST", f"/plans/{p}/edit/actions/{t}/down", {}),
        ("POST", f"/plans/{p}/edit/actions/{t}/archive", {}),
        ("POST", f"/plans/{p}/edit/actions/{t}/restore", {}),
        ("POST", f"/plans/{p}/edit/objectives/{o}/up", {}),
        ("POST", f"/plans/{p}/edit/themes/{th}/down", {}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_planning_route_for_every_role(world, make_client, role):
    client = make_client()
    client.login(world.by_role()[role].email)
    for method, url, data in routes(world):
        response = client.open(url, method=method, data=data)
        if role == "admin":
            assert response.status_code in (200, 303), (method, url, response.status_code)
        elif role == "stranger":
            assert response.status_code == 404, (method, url)
        else:
            assert response.status_code == 403, (role, method, url)
            assert (
                "Seuls les administrateurs de l’organisation peuvent modifier le plan."
                in response.get_data(as_text=True)
            )
    if role != "admin":
        assert db.session.scalar(select(func.count(Activity.id))) == 0
        assert db.session.scalar(select(func.count(Theme.id))) == 1


def test_items_of_another_plan_are_404(world, client):
    other_plan = Plan(created_at=app_now(), organisation_id=world.plan.organisation_id, title="Autre plan")
    db.session.add(other_plan)
    db.session.flush()
    foreign = Theme(plan_id=other_plan.id, title="Ailleurs", position=1)
    db.session.add(foreign)
    db.session.commit()
    client.login(world.admin.email)
    assert client.get(f"/plans/{world.plan.id}/edit/themes/{foreign.id}").status_code == 404
    assert client.post(f"/plans/{world.plan.id}/edit/themes/{foreign.id}/archive").status_code == 404
    assert client.post(f"/plans/{world.plan.id}/edit/plans/{world.plan.id}/archive").status_code == 404
    assert client.post(f"/plans/{world.plan.id}/edit/themes/{world.theme.id}/explode").status_code == 404
