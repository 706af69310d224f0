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
from tests import factories as f
from tests.conftest import Factory, committed
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


def build_two(make: Factory) -> Region2:
    """The region, on the app of the factory given (``make`` for the browser)."""
    region = make.region("mrc-test", "MRC de Test")
    a, b = make.towns(region, {"ville-a": "Ville A", "ville-b": "Ville B"})
    staff = make.people(
        a,
        coordinator=f.person("viewer", "mrc@mrc-test.ca", "Marie Régionale", regional_region=region),
        admin_a=f.person("admin", "admin@ville-a.ca", "Claire Coordination"),
        admin_b=f.person("admin", "admin@ville-b.ca", "Bruno Bédard", b),
        member_b=f.person("member", "membre@ville-b.ca", "Rémi Responsable", b),
    )
    plan_a, _theme, objective_a = small_plan(a)
    plan_b, _theme_b, objective_b = small_plan(b)
    admin_a, now = staff["admin_a"], make.now()
    blocked = f.add_task(
        db.session,
        objective_a,
        "Entente secrète avec le CISSS",
        admin_a,
        now=now,
        due_date=date(2026, 12, 15),
        status="blocked",
        blocked_reason="Attente du CISSS",
        region_help=True,
        region_help_reason="La MRC peut relancer le CISSS",
    )
    late = f.add_task(
        db.session, objective_a, "Inventaire des besoins", admin_a, now=now, due_date=date(2026, 11, 10)
    )
    task_b = f.add_task(
        db.session, objective_b, "Banque alimentaire", staff["member_b"], now=now, due_date=date(2026, 12, 20)
    )
    return committed(
        Region2(
            region, a, b, plan_a=plan_a, plan_b=plan_b, blocked=blocked, late=late, task_b=task_b, **staff
        )
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
