"""A small world for notification tests: one organisation, an admin, an
owner, a collaborator, a viewer, and a plan with three tasks (not the whole
145-task template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from tasking.extensions import db
from tasking.models import OperationalObjective, Organisation, Plan, Task, Theme, User
from tests.conftest import Factory, app_now

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


def small_plan(org: Organisation, titles: list[str]) -> tuple[Plan, list[Task]]:
    plan = Plan(created_at=app_now(), organisation_id=org.id, title="Plan de rétablissement")
    theme = Theme(plan=plan, title="Enjeux sociaux")
    objective = OperationalObjective(theme=theme, title="Soutenir les personnes vulnérables")
    tasks = [
        Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan=plan,
            objective=objective,
            title=title,
            due_date=date(2026, 12, 10),
            plan_position=i,
        )
        for i, title in enumerate(titles)
    ]
    db.session.add_all([plan, theme, objective, *tasks])
    db.session.commit()
    return plan, tasks


@pytest.fixture
def world(make) -> World:
    return build_world(make)


@pytest.fixture
def mail_world(mail_app) -> World:
    """The same world, in the app that delivers to the loopback SMTP server."""
    return build_world(Factory(mail_app))


def build_world(make: Factory) -> World:
    org = make.org("ville-notif", "Ville de Notif")
    admin = make.user(org, "admin", email="coordination@notif.qc.ca", name="Céline Coordination")
    owner = make.user(org, "member", email="responsable@notif.qc.ca", name="Rémi Responsable")
    helper = make.user(org, "member", email="aide@notif.qc.ca", name="Alice Aide", locale="en_CA")
    viewer = make.user(org, "viewer", email="observateur@notif.qc.ca", name="Olivier Observateur")
    plan, (task, other, third) = small_plan(
        org, ["Ouvrir le centre d'hébergement", "Recenser les besoins", "Informer la population"]
    )
    task.owner_id = owner.id
    task.collaborators = [helper]
    other.owner_id = owner.id
    db.session.commit()
    return World(org, admin, owner, helper, viewer, plan, task, other, third)
