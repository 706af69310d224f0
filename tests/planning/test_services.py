"""The plan editor's services, without HTTP: a session, an actor and a `now`."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from tasking.core.errors import ServiceError
from tasking.extensions import db
from tasking.models import Activity, OperationalObjective, Task
from tasking.plans import editing as planning
from tests import factories as f

NOW = datetime(2026, 11, 20, 15, 0)
LATER = datetime(2026, 11, 21, 9, 30)


@pytest.fixture
def town(app):
    org = f.organisation(db.session)
    admin = f.user(db.session, org, role="admin")
    member = f.user(db.session, org)
    plan = f.plan(
        db.session,
        org,
        themes=[f.theme(objectives=[f.objective(actions=[f.action("Appeler"), f.action("Livrer")])])],
    )
    objective = db.session.scalars(select(OperationalObjective)).one()
    return admin, member, plan, objective


def lines(plan_id: int) -> list[tuple]:
    rows = db.session.scalars(select(Activity).where(Activity.plan_id == plan_id).order_by(Activity.id))
    return [(a.kind, a.field, a.old_value, a.new_value, a.created_at) for a in rows]


def test_adding_a_theme_and_an_action(town):
    admin, member, plan, objective = town
    values = {"title": "Enjeux économiques", "category": "economic", "colour": "#7B3FA0"}
    theme = planning.add_theme(db.session, actor=admin, plan=plan, values=values, now=NOW)
    assert (theme.number, theme.colour, theme.position) == (4, "#7b3fa0", 1)
    task = planning.add_action(
        db.session,
        actor=admin,
        objective=objective,
        title=" Ouvrir un centre ",
        owner_id=str(member.id),
        now=NOW,
    )
    assert (task.title, task.owner_id, task.plan_position, task.status, task.created_at) == (
        "Ouvrir un centre",
        member.id,
        2,
        "todo",
        NOW,
    )
    assert lines(plan.id) == [
        ("theme_added", f"theme:{theme.id}", None, "Enjeux économiques", NOW),
        ("created", None, None, "Ouvrir un centre", NOW),
    ]


def test_only_admins_change_the_plan_and_bad_values_are_named(town):
    admin, member, plan, objective = town
    with pytest.raises(ServiceError, match="Seuls les administrateurs"):
        planning.add_target(db.session, actor=member, objective=objective, values={"text": "Cible"}, now=NOW)
    with pytest.raises(ServiceError) as refused:
        planning.add_target(db.session, actor=admin, objective=objective, values={"text": ""}, now=NOW)
    assert refused.value.field == "text"
    assert lines(plan.id) == []


def test_archiving_an_objective_hides_its_actions_and_restoring_brings_them_back(town):
    admin, _member, plan, objective = town
    planning.archive(db.session, actor=admin, item=objective, now=NOW)
    tasks = db.session.scalars(select(Task).order_by(Task.plan_position)).all()
    assert {t.archived_at for t in [objective, *tasks]} == {NOW}
    planning.restore(db.session, actor=admin, item=objective, now=LATER)
    assert {t.archived_at for t in [objective, *tasks]} == {None}
    kinds = [(kind, when) for kind, _field, _old, _new, when in lines(plan.id)]
    assert kinds == [
        ("objective_archived", NOW),
        ("archived", NOW),
        ("archived", NOW),
        ("objective_restored", LATER),
        ("restored", LATER),
        ("restored", LATER),
    ]


def test_moving_an_action_down_swaps_it_with_the_next(town):
    admin, _member, plan, _objective = town
    first, second = db.session.scalars(select(Task).order_by(Task.plan_position)).all()
    assert planning.move(db.session, actor=admin, item=first, direction="down", now=NOW)
    assert (first.plan_position, second.plan_position) == (2, 1)
    assert not planning.move(db.session, actor=admin, item=first, direction="down", now=NOW)
    assert lines(plan.id) == [("plan_moved", None, "1", "2", NOW)]
