"""A region of two municipalities for the meetings: Ville A has a blocked
action whose owner asks for the region's help and an overdue action, Ville B
one action; a regional coordinator, each municipality's admin, and a member
of Ville B who will own a follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask

from tasking.extensions import db
from tasking.models import Organisation, Plan, Region, Task, User
from tests.conftest import Factory, app_now
from tests.scheduling.conftest import mk, small_plan  # noqa: F401


@dataclass
class Region2:
    region: Region
    a: Organisation
    b: Organisation
    coordinator: User
    admin_a: User
    admin_b: User
    member_b: User
    plan_a: Plan
    plan_b: Plan
    blocked: Task
    late: Task
    task_b: Task


def _task(plan: Plan, objective_id: int, owner: User, title: str, due: date | None, **fields) -> Task:
    task = Task(
        created_at=app_now(),
        updated_at=app_now(),
        plan_id=plan.id,
        objective_id=objective_id,
        title=title,
        owner_id=owner.id,
        due_date=due,
        **fields,
    )
    db.session.add(task)
    db.session.commit()
    return task


def build_two(factory: Factory) -> Region2:
    """The region, on the app of the factory given (``make`` for the browser)."""
    region = factory.region("mrc-test", "MRC de Test")
    a = factory.org("ville-a", "Ville A", region)
    b = factory.org("ville-b", "Ville B", region)
    coordinator = factory.user(a, "viewer", email="mrc@mrc-test.ca", name="Marie Régionale", regional=region)
    admin_a = factory.user(a, "admin", email="admin@ville-a.ca", name="Claire Coordination")
    admin_b = factory.user(b, "admin", email="admin@ville-b.ca", name="Bruno Bédard")
    member_b = factory.user(b, "member", email="membre@ville-b.ca", name="Rémi Responsable")
    plan_a, _theme, objective_a = small_plan(a)
    plan_b, _theme_b, objective_b = small_plan(b)
    blocked = _task(
        plan_a,
        objective_a.id,
        admin_a,
        "Entente secrète avec le CISSS",
        date(2026, 12, 15),
        status="blocked",
        blocked_reason="Attente du CISSS",
        region_help=True,
        region_help_reason="La MRC peut relancer le CISSS",
    )
    late = _task(plan_a, objective_a.id, admin_a, "Inventaire des besoins", date(2026, 11, 10))
    task_b = _task(plan_b, objective_b.id, member_b, "Banque alimentaire", date(2026, 12, 20))
    return Region2(
        region, a, b, coordinator, admin_a, admin_b, member_b, plan_a, plan_b, blocked, late, task_b
    )


@pytest.fixture
def two(mk: Factory) -> Region2:  # noqa: F811
    return build_two(mk)


@pytest.fixture
def web(mail_app: Flask):
    """Test clients of the app that delivers to the SMTP sink, signed in as someone."""

    def client(user: User):
        c = mail_app.test_client()
        c.login(user.email)
        return c

    return client
