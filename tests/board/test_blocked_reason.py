"""An action marked blocked needs a reason, whatever the path: the task
service refuses it, the board asks for it (in the card with htmx, on a page
without JavaScript), the task page shows the refusal on the reason's field."""

from __future__ import annotations

import re

import pytest

from tasking.core.clock import now
from tasking.extensions import db
from tasking.models import Task
from tasking.tasks.editing import ReasonRequired, update_task
from tests.board.test_board import HTMX, card_ids

ASKED = "Dites ce qui bloque l’action"


def reload(task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def test_the_service_refuses_blocked_without_a_reason(people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    task = db.session.get(Task, task_id)
    with pytest.raises(ReasonRequired):
        update_task(
            db.session, actor=people.admin, task=task, changes={"status": "blocked"}, version=None, now=now()
        )
    db.session.rollback()
    with pytest.raises(ReasonRequired):
        update_task(
            db.session,
            actor=people.admin,
            task=reload(task_id),
            changes={"status": "blocked", "blocked_reason": "   "},
            version=None,
            now=now(),
        )
    db.session.rollback()
    update_task(
        db.session,
        actor=people.admin,
        task=reload(task_id),
        changes={"status": "blocked", "blocked_reason": "Attente du budget"},
        version=None,
        now=now(),
    )
    db.session.commit()
    # Clearing the reason of a blocked action is refused too.
    with pytest.raises(ReasonRequired):
        update_task(
            db.session,
            actor=people.admin,
            task=reload(task_id),
            changes={"blocked_reason": ""},
            version=None,
            now=now(),
        )
    db.session.rollback()
    assert reload(task_id).blocked_reason == "Attente du budget"


def test_a_card_moved_into_blocked_asks_why_then_moves(client, people, build):
    plan = build.plan(people.org)
    first, second = build.tasks(plan, 2, owner_id=people.owner.id)
    client.login(people.owner.email)

    asked = client.post(
        f"/tasks/{first}/move", data={"status": "blocked", "version": "1", "after_id": ""}, headers=HTMX
    )

    assert asked.status_code == 422
    html = asked.get_data(as_text=True)
    assert card_ids(html) == [first]
    assert 'data-status="todo"' in html  # not moved yet
    assert ASKED in html
    form = re.search(r'<div class="ask-reason".*?<form[^>]*>(.*?)</form>', html, re.S).group(1)
    assert 'name="blocked_reason"' in form and 'name="status" value="blocked"' in form
    assert reload(first).status == "todo"

    empty = client.post(
        f"/tasks/{first}/move",
        data={"status": "blocked", "version": "1", "blocked_reason": " "},
        headers=HTMX,
    )
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)

    moved = client.post(
        f"/tasks/{first}/move",
        data={"status": "blocked", "version": "1", "blocked_reason": "Attente du CIUSSS"},
        headers=HTMX,
    )
    assert moved.status_code == 200
    assert 'data-status="blocked"' in moved.get_data(as_text=True)
    task = reload(first)
    assert (task.status, task.blocked_reason) == ("blocked", "Attente du CIUSSS")
    assert reload(second).status == "todo"


def test_without_javascript_the_reason_is_asked_on_a_page(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)

    page = client.post(f"/tasks/{task_id}/move", data={"status": "blocked", "version": "1"})

    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "<!doctype" in html.lower() and "Pourquoi est-ce bloqué" in html and ASKED in html
    assert reload(task_id).status == "todo"
    done = client.post(
        f"/tasks/{task_id}/move", data={"status": "blocked", "version": "1", "blocked_reason": "Pas de local"}
    )
    assert done.status_code == 303
    assert reload(task_id).blocked_reason == "Pas de local"


def test_the_task_page_refuses_blocked_without_a_reason(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)

    response = client.post(
        f"/tasks/{task_id}/edit/status",
        data={"status": "blocked", "blocked_reason": "", "version": "1"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert ASKED in response.get_data(as_text=True)
    assert reload(task_id).status == "todo"
