"""One-click task links act once: replayed, each kind shows what it did, by
whom and when, offers to sign in, and changes nothing more."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Activity, Comment, Task, TaskStatus, UsedTaskLink
from tasking.notifications import links, services
from tests.conftest import app_now

NBSP = "\u00a0"

FORMS = {
    "done": {},
    "blocked": {"reason": "Le fournisseur n'a pas livré les lits."},
    "postpone": {"reason": "Attente du budget.", "due_date": "2027-01-15"},
}
SAID = {
    "done": "Rémi Responsable a marqué la tâche comme terminée avec ce lien le 25 nov. 2026, 10 h 00.",
    "blocked": "Rémi Responsable a signalé la tâche comme bloquée avec ce lien le 25 nov. 2026, 10 h 00.",
    "postpone": "Rémi Responsable a reporté l’échéance de la tâche avec ce lien le 25 nov. 2026, 10 h 00.",
}


def _path(world, action):
    return links.task_action_url(world.owner, world.task, action).removeprefix("http://retablir.test")


def _history_count(task):
    return len(db.session.scalars(select(Activity).where(Activity.task_id == task.id)).all())


@pytest.mark.parametrize("action", ["done", "blocked", "postpone"])
def test_a_link_acts_once_then_shows_what_it_did(client, world, clock, action):
    path = _path(world, action)
    client.fetch_csrf(path)
    first = client.post(path, data={"csrf_token": client.csrf, **FORMS[action]})
    assert first.status_code == 200
    db.session.expire_all()
    lines = _history_count(world.task)
    # Someone puts the task back meanwhile; the forwarded e-mail is replayed an hour later.
    task = db.session.get(Task, world.task.id)
    task.status, task.blocked_reason, task.due_date = TaskStatus.TODO.value, "", date(2026, 12, 10)
    db.session.commit()
    clock.advance(hours=1)

    replay = client.post(path, data={"csrf_token": client.csrf, **FORMS[action]})
    html = replay.get_data(as_text=True)
    assert replay.status_code == 409
    assert "Ce lien a déjà servi" in html
    assert SAID[action] in html.replace(NBSP, " ").replace("\u202f", " ")
    assert "/login?next=/tasks/" in html and 'name="reason"' not in html
    db.session.expire_all()
    task = db.session.get(Task, world.task.id)
    assert (task.status, task.due_date) == ("todo", date(2026, 12, 10))
    assert _history_count(task) == lines
    assert len(db.session.scalars(select(Comment)).all()) == (1 if action == "postpone" else 0)

    # Opening it again shows the same, without a form to confirm.
    again = client.get(path)
    assert again.status_code == 200
    assert "Ce lien a déjà servi" in again.get_data(as_text=True)
    assert f'action="{path}"' not in again.get_data(as_text=True)


def test_a_used_link_keeps_only_the_hash_of_its_token(client, world):
    path = _path(world, "done")
    client.fetch_csrf(path)
    client.post(path, data={"csrf_token": client.csrf})
    [row] = db.session.scalars(select(UsedTaskLink)).all()
    token = path.removeprefix("/m/")
    assert row.token_hash == links.token_digest(token) and token not in row.token_hash
    assert (row.task_id, row.user_id, row.action) == (world.task.id, world.owner.id, "done")


def test_a_refused_confirmation_does_not_use_the_link(client, world):
    path = _path(world, "blocked")
    client.fetch_csrf(path)
    assert client.post(path, data={"csrf_token": client.csrf, "reason": " "}).status_code == 422
    assert db.session.scalar(select(UsedTaskLink.token_hash)) is None
    assert client.post(path, data={"csrf_token": client.csrf, "reason": "Pas de lits."}).status_code == 200


def test_each_link_of_an_email_is_its_own(client, world):
    done, postpone = _path(world, "done"), _path(world, "postpone")
    client.fetch_csrf(done)
    assert client.post(done, data={"csrf_token": client.csrf}).status_code == 200
    assert client.get(postpone).status_code == 200
    assert 'name="due_date"' in client.get(postpone).get_data(as_text=True)


def test_two_uses_at_once_the_second_is_refused(world):
    token = links.task_action_token(world.owner, world.task, "done")
    # Both opened the link before either confirmed.
    first = services.resolve_task_link(db.session, token)
    second = services.resolve_task_link(db.session, token)
    services.act_on_task(db.session, action=first, now=app_now())
    db.session.commit()
    with pytest.raises(services.LinkAlreadyUsed):
        services.act_on_task(db.session, action=second, now=app_now())
    db.session.rollback()
    assert len(db.session.scalars(select(UsedTaskLink)).all()) == 1


def test_signed_in_the_used_page_leads_to_the_task(client, world):
    path = _path(world, "done")
    client.login(world.owner.email)
    client.post(path, data={"csrf_token": client.csrf})
    html = client.get(path).get_data(as_text=True)
    assert f'href="/tasks/{world.task.id}"' in html and "/login?next=" not in html
