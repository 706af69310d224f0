"""On PostgreSQL, the board's first screen and a move wait for the server
as few times as their statements allow: reads that do not depend on one
another go together (tasking/core/batches.py). Its own PostgreSQL database:
it runs in the SQLite pass too."""

from __future__ import annotations

import re
import tempfile

from flask_migrate import upgrade

from tasking.extensions import db
from tests.conftest import Client
from tests.tasks.busy_task import busy_task
from tests.test_database_connections import Traced, pg_app  # noqa: F401

HTMX = {"HX-Request": "true"}


def test_on_postgresql_the_board_and_a_move_take_few_round_trips(pg_app):  # noqa: F811
    app, _admin = pg_app
    with app.app_context():
        upgrade()
        busy = busy_task(db.session)
        plan_id, task_id, email = busy.task.plan_id, busy.task.id, busy.admin.email
        start = version = busy.task.version
        db.session.commit()
    app.test_client_class = Client
    client = app.test_client()
    client.login(email)
    board = f"/plans/{plan_id}/board"
    assert client.get(board).status_code == 200

    with tempfile.TemporaryFile() as file:
        trace = Traced(app, file)
        client.get(board)  # connects, prepares the statements
        trace.mark()
        page = client.get(board)
        _asked, board_trips = trace.sent()
        board_statements = trace.statements

        # Each kind of move once first: its statements get prepared.
        for status in ("done", "in_progress", "done", "in_progress"):
            trace.mark()
            moved = client.post(
                f"/tasks/{task_id}/move", data={"status": status, "version": version}, headers=HTMX
            )
            version = int(re.search(r'data-version="(\d+)"', moved.get_data(as_text=True)).group(1))
        _asked, move_trips = trace.sent()
        move_statements = trace.statements

    assert page.status_code == 200 and f'id="task-{task_id}"' in page.get_data(as_text=True)
    # The check; the reader; the plan; the cards, counts, themes and people;
    # the cards' targets and check-ins.
    assert (board_statements, board_trips) == (8, 5)
    assert moved.status_code == 200 and version == start + 4
    # Its BEGIN is the check, and its COMMIT a round trip of its own; the
    # reader, the task with its plan, the place, the history line, the row,
    # who is told and the notification; then the card with the counts, and
    # the card's facts: two round trips for four statements. No savepoint
    # (a refused move rolls the whole transaction back).
    assert (move_statements, move_trips) == (11, 1 + 7 + 2 + 1)
