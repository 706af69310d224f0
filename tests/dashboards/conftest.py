"""A small region with two municipalities and a known state of their plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import (
    Measurement,
    OperationalObjective,
    Organisation,
    Plan,
    Region,
    Target,
    Task,
    Theme,
    User,
)
from tests.conftest import app_now

TODAY = date(2026, 11, 25)


@dataclass
class Dataset:
    region: Region
    other_region: Region
    ville_a: Organisation
    ville_b: Organisation
    ville_c: Organisation
    plan_a: Plan
    plan_b: Plan
    coordinator: User
    other_coordinator: User
    admin_a: User
    admin_b: User
    member_a: User
    viewer_a: User
    tasks_a: list[Task]
    up_target: Target
    down_target: Target


def tasks_of(plan: Plan) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))


def targets_of(plan: Plan) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .join(OperationalObjective, OperationalObjective.id == Target.objective_id)
            .join(Theme, Theme.id == OperationalObjective.theme_id)
            .where(Theme.plan_id == plan.id)
            .order_by(Theme.position, OperationalObjective.position, Target.position)
        )
    )


def set_task(task: Task, status: str, due: date | None = None, reason: str = "", owner: User | None = None):
    task.status = status
    task.due_date = due
    task.blocked_reason = reason
    if owner is not None:
        task.owner_id = owner.id


@pytest.fixture
def dataset(make) -> Dataset:
    """Ville A: 144 live actions (one archived): 4 done, 2 in progress, 2 blocked,
    2 overdue as of 25 Nov 2026; one "up" and one "down" measurable target.
    Ville B: 3 of 145 done. Ville C is in another region."""
    region = make.region("mrc-a", "MRC A")
    other_region = make.region("mrc-z", "MRC Z")
    ville_a = make.org("ville-a", "Ville A", region)
    ville_b = make.org("ville-b", "Ville B", region)
    ville_c = make.org("ville-c", "Ville C", other_region)
    admin_a = make.user(ville_a, "admin", "admin@ville-a.qc.ca", "Adèle Admin")
    member_a = make.user(ville_a, "member", "luc@ville-a.qc.ca", "Luc Gagnon")
    viewer_a = make.user(ville_a, "viewer", "obs@ville-a.qc.ca", "Odile Observatrice")
    admin_b = make.user(ville_b, "admin", "admin@ville-b.qc.ca", "Benoît Admin")
    coordinator = make.user(ville_a, "viewer", "coord@mrc-a.qc.ca", "Nathalie Bouchard", regional=region)
    other_coordinator = make.user(
        ville_c, "viewer", "coord@mrc-z.qc.ca", "Zoé Ailleurs", regional=other_region
    )
    plan_a = make.plan(ville_a)
    plan_b = make.plan(ville_b)

    tasks = tasks_of(plan_a)
    for task in tasks[0:3]:
        set_task(task, "done")
    set_task(tasks[3], "blocked", date(2026, 11, 20), "En attente du CIUSSS", owner=member_a)
    set_task(tasks[4], "in_progress", date(2026, 11, 24), owner=member_a)
    set_task(tasks[5], "todo", TODAY)  # due today: not overdue yet
    set_task(tasks[6], "done", date(2026, 11, 1))  # late but done: not overdue
    set_task(tasks[7], "done")
    tasks[7].archived_at = datetime(2026, 11, 2)
    set_task(tasks[24], "blocked", None, "Budget non voté")
    set_task(tasks[30], "in_progress", date(2026, 12, 1))
    for task in tasks_of(plan_b)[:3]:
        set_task(task, "done")

    targets = targets_of(plan_a)
    up, down = targets[0], targets[1]
    up.unit, up.baseline, up.target_value, up.direction = "%", 0.0, 65.0, "up"
    down.unit, down.baseline, down.target_value, down.direction = "jours", 30.0, 10.0, "down"
    for on, value in ((date(2026, 10, 1), 12.0), (date(2026, 10, 15), 25.0), (date(2026, 11, 1), 38.0)):
        db.session.add(
            Measurement(created_at=app_now(), target=up, value=value, measured_on=on, author_id=member_a.id)
        )
    for on, value in ((date(2026, 9, 1), 30.0), (date(2026, 10, 1), 25.0), (date(2026, 11, 1), 20.0)):
        db.session.add(
            Measurement(created_at=app_now(), target=down, value=value, measured_on=on, author_id=admin_a.id)
        )
    db.session.commit()
    return Dataset(
        region=region,
        other_region=other_region,
        ville_a=ville_a,
        ville_b=ville_b,
        ville_c=ville_c,
        plan_a=plan_a,
        plan_b=plan_b,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        admin_a=admin_a,
        admin_b=admin_b,
        member_a=member_a,
        viewer_a=viewer_a,
        tasks_a=tasks,
        up_target=up,
        down_target=down,
    )
