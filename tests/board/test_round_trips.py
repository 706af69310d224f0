"""On PostgreSQL, the board's first screen and a move wait for the server
as few times as their statements allow: reads that do not depend on one
another go together (tasking/core/batches.py). Its own PostgreSQL database:
it runs in the SQLite pass too."""

from __future__ import annotations

import re
import tempfile

from sqlalchemy import text

from tasking.extensions import db
from tests.tasks.busy_task import stored_busy_task
from tests.test_database_connections import Traced, pg_app, traced_request  # noqa: F401

HTMX = {"HX-Request": "true"}


def test_on_postgresql_the_board_and_a_move_take_few_round_trips(pg_app):  # noqa: F811
    app, _admin = pg_app
    busy = stored_busy_task(app)
    plan_id, task_id = busy.plan_id, busy.task_id
    start = version = busy.version
    client = app.test_client()
    client.login(busy.admin_email)
    board = f"/plans/{plan_id}/board"
    assert client.get(board).status_code == 200

    page, board_statements, board_trips = traced_request(app, lambda: client.get(board))

    with tempfile.TemporaryFile() as file:
        trace = Traced(app, file)
        # Each kind of move once first: its statements get prepared.
        for status in ("done", "in_progress", "done", "in_progress"):
            trace.mark()
            moved = client.post(
                f"/tasks/{task_id}/move", data={"status": status, "version": version}, headers=HTMX
            )
            version = int(re.search(r'data-version="(\d+)"', moved.get_data(as_text=True)).group(1))
        _asked, move_trips = trace.sent()
        move_statements = trace.statements
        trace.stop()

    assert page.status_code == 200 and f'id="task-{task_id}"' in page.get_data(as_text=True)
    # The reader; the plan; the cards, counts, themes and people;
    # the cards' targets and check-ins.
    assert (board_statements, board_trips) == (8, 4)
    assert moved.status_code == 200 and version == start + 4
    # BEGIN with the reader, the task with its plan and its new place, and
    # who is told of the new status; the history line, the row and the
    # notification; the card with the counts and the card's facts, four
    # statements; then COMMIT, its answer awaited once the card is drawn.
    # No savepoint (a refused move rolls the whole transaction back).
    assert (move_statements, move_trips) == (10, 1 + 3 + 1 + 1)


def test_on_postgresql_moving_one_card_again_and_again_plans_no_statement_each_time(pg_app):  # noqa: F811
    """PostgreSQL plans a prepared statement at each call until its generic
    plan looks no dearer than the calls' own: the moved card's check-ins,
    asked with a list of one id, were planned anew at every move (0.5 ms,
    ten times their execution)."""
    app, _admin = pg_app
    busy = stored_busy_task(app)
    client = app.test_client()
    client.login(busy.admin_email)
    version = busy.version
    for status in ("done", "in_progress") * 6:
        moved = client.post(
            f"/tasks/{busy.task_id}/move", data={"status": status, "version": version}, headers=HTMX
        )
        assert moved.status_code == 200
        version = int(re.search(r'data-version="(\d+)"', moved.get_data(as_text=True)).group(1))

    with app.app_context():
        # The pool's one connection, which served every move.
        planned_each_time = db.session.scalars(
            text(
                "SELECT statement FROM pg_prepared_statements"
                " WHERE generic_plans = 0 AND custom_plans > 5 ORDER BY statement"
            )
        ).all()
        db.session.commit()
    assert version == busy.version + 12
    assert planned_each_time == []


def test_on_postgresql_my_tasks_take_one_round_trip(pg_app):  # noqa: F811
    """The reader with their roles and the page's statement, sent together
    (``reads_first``)."""
    app, _admin = pg_app
    busy = stored_busy_task(app)
    client = app.test_client()
    client.login(busy.owner_email)

    page, statements, round_trips = traced_request(app, lambda: client.get("/me/tasks"))

    assert page.status_code == 200 and f'href="/tasks/{busy.task_id}"' in page.get_data(as_text=True)
    assert (statements, round_trips) == (2, 1)
