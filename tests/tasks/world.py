"""A small organisation with one plan and a person for every role, built
directly (the full template import is 145 tasks: more than these tests need)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tasking.extensions import db
from tasking.models import OperationalObjective, Plan, Target, Task, Theme, User
from tests.conftest import app_now

NOW = datetime(2026, 11, 20, 15, 0)


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
        return {
            "admin": self.admin,
            "owner": self.owner,
            "collaborator": self.collaborator,
            "member": self.member,
            "viewer": self.viewer,
            "regional": self.regional,
            "stranger": self.stranger,
        }


def build_world(make) -> World:  # noqa: ANN001
    region = make.region()
    org = make.org("ville-a", "Ville A", region)
    neighbour = make.org("ville-voisine", "Ville voisine", region)
    other = make.org("ailleurs", "Ville d’ailleurs")
    admin = make.user(org, "admin", "coordination@ville-a.qc.ca", "Marie Tremblay")
    owner = make.user(org, "member", "responsable@ville-a.qc.ca", "Luc Gagnon")
    collaborator = make.user(org, "member", "collaboratrice@ville-a.qc.ca", "Sophie Roy")
    member = make.user(org, "member", "autre@ville-a.qc.ca", "Anne Autre")
    viewer = make.user(org, "viewer", "observateur@ville-a.qc.ca", "Jean Côté")
    regional = make.user(neighbour, "viewer", "coordination@mrc.qc.ca", "Nathalie Bouchard", regional=region)
    stranger = make.user(other, "admin", "coordination@ailleurs.qc.ca", "Pierre Lavoie")

    plan = Plan(
        created_at=app_now(),
        organisation_id=org.id,
        title="Plan de rétablissement COVID-19",
        event="COVID-19",
    )
    db.session.add(plan)
    db.session.flush()
    theme = Theme(
        plan_id=plan.id, number=3, title="Enjeux sociaux", category="social", colour="#3b7dd8", position=1
    )
    db.session.add(theme)
    db.session.flush()
    objective = OperationalObjective(
        theme_id=theme.id, title="Soutenir les personnes vulnérables", position=1
    )
    db.session.add(objective)
    db.session.flush()
    target = Target(
        objective_id=objective.id,
        text="Joindre 80 % des aînés isolés",
        unit="%",
        baseline=0,
        target_value=80,
        direction="up",
        position=1,
    )
    task = Task(
        created_at=app_now(),
        updated_at=app_now(),
        plan_id=plan.id,
        objective_id=objective.id,
        title="Appeler les aînés isolés",
        description="Faire la liste avec le **CIUSSS**.",
        owner_id=owner.id,
        status="todo",
        horizon="short_medium",
        due_date=date(2026, 12, 15),
        board_position=1.0,
        plan_position=1,
    )
    other_task = Task(
        created_at=app_now(),
        updated_at=app_now(),
        plan_id=plan.id,
        objective_id=objective.id,
        title="Organiser la livraison de repas",
        owner_id=member.id,
        status="in_progress",
        board_position=1.0,
        plan_position=2,
    )
    task.collaborators = [collaborator]
    db.session.add_all([target, task, other_task])
    db.session.commit()
    return World(
        plan,
        theme,
        objective,
        target,
        task,
        other_task,
        admin,
        owner,
        collaborator,
        member,
        viewer,
        regional,
        stranger,
    )
