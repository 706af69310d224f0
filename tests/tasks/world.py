"""A small organisation with one plan and a person for every role (the full
template import is 145 tasks: more than these tests need)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tasking.extensions import db
from tasking.models import OperationalObjective, Plan, Target, Task, Theme, User
from tests import factories as f
from tests.conftest import Factory, committed


@dataclass
class World:
    plan: Plan
    theme: Theme
    objective: OperationalObjective
    target: Target
    task: Task
    other_task: Task
    admin: User
    owner: User
    collaborator: User
    member: User
    viewer: User
    regional: User
    stranger: User

    def by_role(self) -> dict[str, User]:
        roles = ("admin", "owner", "collaborator", "member", "viewer", "regional", "stranger")
        return {role: getattr(self, role) for role in roles}


def build_world(make: Factory) -> World:
    """Ville A in MRC de Test, its neighbour (the regional coordinator's) and a
    town elsewhere; Ville A's plan: one objective, one target, two actions."""
    region = make.region()
    org, neighbour = make.towns(region, {"ville-a": "Ville A", "ville-voisine": "Ville voisine"})
    staff = make.people(
        org,
        admin=f.person("admin", "coordination@ville-a.qc.ca", "Marie Tremblay"),
        owner=f.person("member", "responsable@ville-a.qc.ca", "Luc Gagnon"),
        collaborator=f.person("member", "collaboratrice@ville-a.qc.ca", "Sophie Roy"),
        member=f.person("member", "autre@ville-a.qc.ca", "Anne Autre"),
        viewer=f.person("viewer", "observateur@ville-a.qc.ca", "Jean Côté"),
        regional=f.person(
            "viewer", "coordination@mrc.qc.ca", "Nathalie Bouchard", neighbour, regional_region=region
        ),
        stranger=f.person(
            "admin", "coordination@ailleurs.qc.ca", "Pierre Lavoie", make.org("ailleurs", "Ville d’ailleurs")
        ),
    )
    task = f.action(
        description="Faire la liste avec le **CIUSSS**.",
        owner_id=staff["owner"].id,
        collaborator_ids=[staff["collaborator"].id],
        horizon="short_medium",
        due_date=date(2026, 12, 15),
    )
    other_task = f.action(
        "Organiser la livraison de repas", owner_id=staff["member"].id, status="in_progress"
    )
    objective = f.objective(
        targets=[f.target(unit="%", baseline=0, target_value=80)], actions=[task, other_task]
    )
    plan = f.edited_plan(db.session, org, [f.theme(objectives=[objective])], event="COVID-19", now=make.now())
    theme = plan.themes[0]
    objective = theme.objectives[0]
    return committed(World(plan, theme, objective, objective.targets[0], *objective.tasks, **staff))
