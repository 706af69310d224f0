"""Board fixtures: an organisation with people of every role, and plans of
any size, built through tests/factories.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tasking.core import clock
from tasking.extensions import db
from tasking.models import Organisation, Plan, Task, User
from tests import factories as f
from tests.conftest import Factory, committed

COLOURS = ["#3a6fc4", "#8e5bb5", "#e0b400", "#2e9d57"]


def today() -> date:
    """Today in the organisations' zone, as the board computes it."""
    return clock.local_today(clock.now(), "America/Montreal")


@dataclass
class People:
    org: Organisation
    admin: User
    owner: User
    helper: User
    viewer: User
    outsider: User


@pytest.fixture
def people(make: Factory) -> People:
    org = make.org("ville-tableau", "Ville Tableau")
    other = make.org("ville-autre", "Ville Autre")
    staff = make.people(
        org,
        admin=f.person("admin", "admin@tableau.qc.ca", "Alice Admin"),
        owner=f.person("member", "responsable@tableau.qc.ca", "Rémi Responsable"),
        helper=f.person("member", "aide@tableau.qc.ca", "Claire Collaboratrice"),
        viewer=f.person("viewer", "lecteur@tableau.qc.ca", "Victor Viewer"),
        outsider=f.person("admin", "admin@autre.qc.ca", "Olga Outsider", other),
    )
    return People(org, **staff)


class Plans:
    """Plans of themes of one objective each, and as many tasks as asked."""

    def __init__(self, make: Factory):
        self.make = make
        self.counter = 0

    def plan(self, org: Organisation, themes: int = 2, title: str = "Plan d’essai") -> Plan:
        specs = [
            f.theme(
                f"Enjeu {n + 1}",
                number=n + 3,
                category="transversal",
                colour=COLOURS[n % len(COLOURS)],
                objectives=[f.objective(f"Objectif {n + 1}", actions=[], targets=[])],
            )
            for n in range(themes)
        ]
        return self.make.plan_with(org, specs, title=title, event="Essai")

    def objectives(self, plan: Plan) -> list[int]:
        return [objective.id for objective in f.objectives_of(plan)]

    def tasks(self, plan: Plan, count: int, **fields) -> list[int]:
        """``count`` tasks spread over the plan's objectives, each at the bottom
        of its column; ``fields`` (of an action) apply to all of them."""
        objectives = self.objectives(plan)
        actions = []
        for index in range(count):
            self.counter += 1
            spec = f.action(**{"title": f"Tâche numéro {self.counter}", **fields})
            actions.append((objectives[index % len(objectives)], spec))
        return [task.id for task in committed(f.add_tasks(db.session, plan, actions, now=self.make.now()))]

    def decorate(self, plan: Plan, people: People, task_ids: list[int], owner: User | None = None) -> None:
        """Collaborators, comments, due dates and a measured target on every
        task, so that every fact a card shows has something to load."""
        now = self.make.now()
        for index, task_id in enumerate(task_ids):
            task = db.session.get(Task, task_id)
            task.owner_id = (owner or people.owner).id
            task.due_date = today() + timedelta(days=(index % 20) - 5)
            task.collaborators.append(people.helper)
            f.comment(db.session, task, people.owner, "Suivi", now=now)
        for objective in f.objectives_of(plan):
            target = f.add_target(
                db.session, objective, f.target("Atteindre 100", unit="%", target_value=100.0)
            )
            f.measurement(db.session, target, 40.0, today(), now=now)
        db.session.commit()


@pytest.fixture
def build(make: Factory) -> Plans:
    return Plans(make)
