"""The update page costs the same few statements for 6 or 60 actions (the
issue's aim: at most 10)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tasking.checkins.links import update_token
from tasking.extensions import db
from tasking.models import Task
from tests.conftest import app_now
from tests.scheduling.conftest import build_world

from .seeding import a_round

OPENS = datetime(2026, 11, 24, 13)


def _actions(world, owner, count: int) -> None:
    db.session.add_all(
        Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan_id=world.plan.id,
            objective_id=world.objective.id,
            title=f"Action {owner.name} {n}",
            owner_id=owner.id,
            due_date=date(2026, 11, 1) + timedelta(days=n),
        )
        for n in range(count)
    )
    db.session.commit()


def test_the_update_page_costs_the_same_for_6_and_60_actions(app, client, make, clock, count_queries):
    world = build_world(make)
    _actions(world, world.owner, 6)
    _actions(world, world.helper, 60)
    checkin = a_round(world.org, OPENS, invited=(world.owner, world.helper))
    clock.set(OPENS + timedelta(hours=1))
    counts = {}
    for person, size in ((world.owner, 6), (world.helper, 60)):
        with app.test_request_context():
            path = f"/checkins/u/{update_token(checkin.id, person.id)}"
        client.get(path)  # warm-up
        with count_queries() as counter:
            page = client.get(path).get_data(as_text=True)
        assert page.count('name="task"') == size
        counts[size] = counter.count
    assert counts[6] == counts[60]
    assert counts[60] <= 10
