"""A move that loses a race on PostgreSQL: someone else's change lands
between the move's read of the task and its UPDATE (READ COMMITTED lets it;
SQLite's writers take turns from the first statement). The move writes
nothing, not even the history line it had written, and answers with the
conflict. Its own PostgreSQL database: it runs in the SQLite pass too."""

from __future__ import annotations

import re

from sqlalchemy import event, func, select, text

from tasking.extensions import db
from tasking.models import Activity, Task
from tests.tasks.busy_task import stored_busy_task
from tests.test_database_connections import pg_app  # noqa: F401

HTMX = {"HX-Request": "true"}


def test_a_move_that_loses_a_race_writes_nothing_and_shows_the_conflict(pg_app):  # noqa: F811
    app, _admin = pg_app
    busy = stored_busy_task(app)
    task_id, plan_id, version, status = busy.task_id, busy.plan_id, busy.version, busy.status
    lines = select(func.count(Activity.id)).where(Activity.task_id == task_id)
    with app.app_context():
        history = db.session.scalar(lines)
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    client.login(busy.admin_email)

    raced = []
    other_change = text("UPDATE task SET title = 'Changé', version = version + 1 WHERE id = :id")

    def someone_else_first(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.startswith("UPDATE task SET") and not raced:
            raced.append(statement)
            with engine.connect() as other:
                other.execute(other_change, {"id": task_id})
                other.commit()

    event.listen(engine, "before_cursor_execute", someone_else_first)
    try:
        response = client.post(
            f"/tasks/{task_id}/move", data={"status": "done", "version": version}, headers=HTMX
        )
    finally:
        event.remove(engine, "before_cursor_execute", someone_else_first)

    assert raced and response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Quelqu’un d’autre a modifié cette tâche" in html
    assert f'data-version="{version + 1}"' in html
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.status, task.title, task.version) == (status, "Changé", version + 1)
        assert (
            db.session.scalar(select(func.count(Activity.id)).where(Activity.task_id == task_id)) == history
        )
        db.session.commit()
    # The same move again, on the version it was shown, goes through.
    retry = re.search(r'<div class="conflict".*?<form[^>]*>(.*?)</form>', html, re.S).group(1)
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', retry))
    assert client.post(f"/tasks/{task_id}/move", data=values, headers=HTMX).status_code == 200
    assert client.get(f"/plans/{plan_id}/board").status_code == 200
