"""Each role on each task route: readers read, the right roles change, the
page hides what a user may not use, and anyone else gets 404."""

from __future__ import annotations

import pytest

from tasking.extensions import db
from tasking.models import Task

HX = {"HX-Request": "true"}
ROLES = ("admin", "owner", "collaborator", "member", "viewer", "regional", "stranger")


def expect(allowed: set[str], role: str, ok: int) -> int:
    if role == "stranger":
        return 404
    return ok if role in allowed else 403


def requests(world) -> list[tuple[str, str, dict, set[str], int]]:
    t, target = world.task.id, world.target.id
    editors = {"admin", "owner"}
    contributors = {"admin", "owner", "collaborator"}
    readers = {"admin", "owner", "collaborator", "member", "viewer", "regional"}
    return [
        ("GET", f"/tasks/{t}", {}, readers, 200),
        ("GET", f"/tasks/{t}/show/title", {}, readers, 303),
        ("GET", f"/tasks/{t}/edit/title", {}, editors, 200),
        ("POST", f"/tasks/{t}/edit/title", {"title": "Nouveau titre", "version": "1"}, editors, 303),
        ("GET", f"/tasks/{t}/edit/collaborators", {}, editors, 200),
        ("POST", f"/tasks/{t}/edit/partners", {"partners": "CIUSSS", "version": "1"}, editors, 303),
        ("POST", f"/tasks/{t}/edit/dates", {"due_date": "2027-01-01", "version": "1"}, editors, 303),
        ("POST", f"/tasks/{t}/edit/status", {"status": "done", "version": "1"}, contributors, 303),
        ("POST", f"/tasks/{t}/comments", {"body": "Bonjour"}, contributors, 303),
        # A member who owns another action of the same objective may measure its targets.
        (
            "POST",
            f"/tasks/{t}/targets/{target}/measurements",
            {"value": "3", "measured_on": "2026-11-20"},
            contributors | {"member"},
            303,
        ),
    ]


def current_version(task_id: int) -> str:
    db.session.expire_all()
    return str(db.session.get(Task, task_id).version)


@pytest.mark.parametrize("role", ROLES)
def test_every_task_route_for_every_role(world, make_client, role):
    client = make_client()
    client.login(world.by_role()[role].email)
    for method, url, data, allowed, ok in requests(world):
        if "version" in data:
            data = {**data, "version": current_version(world.task.id)}
        response = client.open(url, method=method, data=data)
        assert response.status_code == expect(allowed, role, ok), (role, method, url)
        if response.status_code == 403:
            assert "<html" in response.get_data(as_text=True)
            assert "pas" in response.get_data(as_text=True)  # a sentence, in French


def test_signed_out_people_are_sent_to_sign_in(world, client):
    for method, url, data, _allowed, _ok in requests(world):
        response = client.open(url, method=method, data=data, with_csrf=False)
        assert response.status_code in (302, 400, 401), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_archived_task_is_404(world, client):
    db.session.get(Task, world.task.id).archived_at = db.func.now()
    db.session.commit()
    client.login(world.admin.email)
    assert client.get(f"/tasks/{world.task.id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (
            "admin",
            [
                "/edit/title",
                "/edit/owner",
                "Ajouter un commentaire",
                "Ajouter une mesure",
                "Modifier le plan",
            ],
            [],
        ),
        (
            "owner",
            ["/edit/title", "/edit/owner", "Ajouter un commentaire", "Ajouter une mesure"],
            ["Modifier le plan"],
        ),
        (
            "collaborator",
            ["/edit/status", "Ajouter un commentaire", "Ajouter une mesure"],
            ["/edit/title", "/edit/owner"],
        ),
        ("viewer", [], ["/edit/", "Ajouter un commentaire", "Ajouter une mesure", "Changer le statut"]),
        ("regional", [], ["/edit/", "Ajouter un commentaire", "Ajouter une mesure"]),
    ],
)
def test_the_page_hides_controls_a_user_may_not_use(world, make_client, role, visible, hidden):
    client = make_client()
    client.login(world.by_role()[role].email)
    html = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    for text in visible:
        assert text in html, (role, text)
    for text in hidden:
        assert text not in html, (role, text)
