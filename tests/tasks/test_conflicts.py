"""No lost edits: a save based on an old version answers 409 with the other
person's change, overwrites nothing, and lets the user apply theirs again."""

from __future__ import annotations

import re

from sqlalchemy import update

from tasking.extensions import db
from tasking.models import Task
from tasking.tasks import editing

HX = {"HX-Request": "true"}


def reload(task: Task) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task.id)


def test_second_editor_gets_the_conflict_and_applies_theirs_again(world, client, make_client):
    task_id = world.task.id
    client.login(world.owner.email)
    other = make_client()
    other.login(world.admin.email)
    # Both opened the title form on version 1.
    assert 'value="1"' in client.get(f"/tasks/{task_id}/edit/title", headers=HX).get_data(as_text=True)
    assert 'value="1"' in other.get(f"/tasks/{task_id}/edit/title", headers=HX).get_data(as_text=True)

    first = other.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Version de Marie", "version": "1"}, headers=HX
    )
    assert first.status_code == 200
    second = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Version de Luc", "version": "1"}, headers=HX
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert html.lstrip().startswith(
        f'<div id="task-{task_id}-title" class="task-field conflict" role="alert"'
    )
    assert "Quelqu’un d’autre a modifié cette tâche" in html
    assert "Votre modification n’a pas été enregistrée." in html
    assert "Marie Tremblay" in html  # who
    assert re.search(r"\d+ nov\. 2026, \d\d h \d\d", html)  # when
    assert re.search(r'class="theirs">Version de Marie<', html)
    assert re.search(r'class="yours">Version de Luc<', html)
    assert "Appliquer ma version à nouveau" in html and "Garder la leur" in html
    # "Keep theirs" reloads the whole task as saved now.
    assert (
        f'hx-get="/tasks/{task_id}" hx-target="#task-panel-{task_id}" hx-swap="outerHTML">Garder la leur'
        in html
    )
    assert reload(world.task).title == "Version de Marie"  # nothing overwritten

    # "Apply mine again" re-posts my value with the current version.
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert version == "2"
    assert '<textarea name="title" hidden>Version de Luc</textarea>' in html
    again = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Version de Luc", "version": version}, headers=HX
    )
    assert again.status_code == 200
    assert reload(world.task).title == "Version de Luc"


def test_keep_theirs_shows_the_saved_value(world, client):
    client.login(world.owner.email)
    response = client.get(f"/tasks/{world.task.id}/show/title", headers=HX)
    assert response.status_code == 200
    assert "Appeler les aînés isolés" in response.get_data(as_text=True)
    assert client.get(f"/tasks/{world.task.id}/show/title").status_code == 303


def test_conflict_on_collaborators_shows_names(world, client, make_client):
    task_id = world.task.id
    client.login(world.owner.email)
    other = make_client()
    other.login(world.admin.email)
    other.post(
        f"/tasks/{task_id}/edit/collaborators", data={"collaborators": [str(world.member.id)], "version": "1"}
    )
    response = client.post(
        f"/tasks/{task_id}/edit/collaborators",
        data={"collaborators": [str(world.admin.id)], "version": "1"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r'class="theirs">Anne Autre<', html)
    assert re.search(r'class="yours">Marie Tremblay<', html)
    assert f'<input type="hidden" name="collaborators" value="{world.admin.id}">' in html
    assert [u.id for u in reload(world.task).collaborators] == [world.member.id]


def test_conflict_without_javascript_is_a_full_page(world, client, make_client):
    task_id = world.task.id
    client.login(world.owner.email)
    other = make_client()
    other.login(world.collaborator.email)
    other.post(f"/tasks/{task_id}/edit/status", data={"status": "done", "version": "1"})
    response = client.post(
        f"/tasks/{task_id}/edit/status", data={"status": "blocked", "blocked_reason": "x", "version": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<html" in html and "Sophie Roy" in html
    assert re.search(r'class="theirs">Terminé<', html) and re.search(r'class="yours">Bloqué<', html)
    assert reload(world.task).status == "done"


def test_a_true_race_at_write_time_is_a_conflict_too(world, client, monkeypatch):
    """Both read version 1; the other write lands between our check and our UPDATE."""
    task_id = world.task.id
    real_check = editing.check_version

    def racing_check(task, version):
        real_check(task, version)
        table = Task.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == task_id)
            .values(version=table.c.version + 1, title="Écrit entre-temps")
        )

    monkeypatch.setattr(editing, "check_version", racing_check)
    client.login(world.owner.email)
    response = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Le mien", "version": "1"}, headers=HX
    )
    assert response.status_code == 409
    assert "Quelqu’un d’autre a modifié cette tâche" in response.get_data(as_text=True)
    assert reload(world.task).title == "Appeler les aînés isolés"  # the whole transaction rolled back


def test_the_conflict_lists_every_change_since_the_form_not_my_own_older_ones(world, client, make_client):
    """Luc changed the horizon earlier, then opened the horizon form again;
    Marie changed the status; Luc's save shows Marie's status change (not his
    own older change) and the rest of the page follows her change."""
    task_id = world.task.id
    client.login(world.owner.email)
    other = make_client()
    other.login(world.admin.email)
    earlier = client.post(
        f"/tasks/{task_id}/edit/horizon", data={"horizon": "long", "level": "", "version": "1"}, headers=HX
    )
    assert earlier.status_code == 200
    client.post(
        f"/tasks/{task_id}/edit/horizon", data={"horizon": "short_medium", "level": "", "version": "2"}
    )
    form = client.get(f"/tasks/{task_id}/edit/horizon", headers=HX).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    assert version == "3"
    assert other.post(
        f"/tasks/{task_id}/edit/status", data={"status": "in_progress", "version": version}
    ).status_code in (200, 303)

    response = client.post(
        f"/tasks/{task_id}/edit/horizon",
        data={"horizon": "long", "level": "", "version": version},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    conflict = html.split('class="conflict-who"')[1].split("</ul>")[0]
    assert "Marie Tremblay" in conflict
    assert "Statut" in conflict and "À faire → En cours" in conflict
    assert "Luc Gagnon" not in conflict and "Temporalité" not in conflict
    # The status part is sent again out of band, as Marie left it.
    status_part = re.search(rf'<form id="task-{task_id}-status"[^>]*hx-swap-oob="true"', html)
    assert status_part is not None
    assert 'class="pill status status-in_progress">En cours<' in html
    assert reload(world.task).horizon == "short_medium"

    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    again = client.post(
        f"/tasks/{task_id}/edit/horizon",
        data={"horizon": "long", "level": "", "version": version},
        headers=HX,
    )
    assert again.status_code == 200
    task = reload(world.task)
    assert (task.horizon, task.status) == ("long", "in_progress")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'class="pill status status-in_progress">En cours<' in page


def test_comments_are_not_listed_as_changes(world, client, make_client):
    task_id = world.task.id
    client.login(world.owner.email)
    other = make_client()
    other.login(world.admin.email)
    other.post(f"/tasks/{task_id}/comments", data={"body": "Je m’en occupe"})
    other.post(f"/tasks/{task_id}/edit/title", data={"title": "Nouveau titre", "version": "1"})
    html = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Le mien", "version": "1"}, headers=HX
    ).get_data(as_text=True)
    conflict = html.split('class="conflict-who"')[1].split("</ul>")[0]
    assert "Nouveau titre" in conflict and "a commenté" not in conflict
