"""Issue 15: the task page at Kanboard's speed. A busy task is read in at
most 5 statements (the issue allows 8): the reader with their roles, the
task with what its header shows and its last check-in, its people, its
latest comments, its targets. A plain view writes nothing, and what can
wait (history, older comments) is a fragment loaded when scrolled to. The
timings are in bench/task_page.py."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Notification
from tests.collector import unreachable_after
from tests.tasks.busy_task import busy_task, stored_busy_task
from tests.test_database_connections import pg_app, traced_request  # noqa: F401

HX = {"HX-Request": "true"}


def unread(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def test_a_busy_task_is_read_in_at_most_five_statements_and_a_plain_view_writes_nothing(
    client, make_client, count_queries
):
    busy = busy_task(db.session)
    url = f"/tasks/{busy.task.id}"
    client.login(busy.owner.email)
    assert unread(busy.owner.id) > 0  # the others' comments told the owner

    with count_queries() as first:
        response = client.get(url)
    assert response.status_code == 200
    # What was unread is now read, and the bell is told.
    assert [s for s in first.statements if s.lstrip().upper().startswith("UPDATE")]
    assert "notifications-changed" in response.headers["HX-Trigger"]
    assert unread(busy.owner.id) == 0

    with count_queries() as plain:
        response = client.get(url)
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers
    assert all(s.lstrip().upper().startswith("SELECT") for s in plain.statements), plain.statements
    assert plain.count <= 5, "\n".join(plain.statements)
    # All of it shown: the owner's check-in and the partner contact's opinion too.
    html = response.get_data(as_text=True)
    assert "Ça avance." in html and 'class="partner-opinions"' in html
    # The same for someone else: a collaborator, and a reader of the organisation.
    for person in (busy.collaborator, busy.people[5]):
        client = make_client()
        client.login(person.email)
        client.get(url)
        with count_queries() as other:
            assert client.get(url).status_code == 200
        assert other.count <= 5 and all(s.lstrip().upper().startswith("SELECT") for s in other.statements)


def test_the_task_page_leaves_no_more_for_the_garbage_collector_than_a_list(client):
    """Macros imported with the page's context built a module per page whose
    macros and context referred to one another: 190 objects per page in
    cycles (the page's rows with them), freed by the collector in an 8 ms
    pause every 80 pages or so."""
    busy = busy_task(db.session)
    client.login(busy.owner.email)
    url = f"/tasks/{busy.task.id}"
    html = client.get(url).get_data(as_text=True)
    # The page draws every kind of part: a form (the status), targets with their progress.
    assert "task-edit field-status" in html and 'class="progress"' in html
    client.get("/me/tasks")
    floor = unreachable_after(client, "/me/tasks")
    left = unreachable_after(client, url)
    # Some slack for what another thread of the test process might leave.
    assert left <= floor + 40, (left, floor)


def test_history_loads_when_scrolled_to_from_a_fragment_the_page_includes(client):
    busy = busy_task(db.session)
    client.login(busy.admin.email)
    page = client.get(f"/tasks/{busy.task.id}").get_data(as_text=True)
    section = page[page.index(f'<section id="task-history-{busy.task.id}"') :]
    section = section[: section.index("</section>")]
    assert f'hx-get="/tasks/{busy.task.id}/history"' in section and 'hx-trigger="intersect once"' in section
    assert "a commenté" not in section  # not read yet
    # Without JavaScript the link opens the page with the history.
    assert f'href="/tasks/{busy.task.id}/history#task-history-{busy.task.id}"' in section

    fragment = client.get(f"/tasks/{busy.task.id}/history", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<section id="task-history-{busy.task.id}" class="task-history">')
    assert fragment.count("<li>") == 50
    assert "hx-trigger" not in fragment
    full = client.get(f"/tasks/{busy.task.id}/history").get_data(as_text=True)
    assert "<html" in full and full.count("a commenté") == 20


def test_the_latest_comments_show_and_older_ones_load_when_scrolled_to(client):
    busy = busy_task(db.session)
    client.login(busy.admin.email)
    page = client.get(f"/tasks/{busy.task.id}").get_data(as_text=True)
    comments = page[
        page.index('<ol class="comments">') : page.index("</ol>", page.index('<ol class="comments">'))
    ]
    assert re.findall(r"Point (\d+) :", comments) == ["15", "16", "17", "18", "19"]
    assert 'Commentaires <small class="muted">(20)</small>' in page
    older = re.search(r'<li class="comments-older" hx-get="([^"]+)" hx-trigger="intersect once"', comments)
    assert older

    fragment = client.get(older.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert re.findall(r"Point (\d+) :", fragment) == [str(n) for n in range(15)]
    assert "comments-older" not in fragment  # nothing older still
    # Without JavaScript the link opens the page with every comment.
    full = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert (
        "<html" in full and len(re.findall(r"Point (\d+) :", full)) == 21
    )  # and the latest, among the essentials


def test_a_task_starts_with_its_status_owner_due_date_and_latest_comment(client):
    busy = busy_task(db.session)
    client.login(busy.collaborator.email)
    page = client.get(f"/tasks/{busy.task.id}").get_data(as_text=True)
    task_id = busy.task.id
    order = [
        f'id="task-{task_id}-heading"',
        f'id="task-{task_id}-status"',
        f'id="task-{task_id}-owner"',
        f'id="task-{task_id}-dates"',
        f'id="task-{task_id}-latest-comment"',
        f'id="task-{task_id}-description"',
        f'id="task-targets-{task_id}"',
        f'id="task-comments-{task_id}"',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    latest = page[positions[4] : positions[5]]
    assert "Point 19" in latest and "Frédéric Gagnon" in latest and "Les 20 commentaires" in latest
    dates = page[positions[3] : positions[4]]
    assert dates.index("Échéance") < dates.index("Court et moyen terme")


def test_targets_are_a_compact_list_and_one_measurement_form_opens_at_a_time(client, make_client):
    busy = busy_task(db.session)
    task_id = busy.task.id
    client.login(busy.collaborator.email)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    targets = page[page.index(f'id="task-targets-{task_id}"') : page.index(f'id="task-comments-{task_id}"')]
    assert targets.count('class="target"') == 8
    assert targets.count("Ajouter une mesure<span") == 8
    assert "<form" not in targets and "<table" not in targets
    # The latest measurement (by its date), against the target, and its date.
    assert targets.count("<small>10 / 80 %</small>") == 8 and targets.count("20 nov. 2026") == 8

    target_id = int(re.search(r'id="target-(\d+)"', targets).group(1))
    opened = client.get(f"/tasks/{task_id}/targets/{target_id}/measurements", headers=HX)
    html = opened.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li id="target-{target_id}" class="target open">')
    assert html.count("<form") == 1 and html.count("<tr>") == 4  # header + 3 measurements
    # Without JavaScript the same link opens the page with that form alone.
    full = client.get(f"/tasks/{task_id}/targets/{target_id}/measurements").get_data(as_text=True)
    assert "<html" in full and full.count('class="measure-form"') == 1
    closed = client.get(f"/tasks/{task_id}/targets/{target_id}", headers=HX).get_data(as_text=True)
    assert "<form" not in closed and "Ajouter une mesure" in closed
    # A member who does not take part sees the list, without the way to add a measurement.
    client = make_client()
    client.login(busy.people[5].email)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Ajouter une mesure" not in page


def test_the_board_card_says_the_progress_is_the_objectives(client):
    busy = busy_task(db.session)
    client.login(busy.admin.email)
    board = client.get(f"/plans/{busy.task.plan_id}/board").get_data(as_text=True)
    card = board[board.index(f'id="task-{busy.task.id}"') :]
    card = card[: card.index("</li>")]
    assert '<small class="progress-of">Objectif</small>' in card
    assert 'title="Avancement des cibles de l’objectif, pas de cette action"' in card


def test_on_postgresql_a_task_page_takes_one_round_trip(pg_app):  # noqa: F811
    """The reader with their roles and the page's four reads, sent together
    (tasking/core/batches.py, ``reads_first``); the connection, back in the pool a moment
    ago, is not asked whether it is still open (tasking/core/connections.py)."""
    app, _admin = pg_app
    busy = stored_busy_task(app)
    url = f"/tasks/{busy.task_id}"
    client = app.test_client()
    client.login(busy.owner_email)
    assert client.get(url).status_code == 200  # marks what was unread

    response, statements, round_trips = traced_request(app, lambda: client.get(url))

    assert response.status_code == 200 and "Ça avance." in response.get_data(as_text=True)
    assert (statements, round_trips) == (5, 1)
