"""« Demander l'aide de la région »: the owner (or an admin) flags an action
for the regional meeting with a reason; it shows on the task page and in its
history; a collaborator or a viewer cannot set it."""

from __future__ import annotations

import pytest

from tasking.extensions import db
from tasking.models import Activity, Task

HX = {"HX-Request": "true"}


def reload(task: Task) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task.id)


def test_the_owner_asks_the_region_for_help_with_a_reason(world, client):
    client.login(world.owner.email)
    task_id = world.task.id
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Demande la région" in page and "Non demandée." in page
    form = client.get(f"/tasks/{task_id}/edit/region_help", headers=HX).get_data(as_text=True)
    assert "Demander l’aide de la région" in form

    # Without a reason: refused, nothing saved.
    response = client.post(
        f"/tasks/{task_id}/edit/region_help",
        data={"version": "1", "region_help": "1", "region_help_reason": " "},
    )
    assert response.status_code == 422
    assert "Précisez en quoi la région pourrait aider." in response.get_data(as_text=True)
    assert reload(world.task).region_help is False

    response = client.post(
        f"/tasks/{task_id}/edit/region_help",
        data={"version": "1", "region_help": "1", "region_help_reason": "Un transport adapté partagé"},
    )
    assert response.status_code == 303
    task = reload(world.task)
    assert task.region_help is True and task.region_help_reason == "Un transport adapté partagé"
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Aide de la région demandée" in page and "Un transport adapté partagé" in page
    assert (
        db.session.query(Activity).filter_by(task_id=task_id, field="region_help", new_value="True").count()
        == 1
    )

    # Unticked: the request is withdrawn with its reason.
    response = client.post(f"/tasks/{task_id}/edit/region_help", data={"version": str(task.version)})
    assert response.status_code == 303
    task = reload(world.task)
    assert task.region_help is False and task.region_help_reason == ""


@pytest.mark.parametrize("who", ["collaborator", "viewer"])
def test_a_collaborator_or_a_viewer_cannot_ask_for_the_region(world, client, who):
    client.login(getattr(world, who).email)
    page = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert f"/tasks/{world.task.id}/edit/region_help" not in page
    response = client.post(
        f"/tasks/{world.task.id}/edit/region_help",
        data={"version": "1", "region_help": "1", "region_help_reason": "Aide"},
    )
    assert response.status_code == 403
    assert reload(world.task).region_help is False
