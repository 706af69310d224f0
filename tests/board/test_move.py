"""Moving cards: the answer is the card alone plus the column counts out of
band; a stale version gets a 409 that shows the other change; without
JavaScript the same form goes back to the board; only contributors move."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.board import routes
from tasking.core.clock import now
from tasking.extensions import db
from tasking.models import Activity, Notification, Task
from tasking.models.task import task_collaborators
from tasking.tasks.editing import update_task
from tests.board.test_board import HTMX, card_ids, column_html, total


def oob_totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'<span id="total-(\w+)" class="count" hx-swap-oob="true">(\d+)<', html))


def oob_cells(html: str) -> dict[str, str]:
    """Swimlane cells counted out of band: "<lane>-<status>" → count."""
    found = re.findall(
        r'id="count-(\d+-\w+)" title="[^"]*" hx-swap-oob="true"><span aria-hidden="true">(\d+)<', html
    )
    return dict(found)


def reload(task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def test_a_move_answers_with_the_card_and_the_counts_out_of_band(client, people, build):
    plan = build.plan(people.org)
    first, second, third = build.tasks(plan, 3, owner_id=people.owner.id)
    client.login(people.owner.email)

    response = client.post(
        f"/tasks/{second}/move", data={"status": "in_progress", "version": "1"}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_ids(html) == [second]
    assert "<!doctype" not in html and 'id="board"' not in html
    assert 'data-status="in_progress"' in html and 'data-version="2"' in html
    # The counts of the two columns it changed; the others are left as shown.
    assert oob_totals(html) == {"todo": "2", "in_progress": "1"}
    assert "est maintenant dans «\u00a0En cours\u00a0»" in html
    task = reload(second)
    assert task.status == "in_progress" and task.version == 2
    history = db.session.scalars(select(Activity).where(Activity.task_id == second)).all()
    assert [(a.field, a.old_value, a.new_value) for a in history] == [("status", "todo", "in_progress")]
    # The board, reloaded, keeps it there.
    board = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    assert card_ids(column_html(board, "in_progress")) == [second]
    assert card_ids(column_html(board, "todo")) == [first, third]


def test_a_move_inside_a_column_sends_no_count(client, people, build):
    plan = build.plan(people.org)
    first, second = build.tasks(plan, 2, owner_id=people.owner.id)
    client.login(people.owner.email)

    response = client.post(
        f"/tasks/{second}/move", data={"status": "todo", "version": "1", "before_id": first}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and card_ids(html) == [second]
    assert oob_totals(html) == {} and "hx-swap-oob" in html  # the live region only
    board = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    assert card_ids(column_html(board, "todo")) == [second, first]


def test_in_the_swimlane_view_a_move_counts_its_lane_even_when_it_empties(client, people, build):
    plan = build.plan(people.org, themes=2)
    first, _second, third = build.tasks(plan, 3, owner_id=people.owner.id)
    client.login(people.owner.email)

    html = client.post(
        f"/tasks/{first}/move?view=themes", data={"status": "done", "version": "1"}, headers=HTMX
    ).get_data(as_text=True)

    # Its lane had two cards to do (the first and the third): one is left.
    lane = re.search(r'data-lane="(\d+)"', html).group(1)
    cells = oob_cells(html)
    assert cells[f"{lane}-todo"] == "1" and cells[f"{lane}-done"] == "1"
    assert oob_totals(html) == {"todo": "2", "done": "1"}
    html = client.post(
        f"/tasks/{third}/move?view=themes", data={"status": "done", "version": "1"}, headers=HTMX
    ).get_data(as_text=True)
    cells = oob_cells(html)
    assert cells[f"{lane}-todo"] == "0" and cells[f"{lane}-done"] == "2"


def test_the_order_inside_a_column_is_kept(client, people, build):
    plan = build.plan(people.org)
    a, b, c, d = build.tasks(plan, 4, owner_id=people.owner.id)
    client.login(people.admin.email)

    # d between a and b, then a to the very end (after c).
    assert (
        client.post(
            f"/tasks/{d}/move",
            data={"status": "todo", "version": "1", "after_id": a, "before_id": b},
            headers=HTMX,
        ).status_code
        == 200
    )  # noqa: E501
    assert (
        client.post(
            f"/tasks/{a}/move", data={"status": "todo", "version": "1", "after_id": c}, headers=HTMX
        ).status_code
        == 200
    )  # noqa: E501
    # Into another column, before its only card.
    client.post(
        f"/tasks/{b}/move",
        data={"status": "blocked", "version": "1", "blocked_reason": "Budget"},
        headers=HTMX,
    )
    client.post(
        f"/tasks/{c}/move",
        data={"status": "blocked", "version": "1", "before_id": b, "blocked_reason": "Budget"},
        headers=HTMX,
    )

    board = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    assert card_ids(column_html(board, "todo")) == [d, a]
    assert card_ids(column_html(board, "blocked")) == [c, b]
    assert total(board, "blocked") == 2


def test_a_move_on_an_old_version_gets_a_conflict_showing_the_other_change(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    # Alice blocks the task while Rémi still sees version 1.
    update_task(
        db.session,
        actor=people.admin,
        task=db.session.get(Task, task_id),
        changes={"status": "blocked", "blocked_reason": "Attente du budget"},
        version=1,
        now=now(),
    )
    db.session.commit()
    client.login(people.owner.email)

    response = client.post(f"/tasks/{task_id}/move", data={"status": "done", "version": "1"}, headers=HTMX)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert card_ids(html) == [task_id]
    assert 'data-status="blocked"' in html and 'data-version="2"' in html
    assert "Quelqu’un d’autre a modifié cette tâche" in html
    assert "Alice Admin" in html and "Statut À faire → Bloqué" in html
    assert "La déplacer quand même dans «\u00a0Terminé\u00a0»" in html
    assert reload(task_id).status == "blocked"
    # The counts follow what is really stored.
    assert 'id="total-blocked" class="count" hx-swap-oob="true">1<' in html

    # The button applies the move again on top of the other person's version.
    retry = re.search(r'<div class="conflict".*?<form[^>]*>(.*?)</form>', html, re.S).group(1)
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', retry))
    assert values["version"] == "2" and values["status"] == "done"
    again = client.post(f"/tasks/{task_id}/move", data=values, headers=HTMX)
    assert again.status_code == 200
    assert reload(task_id).status == "done"


def test_without_javascript_the_card_form_goes_back_to_the_filtered_board(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)
    board = client.get(f"/plans/{plan.id}/board?mine=1").get_data(as_text=True)
    action = re.search(
        r'<details class="card-move">.*?<form method="post" action="([^"]+)"', board, re.S
    ).group(1)
    action = action.replace("&amp;", "&")

    response = client.post(action, data={"status": "in_progress", "version": "1", "csrf_token": client.csrf})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{plan.id}/board?mine=1#task-{task_id}"
    assert reload(task_id).status == "in_progress"
    board = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tâche «\u00a0Tâche numéro 1\u00a0» déplacée dans «\u00a0En cours\u00a0»." in board
    # A stale form: the board again, with the message, and nothing changed.
    stale = client.post(action, data={"status": "done", "version": "1"}, follow_redirects=True)
    assert "Quelqu’un d’autre a modifié cette tâche" in stale.get_data(as_text=True)
    assert reload(task_id).status == "in_progress"


def test_who_may_move_a_card(client, make_client, people, build):
    plan = build.plan(people.org)
    owned, helped, other = build.tasks(plan, 3, owner_id=people.owner.id)
    db.session.execute(task_collaborators.insert(), [{"task_id": helped, "user_id": people.helper.id}])
    db.session.commit()

    viewer = make_client()
    viewer.login(people.viewer.email)
    response = viewer.post(f"/tasks/{owned}/move", data={"status": "done", "version": "1"}, headers=HTMX)
    assert response.status_code == 403
    assert "Vous ne pouvez pas modifier cette tâche" in response.get_data(as_text=True)
    # Without htmx: the site's own page, in French, not the server's bare one.
    page = viewer.post(f"/tasks/{owned}/move", data={"status": "done", "version": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert '<html lang="fr' in html and "Vous ne pouvez pas modifier cette tâche" in html
    assert "Forbidden" not in html and 'href="/me/tasks"' in html

    outsider = make_client()
    outsider.login(people.outsider.email)
    assert outsider.post(f"/tasks/{owned}/move", data={"status": "done"}, headers=HTMX).status_code == 404
    assert outsider.get(f"/tasks/{owned}/card", headers=HTMX).status_code == 404

    helper = make_client()
    helper.login(people.helper.email)
    assert helper.post(f"/tasks/{other}/move", data={"status": "done"}, headers=HTMX).status_code == 403
    assert (
        helper.post(
            f"/tasks/{helped}/move", data={"status": "done", "version": "1"}, headers=HTMX
        ).status_code
        == 200
    )  # noqa: E501
    board = helper.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    movable = re.findall(r'<li id="task-(\d+)"[^>]*data-movable', board.replace("\n", " "))
    assert [int(i) for i in movable] == [helped]

    db.session.expire_all()
    assert [db.session.get(Task, t).status for t in (owned, helped, other)] == ["todo", "done", "todo"]
    assert db.session.get(Task, 999999) is None
    assert helper.post("/tasks/999999/move", data={"status": "done"}, headers=HTMX).status_code == 404


def test_an_unknown_column_is_refused_and_changes_nothing(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)

    data = {"status": "archived", "version": "1"}
    response = client.post(f"/tasks/{task_id}/move", data=data, headers=HTMX)

    assert response.status_code == 422
    assert "Statut inconnu" in response.get_data(as_text=True)
    assert reload(task_id).status == "todo" and reload(task_id).version == 1


def test_a_card_can_be_fetched_alone_to_refresh_it(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id, title="Avant")
    client.login(people.owner.email)
    task = db.session.get(Task, task_id)
    task.title = "Après"
    task.status = "done"
    db.session.commit()

    response = client.get(f"/tasks/{task_id}/card?mine=1", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and card_ids(html) == [task_id]
    assert "Après" in html and "/move?mine=1" in html
    # The counts its new status changed come along, out of band.
    assert oob_totals(html) == {"todo": "0", "in_progress": "0", "blocked": "0", "done": "1"}
    assert client.get(f"/tasks/{task_id}/card").status_code == 302


def test_a_move_without_a_usable_version_is_refused_and_changes_nothing(client, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)

    for data in ({"status": "done"}, {"status": "done", "version": "abc"}, {"status": "done", "version": ""}):
        for headers in (HTMX, {}):
            response = client.post(f"/tasks/{task_id}/move", data=data, headers=headers)
            assert response.status_code == 400
            assert "Le formulaire est endommagé." in response.get_data(as_text=True)
    task = reload(task_id)
    assert (task.status, task.version) == ("todo", 1)


def test_the_status_list_puts_the_card_at_the_top_of_a_long_column(client, people, build):
    plan = build.plan(people.org)
    done = build.tasks(plan, 40, owner_id=people.owner.id, status="done")
    todo = build.tasks(plan, 3, owner_id=people.owner.id)
    client.login(people.owner.email)

    # Without JavaScript: the card's form carries no place, only the column.
    response = client.post(
        f"/tasks/{todo[1]}/move",
        data={"status": "done", "version": "1", "csrf_token": client.csrf},
        follow_redirects=True,
    )
    board = response.get_data(as_text=True)
    assert card_ids(column_html(board, "done"))[:2] == [todo[1], done[0]]
    assert f'id="task-{todo[1]}"' in board  # the address's #task-… lands on it
    assert "déplacée dans «\u00a0Terminé\u00a0»" in board

    # With htmx too; the same column without a place leaves the card where it is.
    assert (
        client.post(
            f"/tasks/{todo[2]}/move", data={"status": "done", "version": "1"}, headers=HTMX
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/tasks/{done[5]}/move", data={"status": "done", "version": "1"}, headers=HTMX
        ).status_code
        == 200
    )
    board = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    assert card_ids(column_html(board, "done"))[:3] == [todo[2], todo[1], done[0]]
    assert card_ids(column_html(board, "done")).index(done[5]) == 7


def test_a_move_whose_card_fails_to_draw_says_whether_it_was_saved(app, client, people, build, monkeypatch):
    """On PostgreSQL a move's COMMIT goes as soon as its last reads are
    answered, before its card is drawn: a failure then no longer undoes it,
    and the error page says so. On SQLite the request commits after the
    view: nothing is saved."""
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    client.login(people.owner.email)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    draw = routes.render_template

    def card_fails(name: str, **context: object) -> str:
        if name == "board/_moved.html":
            raise RuntimeError("the card cannot be drawn")
        return draw(name, **context)

    monkeypatch.setattr(routes, "render_template", card_fails)

    response = client.post(
        f"/tasks/{task_id}/move", data={"status": "in_progress", "version": "1"}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 500
    if db.session.get_bind().dialect.name == "postgresql":
        assert "Votre modification a été enregistrée" in html
        assert reload(task_id).status == "in_progress"
    else:
        assert "Rien n’a été enregistré" in html
        assert reload(task_id).status == "todo"


def test_a_move_tells_the_owner_and_the_collaborators_not_the_mover(client, people, build):
    """Who is told is read with the task, before the move writes."""
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    db.session.execute(
        task_collaborators.insert(),
        [{"task_id": task_id, "user_id": people.helper.id}, {"task_id": task_id, "user_id": people.admin.id}],
    )
    db.session.commit()
    client.login(people.admin.email)

    response = client.post(f"/tasks/{task_id}/move", data={"status": "done", "version": "1"}, headers=HTMX)

    assert response.status_code == 200
    told = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.kind, n.detail, n.actor_id) for n in told] == [
        (people.owner.id, "status", "done", people.admin.id),
        (people.helper.id, "status", "done", people.admin.id),
    ]
