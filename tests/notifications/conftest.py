"""A small world for notification tests: one organisation, an admin, an
owner, a collaborator, a viewer, and a plan with three tasks (not the whole
145-task template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from tasking.extensions import db
from tasking.models import Organisation, Plan, Task, User
from tests import factories as f
from tests.conftest import Factory, committed

NOW = datetime(2026, 11, 25, 15, 0)


@dataclass
class World:
    org: Organisation
    admin: User
    owner: User
    helper: User
    viewer: User
    plan: Plan
    task: Task
    other: Task
    third: Task


@pytest.fixture
def world(make) -> World:
    return build_world(make)


@pytest.fixture
def mail_world(mail_app) -> World:
    """The same world, in the app that delivers to the loopback SMTP server."""
    return build_world(Factory(mail_app))


def build_world(make: Factory) -> World:
    org = make.org("ville-notif", "Ville de Notif")
    staff = make.people(
        org,
        admin=f.person("admin", "coordination@notif.qc.ca", "Céline Coordination"),
        owner=f.person("member", "responsable@notif.qc.ca", "Rémi Responsable"),
        helper=f.person("member", "aide@notif.qc.ca", "Alice Aide", locale="en_CA"),
        viewer=f.person("viewer", "observateur@notif.qc.ca", "Olivier Observateur"),
    )
    owner, helper, due = staff["owner"].id, staff["helper"].id, date(2026, 12, 10)
    actions = [
        f.action("Ouvrir le centre d'hébergement", owner_id=owner, collaborator_ids=[helper], due_date=due),
        f.action("Recenser les besoins", owner_id=owner, due_date=due),
        f.action("Informer la population", due_date=due),
    ]
    theme = f.theme(
        number=None, category="transversal", objectives=[f.objective(actions=actions, targets=[])]
    )
    plan = f.plan(db.session, org, [theme], "Plan de rétablissement", now=make.now())
    task, other, third = f.tasks_of(plan)
    return committed(World(org, plan=plan, task=task, other=other, third=third, **staff))
