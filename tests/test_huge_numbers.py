"""Numbers too large for a database id, in an address, a query string or a
form: a page that does not exist or a sentence, never a server error."""

from __future__ import annotations

import pytest

from tests.tasks.world import build_world

BIG = "99999999999999999999"
HX = {"HX-Request": "true"}


@pytest.fixture
def world(make):
    return build_world(make)


def test_huge_numbers_never_reach_the_database(world, client):
    client.login(world.admin.email)
    plan, task = world.plan.id, world.task.id
    pages = [
        f"/tasks/{BIG}",
        f"/plans/{BIG}",
        f"/plans/{BIG}/board",
        f"/admin/orgs/{BIG}/members",
        f"/plans/{plan}/board?owner={BIG}&theme={BIG}",
        f"/plans/{plan}/board/column?status=todo&after=1:{BIG}",
        f"/plans/{plan}/board/column?status=todo&after=inf:1&lane={BIG}",
        f"/notifications?page={BIG}",
    ]
    for url in pages:
        assert client.get(url).status_code in (200, 404), url
    posts = [
        (f"/tasks/{task}/move", {"status": "done", "version": BIG, "after_id": BIG}),
        (f"/tasks/{task}/edit/owner", {"owner_id": BIG, "version": "1"}),
        (f"/tasks/{task}/edit/collaborators", {"collaborators": BIG, "version": "1"}),
        (f"/tasks/{task}/edit/title", {"title": "Nouveau titre", "version": BIG}),
        (
            f"/plans/{plan}/edit/objectives/{world.objective.id}/actions/new",
            {"title": "Nouvelle action", "owner_id": BIG},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data=data, headers=HX)
        # Refused with a sentence (the route exists: not a 404 by mistake).
        assert response.status_code in (400, 409, 422), (url, response.status_code)
