"""A municipality with a plan of five actions, its people, and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tasking.api import tokens
from tasking.extensions import db
from tasking.models import Organisation, Plan, Task, User
from tests import factories
from tests.conftest import app_now


@dataclass
class World:
    org: Organisation
    admin: User
    owner: User
    viewer: User
    plan: Plan
    tasks: list[Task]
    other_org: Organisation
    other_plan: Plan
    #: A read-and-write token of the plan's owner of most actions.
    secret: str = ""

    def token(self, user: User, scope: str = "write", days: int = 30) -> str:
        _token, secret = tokens.create_token(
            db.session,
            actor=user,
            name=f"{user.name} {scope}",
            scope=scope,
            expires_on=app_now().date() + timedelta(days=days),
            now=app_now(),
        )
        db.session.commit()
        return secret


@pytest.fixture
def world(app) -> World:  # noqa: ANN001
    session = db.session
    org = factories.organisation(session, name="Ville de Démo")
    admin = factories.user(session, org, role="admin", name="Aline Admin")
    owner = factories.user(session, org, role="member", name="Frédéric Tremblay")
    viewer = factories.user(session, org, role="viewer", name="Véra Lectrice")
    today = app_now().date()
    actions = [
        factories.action("Appeler les aînés", owner_id=owner.id, due_date=today - timedelta(days=3)),
        factories.action("Ouvrir la halte", owner_id=owner.id, status="in_progress", due_date=today),
        factories.action("Bloquée", owner_id=admin.id, status="blocked", blocked_reason="Attente CIUSSS"),
        factories.action("Terminée", owner_id=owner.id, status="done", due_date=date(2026, 1, 5)),
        factories.action("Sans responsable"),
    ]
    targets = [factories.target("Aînés joints", unit="personnes", baseline=0, target_value=100)]
    plan = factories.plan(
        session,
        org,
        themes=[
            factories.theme(
                "Enjeux sociaux", objectives=[factories.objective(actions=actions[:3], targets=targets)]
            ),
            factories.theme("Économie", number=4, objectives=[factories.objective(actions=actions[3:])]),
        ],
    )
    other_org = factories.organisation(session, name="Autre Ville")
    factories.user(session, other_org, role="admin")
    other_plan = factories.plan(session, other_org)
    session.commit()
    tasks = list(session.scalars(db.select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
    world = World(org, admin, owner, viewer, plan, tasks, other_org, other_plan)
    world.secret = world.token(owner)
    return world


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}
