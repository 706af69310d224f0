"""A small region with two municipalities and a known state of their plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from tasking.extensions import db
from tasking.models import Organisation, Plan, Region, Target, Task, User
from tests import factories as f
from tests.conftest import Factory, committed

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


def set_task(task: Task, status: str, due: date | None = None, reason: str = "", owner: User | None = None):
    task.status = status
    task.due_date = due
    task.blocked_reason = reason
    if owner is not None:
        task.owner_id = owner.id


@pytest.fixture
def dataset(make: Factory) -> Dataset:
    """Ville A: 144 live actions (one archived): 4 done, 2 in progress, 2 blocked,
    2 overdue as of 25 Nov 2026; one "up" and one "down" measurable target.
    Ville B: 3 of 145 done. Ville C is in another region."""
    region = make.region("mrc-a", "MRC A")
    other_region = make.region("mrc-z", "MRC Z")
    ville_a, ville_b = make.towns(region, {"ville-a": "Ville A", "ville-b": "Ville B"})
    ville_c = make.org("ville-c", "Ville C", other_region)
    staff = make.people(
        ville_a,
        admin_a=f.person("admin", "admin@ville-a.qc.ca", "Adèle Admin"),
        member_a=f.person("member", "luc@ville-a.qc.ca", "Luc Gagnon"),
        viewer_a=f.person("viewer", "obs@ville-a.qc.ca", "Odile Observatrice"),
        admin_b=f.person("admin", "admin@ville-b.qc.ca", "Benoît Admin", ville_b),
        coordinator=f.person("viewer", "coord@mrc-a.qc.ca", "Nathalie Bouchard", regional_region=region),
        other_coordinator=f.person(
            "viewer", "coord@mrc-z.qc.ca", "Zoé Ailleurs", ville_c, regional_region=other_region
        ),
    )
    member_a, admin_a = staff["member_a"], staff["admin_a"]
    plan_a = make.plan(ville_a)
    plan_b = make.plan(ville_b)

    tasks = f.tasks_of(plan_a)
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
    for task in f.tasks_of(plan_b)[:3]:
        set_task(task, "done")

    targets = f.targets_of(plan_a)
    up, down = targets[0], targets[1]
    up.unit, up.baseline, up.target_value, up.direction = "%", 0.0, 65.0, "up"
    down.unit, down.baseline, down.target_value, down.direction = "jours", 30.0, 10.0, "down"
    for on, value in ((date(2026, 10, 1), 12.0), (date(2026, 10, 15), 25.0), (date(2026, 11, 1), 38.0)):
        f.measurement(db.session, up, value, on, member_a, now=make.now())
    for on, value in ((date(2026, 9, 1), 30.0), (date(2026, 10, 1), 25.0), (date(2026, 11, 1), 20.0)):
        f.measurement(db.session, down, value, on, admin_a, now=make.now())
    return committed(
        Dataset(
            region,
            other_region,
            ville_a,
            ville_b,
            ville_c,
            plan_a,
            plan_b,
            tasks_a=tasks,
            up_target=up,
            down_target=down,
            **staff,
        )
    )
