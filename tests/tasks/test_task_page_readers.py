"""Who reads a task's page: the page decides with ``can_read_org``'s rules
from what its one header statement read (the organisation's region and the
region it is the own organisation of). A regional plan's task is read by
the region's coordinators and its municipalities' admins, not by their
members nor by another region's admins; a municipality's task by its
people and its region's coordinators."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import Organisation
from tests import factories as f
from tests.conftest import Factory, committed
from tests.scheduling.conftest import small_plan


def test_who_reads_a_regional_plan_task_and_a_municipality_task(make: Factory, make_client, count_queries):
    region = make.region("mrc-test", "MRC de Test")
    (town,) = make.towns(region, {"ville-a": "Ville A"})
    staff = Organisation(
        slug="mrc-test-org", name="MRC de Test", staff_of_region_id=region.id, created_at=make.now()
    )
    db.session.add(staff)
    committed(staff)
    elsewhere = make.org("ville-c", "Ville C", make.region("mrc-autre", "MRC Autre"))
    people = {
        "coordinator": make.user(town, "viewer", "mrc@mrc-test.ca", regional=region),
        "town admin": make.user(town, "admin", "admin@ville-a.ca"),
        "town member": make.user(town, "member", "membre@ville-a.ca"),
        "other admin": make.user(elsewhere, "admin", "admin@ville-c.ca"),
    }
    _plan, _theme, regional_objective = small_plan(staff)
    _plan, _theme, town_objective = small_plan(town)
    regional = committed(f.add_task(db.session, regional_objective, "Coordonner les refuges", now=make.now()))
    local = committed(f.add_task(db.session, town_objective, "Appeler les aînés", now=make.now()))
    readers = {
        regional.id: {"coordinator", "town admin"},
        local.id: {"coordinator", "town admin", "town member"},
    }
    for who, person in people.items():
        client = make_client()
        client.login(person.email)
        for task_id, allowed in readers.items():
            with count_queries() as read:
                status = client.get(f"/tasks/{task_id}").status_code
            assert status == (200 if who in allowed else 404), (who, task_id)
            if status == 200:
                # A coordinator's region, an admin's town's region: one more statement.
                assert read.count <= (5 if who == "town member" else 6), "\n".join(read.statements)
