"""Declarative test data: people and places through the real services, plans
through the plan builder. Every function has sensible defaults; pass only
what a test is about.

    org = factories.organisation(db.session)
    admin = factories.user(db.session, org, role="admin")
    plan = factories.plan(db.session, org, themes=[factories.theme(objectives=[
        factories.objective(actions=[factories.action("Appeler les aînés")])])])

They flush; the test commits when it needs to.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from tasking.models import Organisation, Plan, Region, User
from tasking.orgs import services as orgs
from tasking.plans.builder import (
    ActionSpec,
    History,
    ObjectiveSpec,
    PlanBuilder,
    PlanSpec,
    TargetSpec,
    ThemeSpec,
)

PASSWORD = "Correct-Horse-42"  # as tests/conftest.py: the client logs in with it
NOW = datetime(2026, 11, 20, 15, 0)
_numbers = count(1)


def region(session: Session, slug: str | None = None, name: str | None = None, now: datetime = NOW) -> Region:
    number = next(_numbers)
    return orgs.create_region(session, slug or f"mrc-{number}", name or f"MRC {number}", now=now)


def organisation(
    session: Session,
    slug: str | None = None,
    name: str | None = None,
    region: Region | None = None,
    now: datetime = NOW,
) -> Organisation:
    number = next(_numbers)
    return orgs.create_organisation(
        session,
        slug or f"ville-{number}",
        name or f"Ville {number}",
        region.slug if region else None,
        now=now,
    )


def user(
    session: Session,
    org: Organisation,
    role: str = "member",
    email: str | None = None,
    name: str | None = None,
    now: datetime = NOW,
    **overrides: Any,
) -> User:
    number = next(_numbers)
    return orgs.create_user(
        session,
        email=email or f"personne{number}@exemple.qc.ca",
        name=name or f"Personne Numéro{number}",
        password=PASSWORD,
        org=org,
        role=role,
        now=now,
        **overrides,
    )


def action(title: str = "Appeler les aînés isolés", **overrides: Any) -> ActionSpec:
    return ActionSpec(title=title, **overrides)


def target(text: str = "Joindre 80 % des aînés isolés", **overrides: Any) -> TargetSpec:
    return TargetSpec(text=text, **overrides)


def objective(
    title: str = "Soutenir les personnes vulnérables",
    actions: list[ActionSpec] | None = None,
    targets: list[TargetSpec] | None = None,
    **overrides: Any,
) -> ObjectiveSpec:
    """An objective with one action and one target unless told otherwise."""
    return ObjectiveSpec(
        title=title,
        actions=[action()] if actions is None else actions,
        targets=[target()] if targets is None else targets,
        **overrides,
    )


def theme(
    title: str = "Enjeux sociaux", objectives: list[ObjectiveSpec] | None = None, **overrides: Any
) -> ThemeSpec:
    """A social theme with one objective unless told otherwise."""
    overrides = {"number": 3, "category": "social", "colour": "#3b7dd8", **overrides}
    return ThemeSpec(title=title, objectives=[objective()] if objectives is None else objectives, **overrides)


def plan(
    session: Session,
    org: Organisation,
    themes: list[ThemeSpec] | None = None,
    title: str = "Plan de rétablissement COVID-19",
    actor: User | None = None,
    now: datetime = NOW,
    **overrides: Any,
) -> Plan:
    """A plan of ``org`` with one theme unless told otherwise, built without history lines."""
    spec = PlanSpec(title=title, themes=[theme()] if themes is None else themes, **overrides)
    return PlanBuilder.new_plan(session, organisation=org, spec=spec, actor=actor, now=now, history=History())
