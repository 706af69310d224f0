"""The app reads the clock the test sets, never the machine's: one dated
scenario, run on two different "todays", gives each day's answer."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from tasking.extensions import db
from tasking.models import Task
from tests.me.test_my_tasks import groups

DUE = date(2027, 3, 10)


@pytest.mark.parametrize(
    ("instant", "group", "stamp"),
    [
        # Monday 8 March 2027, 9:00 in Montréal: due this week.
        (datetime(2027, 3, 8, 14, 0), "week", "8 mars 2027"),
        # Friday 12 March 2027, 9:00 in Montréal: two days late.
        (datetime(2027, 3, 12, 14, 0), "overdue", "12 mars 2027"),
    ],
)
def test_the_same_task_is_due_this_week_or_late_depending_on_the_day(
    instant,
    group,
    stamp,
    client,
    clock,
    people,
    build,
):
    clock.set(instant)
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id, due_date=DUE)
    db.session.commit()
    client.login(people.owner.email)

    assert task_id in groups(client.get("/me/tasks").get_data(as_text=True))[group]

    # A change made through a page is stamped with the test's instant, as people see it.
    version = db.session.get(Task, task_id).version
    saved = client.post(
        f"/tasks/{task_id}/edit/title",
        data={"title": "Appeler les aînés", "version": str(version)},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    history = client.get(f"/tasks/{task_id}/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(stamp + r", 09 h 00", history), "the history shows the test's day and time"
