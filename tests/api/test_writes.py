"""Changing through the API: the page's rules, the task's version, problem documents."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Activity, CheckinAnswer, Comment, Measurement, Task
from tests.api.conftest import bearer
from tests.conftest import app_now


def _patch(client, task: Task, secret: str, **change):  # noqa: ANN001, ANN003
    return client.patch(f"/api/v1/tasks/{task.id}", json=change, headers=bearer(secret))


def test_status_change_is_recorded_in_the_history(client, world):
    task = world.tasks[0]
    answer = _patch(client, task, world.token(world.owner), version=task.version, status="in_progress")
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "in_progress"
    assert answer.json["version"] == task.version + 1
    line = db.session.scalars(
        select(Activity).where(Activity.task_id == task.id, Activity.field == "status")
    ).one()
    assert (line.old_value, line.new_value, line.actor_id) == ("todo", "in_progress", world.owner.id)


def test_a_stale_version_is_refused_with_the_current_task(client, world):
    task = world.tasks[0]
    secret = world.token(world.owner)
    version = task.version
    assert _patch(client, task, secret, version=version, status="in_progress").status_code == 200
    answer = _patch(client, task, secret, version=version, status="done")
    assert answer.status_code == 409
    assert answer.mimetype == "application/problem+json"
    assert answer.json["current"]["status"] == "in_progress"
    assert answer.json["current"]["version"] == version + 1
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "in_progress"


def test_a_due_date_moves_only_with_its_reason(client, world):
    task = world.tasks[0]
    secret = world.token(world.owner)
    new_date = (app_now() + timedelta(days=30)).date().isoformat()
    refused = _patch(client, task, secret, version=task.version, due_date=new_date)
    assert refused.status_code == 422
    assert refused.json["field"] == "due_date_reason"
    assert refused.json["detail"] == "Indiquez pourquoi l’échéance est reportée."
    db.session.expire_all()
    assert db.session.get(Task, task.id).due_date != new_date
    moved = _patch(
        client, task, secret, version=task.version, due_date=new_date, due_date_reason="Attente du CIUSSS"
    )
    assert moved.status_code == 200
    assert moved.json["due_date"] == new_date
    comment = db.session.scalars(select(Comment).where(Comment.task_id == task.id)).one()
    assert "Attente du CIUSSS" in comment.body


def test_owner_and_collaborators(client, world):
    task = world.tasks[4]
    secret = world.token(world.admin)
    answer = _patch(
        client, task, secret, version=task.version, owner_id=world.owner.id, collaborator_ids=[world.admin.id]
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["owner"]["id"] == world.owner.id
    assert [c["name"] for c in answer.json["collaborators"]] == ["Aline Admin"]
    viewer = _patch(client, task, secret, version=answer.json["version"], owner_id=world.viewer.id)
    assert viewer.status_code == 422
    assert viewer.json["field"] == "owner_id"


def test_a_viewer_may_not_change_a_task(client, world):
    task = world.tasks[0]
    answer = _patch(client, task, world.token(world.viewer), version=task.version, status="done")
    assert answer.status_code == 403
    assert "modifier" in answer.json["detail"]
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "todo"


def test_a_read_only_token_may_not_write(client, world):
    task = world.tasks[0]
    answer = _patch(client, task, world.token(world.owner, scope="read"), version=task.version, status="done")
    assert answer.status_code == 403
    assert answer.json["detail"] == "Ce jeton ne peut que lire."


def test_unknown_fields_and_bad_values_are_named(client, world):
    task = world.tasks[0]
    answer = _patch(client, task, world.token(world.owner), version="x", status="finished", colour="red")
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]) == {"version", "status", "colour"}
    assert client.patch(
        f"/api/v1/tasks/{task.id}",
        data="{not json",
        headers=bearer(world.token(world.owner), **{"Content-Type": "application/json"}),
    ).status_code in (400, 422)


def test_a_nul_character_in_a_body_is_refused_and_nothing_is_stored(client, world):
    # PostgreSQL cannot store one: found by the fuzzer as a server error.
    task = world.tasks[0]
    for body in ({"body": "Suivi\u0000"}, {"body": "Suivi", "\u0000": 1}, {"body": ["a\u0000"]}):
        answer = client.post(
            f"/api/v1/tasks/{task.id}/comments", json=body, headers=bearer(world.token(world.owner))
        )
        assert answer.status_code == 400, answer.get_data(as_text=True)
        assert answer.mimetype == "application/problem+json"
        assert answer.json["detail"] == "La requête contient un caractère invalide."
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_the_owners_weekly_update(client, world):
    task = world.tasks[0]
    secret = world.token(world.owner)
    refused = client.post(
        f"/api/v1/tasks/{task.id}/updates",
        json={"version": task.version, "health": "at_risk"},
        headers=bearer(secret),
    )
    assert refused.status_code == 422
    assert "note" in refused.json["errors"]
    answer = client.post(
        f"/api/v1/tasks/{task.id}/updates",
        json={"version": task.version, "health": "blocked", "note": "Attente du local"},
        headers=bearer(secret),
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["health"] == "blocked"
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "blocked"
    assert db.session.scalar(select(func.count()).select_from(CheckinAnswer)) == 1
    not_mine = client.post(
        f"/api/v1/tasks/{world.tasks[2].id}/updates",
        json={"version": world.tasks[2].version, "health": "on_track"},
        headers=bearer(secret),
    )
    assert not_mine.status_code == 403
    assert not_mine.json["detail"] == "Vous ne pouvez mettre à jour que vos propres actions."


def test_measurements_in_french_or_english(client, world):
    secret = world.token(world.owner)
    target_id = client.get(f"/api/v1/tasks/{world.tasks[0].id}/targets", headers=bearer(secret)).json[0]["id"]
    future = (app_now() + timedelta(days=2)).date().isoformat()
    french = client.post(
        f"/api/v1/targets/{target_id}/measurements",
        json={"value": 12, "measured_on": future},
        headers=bearer(secret),
    )
    assert french.status_code == 422
    assert french.json["detail"] == "Une mesure ne peut pas être datée dans le futur."
    english = client.post(
        f"/api/v1/targets/{target_id}/measurements",
        json={"value": 12, "measured_on": future},
        headers=bearer(secret, **{"Accept-Language": "en-CA"}),
    )
    assert english.json["detail"] == "A measurement cannot be dated in the future."
    today = app_now().date().isoformat()
    added = client.post(
        f"/api/v1/targets/{target_id}/measurements",
        json={"value": 12, "measured_on": today},
        headers=bearer(secret),
    )
    assert added.status_code == 201
    assert db.session.scalar(select(Measurement.value)) == 12.0


def test_a_target_of_another_organisation_is_not_found(client, world):
    from tasking.models import Target

    other = db.session.scalars(select(Target).join(Target.objective)).all()[-1]
    answer = client.post(
        f"/api/v1/targets/{other.id}/measurements",
        json={"value": 1, "measured_on": app_now().date().isoformat()},
        headers=bearer(world.token(world.owner)),
    )
    assert answer.status_code == 404
