"""Links carried by e-mails: one-click unsubscribe and task actions, both
working without a password, neither changing anything on a bare GET."""

from __future__ import annotations

import re
from datetime import date

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Activity, Comment, OutboxMessage, Task
from tasking.notifications import links, preferences, services

from .conftest import NOW


def mail_for(world, user, task=None, kind="assigned"):
    services.notify(db.session, user=user, kind=kind, task=task or world.task, actor=world.admin, now=NOW)
    db.session.commit()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id.desc())
    ).first()


def link_in(text, path):
    return re.search(rf"http://retablir\.test({path}/[A-Za-z0-9_.\-]+)", text).group(1)


# --- unsubscribe -------------------------------------------------------------


def test_every_notification_mail_has_one_click_unsubscribe_headers(world):
    mail = mail_for(world, world.owner)
    headers = dict(mail.header_pairs())
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://retablir\.test/unsubscribe/\S+)>", headers["List-Unsubscribe"]).group(1)
    assert url in mail.body_text and url in mail.body_html
    assert "http://retablir.test/me/notifications" in mail.body_text


def test_unsubscribe_get_changes_nothing_post_turns_the_kind_off(client, world):
    path = link_in(mail_for(world, world.owner).body_text, "/unsubscribe")
    page = client.get(path)  # not signed in
    assert page.status_code == 200
    assert "responsable@notif.qc.ca" in page.get_data(as_text=True)
    assert preferences.email_channel(db.session, world.owner, "assigned") == "immediate"

    # What a mail client sends for RFC 8058: no session, no CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"}, with_csrf=False)
    assert done.status_code == 200
    db.session.expire_all()
    assert preferences.email_channel(db.session, world.owner, "assigned") == "never"
    assert preferences.email_channel(db.session, world.owner, "mention") == "immediate"
    # No more e-mail of that kind, still the notification under the bell.
    assert services.notify(
        db.session, user=world.owner, kind="assigned", task=world.other, actor=world.admin, now=NOW
    )
    db.session.commit()
    assert (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.owner.email)).id == 1
    )


def test_unsubscribe_with_a_bad_signature_is_400(client, world):
    path = link_in(mail_for(world, world.owner).body_text, "/unsubscribe")
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 400
    assert client.post(forged, with_csrf=False).status_code == 400
    db.session.expire_all()
    assert preferences.email_channel(db.session, world.owner, "assigned") == "immediate"


def test_unsubscribe_works_for_switches(client, world):
    url = links.unsubscribe_url(world.helper, "weekly_digest")
    client.post(url.removeprefix("http://retablir.test"), with_csrf=False)
    db.session.expire_all()
    assert preferences.email_channel(db.session, world.helper, "weekly_digest") == "never"


# --- task actions ------------------------------------------------------------


def action_paths(mail):
    return dict(
        (label, path)
        for label, path in re.findall(r"- (.+)\n  http://retablir\.test(/m/\S+)", mail.body_text)
    )


def test_owner_mail_carries_the_three_actions_collaborator_two(world):
    owner_actions = action_paths(mail_for(world, world.owner))
    assert set(owner_actions) == {"Marquer comme terminée", "Signaler un blocage", "Reporter l’échéance"}
    helper_actions = action_paths(mail_for(world, world.helper))
    # Alice reads English; as a collaborator she may not move the due date.
    assert set(helper_actions) == {"Mark as done", "Report blocked"}


def history(task):
    return db.session.scalars(select(Activity).where(Activity.task_id == task.id).order_by(Activity.id)).all()


def test_done_link_get_changes_nothing_post_marks_done(client, world):
    path = links.task_action_url(world.owner, world.task, "done").removeprefix("http://retablir.test")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ouvrir le centre d" in html and 'name="csrf_token"' in html
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).status == "todo"

    client.fetch_csrf(path)
    done = client.post(path, data={"csrf_token": client.csrf})
    assert done.status_code == 200
    db.session.expire_all()
    task = db.session.get(Task, world.task.id)
    assert task.status == "done" and task.completed_at is not None
    [line] = history(task)
    assert (line.kind, line.field, line.new_value, line.actor_id) == (
        "field:email",
        "status",
        "done",
        world.owner.id,
    )
    # The others hear of it as of any status change.
    assert client.get("/notifications/bell").status_code in (302, 401)  # still signed out


def test_blocked_link_needs_a_reason(client, world):
    path = links.task_action_url(world.helper, world.task, "blocked").removeprefix("http://retablir.test")
    client.fetch_csrf(path)
    refused = client.post(path, data={"csrf_token": client.csrf, "reason": "  "})
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).status == "todo"

    done = client.post(
        path, data={"csrf_token": client.csrf, "reason": "Le fournisseur n'a pas livré les lits."}
    )
    assert done.status_code == 200
    db.session.expire_all()
    task = db.session.get(Task, world.task.id)
    assert task.status == "blocked" and task.blocked_reason == "Le fournisseur n'a pas livré les lits."
    assert {(a.kind, a.field) for a in history(task)} == {
        ("field:email", "status"),
        ("field:email", "blocked_reason"),
    }


def test_postpone_link_moves_the_due_date_with_a_reason_in_the_comments(client, world):
    path = links.task_action_url(world.owner, world.task, "postpone").removeprefix("http://retablir.test")
    page = client.get(path).get_data(as_text=True)
    assert 'value="2026-12-17"' in page  # the due date (10 déc.) + 7 days
    client.fetch_csrf(path)
    done = client.post(
        path, data={"csrf_token": client.csrf, "reason": "Attente du budget.", "due_date": "2027-01-15"}
    )
    assert done.status_code == 200
    db.session.expire_all()
    task = db.session.get(Task, world.task.id)
    assert task.due_date == date(2027, 1, 15)
    lines = history(task)
    assert ("field:email", "due_date", "2026-12-10", "2027-01-15") in {
        (a.kind, a.field, a.old_value, a.new_value) for a in lines
    }
    [comment] = db.session.scalars(select(Comment).where(Comment.task_id == task.id)).all()
    assert comment.body == "Échéance reportée au 15 janv. 2027\u00a0: Attente du budget."
    assert comment.author_id == world.owner.id


def test_postpone_refuses_a_bad_or_past_date(client, world):
    path = links.task_action_url(world.owner, world.task, "postpone").removeprefix("http://retablir.test")
    client.fetch_csrf(path)
    for bad in ("demain", "2020-01-01"):
        response = client.post(path, data={"csrf_token": client.csrf, "reason": "Raison", "due_date": bad})
        assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).due_date == date(2026, 12, 10)


def test_a_collaborator_may_not_postpone(client, world):
    path = links.task_action_url(world.helper, world.task, "postpone").removeprefix("http://retablir.test")
    page = client.get(path)
    assert page.status_code == 403
    assert "Seule la personne responsable de la tâche" in page.get_data(as_text=True)
    client.fetch_csrf("/login")
    response = client.post(path, data={"csrf_token": client.csrf, "reason": "x", "due_date": "2027-01-15"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).due_date == date(2026, 12, 10)


def test_an_expired_link_is_refused(client, world, clock):
    token = links.task_action_token(world.owner, world.task, "done")
    clock.advance(seconds=links.TASK_LINK_MAX_AGE + 60)
    response = client.get(f"/m/{token}")
    assert response.status_code == 400
    assert "Ce lien a expiré." in response.get_data(as_text=True)


def test_a_link_is_good_until_its_last_minute(client, world, clock):
    token = links.task_action_token(world.owner, world.task, "done")
    clock.advance(seconds=links.TASK_LINK_MAX_AGE - 60)
    response = client.get(f"/m/{token}")
    assert response.status_code == 200
    assert "Ce lien a expiré." not in response.get_data(as_text=True)


def test_a_link_for_task_a_does_not_act_on_task_b(client, world):
    token = links.task_action_token(world.owner, world.task, "done")
    forged = token.replace(str(world.task.id), str(world.other.id), 1)
    assert client.get(f"/m/{forged}").status_code == 400
    payload = URLSafeTimedSerializer("another-secret", salt=links.TASK_ACTION_SALT).dumps(
        {"u": world.owner.id, "t": world.other.id, "a": "done"}
    )
    client.fetch_csrf("/login")
    assert client.post(f"/m/{payload}", data={"csrf_token": client.csrf}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Task, world.other.id).status == "todo"
    # The genuine link acts on its own task only.
    client.post(f"/m/{token}", data={"csrf_token": client.csrf})
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).status == "done"
    assert db.session.get(Task, world.other.id).status == "todo"


def test_a_link_stops_working_when_the_person_leaves(client, world):
    path = links.task_action_url(world.helper, world.task, "done").removeprefix("http://retablir.test")
    world.task.collaborators = []
    db.session.commit()
    assert client.get(path).status_code == 403
    world.helper.active = False
    db.session.commit()
    assert client.get(path).status_code == 400
